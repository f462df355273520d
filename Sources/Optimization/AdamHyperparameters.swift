import Configuration

/// Adam's fixed hyperparameters (the learning rate comes from a `LearningRateSchedule`).
/// In configs: `{beta1: 0.9, beta2: 0.999, epsilon: 1.0e-8, weight_decay: 0}`, every key
/// optional, unknown keys rejected.
public struct AdamHyperparameters: Codable, Sendable, Equatable, ValidatableConfig {
    /// Decay of the gradient's running mean.
    public var beta1: Double
    /// Decay of the squared gradient's running mean.
    public var beta2: Double
    /// Added to sqrt(v_hat) so that parameters with tiny gradients do not get huge steps.
    public var epsilon: Double
    /// Decoupled (AdamW) weight decay per unit of learning rate; 0 disables it.
    public var weightDecay: Double

    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case beta1, beta2, epsilon
        case weightDecay = "weight_decay"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AdamHyperparameters()
        self.init(beta1: try c.decodeIfPresent(Double.self, forKey: .beta1) ?? defaults.beta1,
                  beta2: try c.decodeIfPresent(Double.self, forKey: .beta2) ?? defaults.beta2,
                  epsilon: try c.decodeIfPresent(Double.self, forKey: .epsilon) ?? defaults.epsilon,
                  weightDecay: try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? defaults.weightDecay)
        try validate(path: dottedPath(decoder.codingPath))
    }

    public func validate(path: String) throws {
        try Require.that(beta1 >= 0 && beta1 < 1, key(path, "beta1"), "must be in [0, 1) (got \(beta1))")
        try Require.that(beta2 >= 0 && beta2 < 1, key(path, "beta2"), "must be in [0, 1) (got \(beta2))")
        try Require.that(epsilon.isFinite && epsilon > 0, key(path, "epsilon"), "must be positive (got \(epsilon))")
        try Require.that(weightDecay.isFinite && weightDecay >= 0, key(path, "weight_decay"),
                         "must be zero or positive (got \(weightDecay))")
    }
}
