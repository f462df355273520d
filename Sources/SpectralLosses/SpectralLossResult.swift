import Tensors

/// A loss value with its gradient with respect to the student waveform.
public struct SpectralLossResult: Sendable {
    /// The loss, averaged over the batch (and over resolutions where there are several).
    public var value: Double
    /// dL/d(student), the student tensor's shape (`[B, T]` or `[B, T, 1]`). Includes the 1/B
    /// of the batch mean, so it can be added to other batch-mean gradients as it is.
    public var gradient: Tensor
    /// Named parts of `value` for metrics logs, before weighting (e.g. `spectral_convergence`,
    /// `log_magnitude`); empty when the loss has a single term.
    public var terms: [LossTerm]

    public init(value: Double, gradient: Tensor, terms: [LossTerm] = []) {
        self.value = value
        self.gradient = gradient
        self.terms = terms
    }
}

/// One named term of a composite loss.
public struct LossTerm: Sendable, Equatable {
    public var name: String
    public var value: Double

    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }
}
