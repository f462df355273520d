import Configuration

/// Linear prediction from the mel (YAML `teacher.model.linear_prediction`, `student.linear_prediction`).
///
///     linear_prediction:
///       order: 16          # LPC order p of the pre-emphasised signal
///       preemphasis: 0.85  # alpha of y_t = x_t - alpha x_{t-1} (0: none)
///
/// The predictor of x_t from x_<t is the LPC-p predictor of the pre-emphasised signal written
/// back in terms of x, so it has p + 1 taps when alpha != 0 (`taps`). See `MelLinearPredictor`.
public struct LinearPredictionConfig: Codable, Sendable, Equatable, ValidatableConfig {
    public var order: Int = 16
    public var preemphasis: Double = 0.85

    public init(order: Int = 16, preemphasis: Double = 0.85) {
        self.order = order
        self.preemphasis = preemphasis
    }

    /// Taps of the predictor on x: p, plus one for the pre-emphasis.
    public var taps: Int { order + (preemphasis != 0 ? 1 : 0) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case order, preemphasis
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        order = try c.value(.order, default: order)
        preemphasis = try c.value(.preemphasis, default: preemphasis)
    }

    public func validate(path: String) throws {
        try Require.that(order >= 0 && order <= 64, key(path, "order"), "must be in 0...64 (got \(order))")
        try Require.that(preemphasis.isFinite && preemphasis >= 0 && preemphasis <= 1, key(path, "preemphasis"),
                         "must be in 0...1 (got \(preemphasis))")
        try Require.that(taps >= 1, key(path, "order"), "order 0 needs a pre-emphasis > 0 (no taps otherwise)")
    }
}
