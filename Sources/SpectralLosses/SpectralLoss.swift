import Tensors

/// A loss between a batch of student waveforms and the real audio of the same crops, both
/// `[B, T]` or `[B, T, 1]` (same shape), differentiable with respect to the student.
///
/// Conventions shared by every spectral loss:
/// - the loss of a batch is the mean of the per-item losses, so the gradient of item b carries
///   a factor 1/B;
/// - STFTs are centred (reflect padding of n_fft/2), periodic-Hann windowed and unnormalised;
/// - values are accumulated in Double; NaN in the input propagates to the value (the training
///   loop skips such steps) rather than being hidden;
/// - items (and resolutions) are computed in parallel over `Compute.threads`; each task's
///   numbers depend only on its inputs, so the result does not depend on the thread count.
public protocol SpectralLoss: Sendable {
    /// Short key for logs and configs (`power`, `mr_stft`).
    var name: String { get }

    /// Loss value, its terms, and dL/d(student).
    func evaluate(student: Tensor, real: Tensor) throws(SpectralLossError) -> SpectralLossResult

    /// The loss value alone (no backward pass), e.g. for validation.
    func value(student: Tensor, real: Tensor) throws(SpectralLossError) -> Double
}
