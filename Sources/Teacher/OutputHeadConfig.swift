import Foundation
import Configuration
import Distributions

/// Which distribution the teacher's output parameterises (YAML `teacher.head`).
///
///     head:
///       kind: mol            # mol | mulaw256 | gaussian
///       mixtures: 10         # mol: number of logistic components
///       log_scale_min: -9    # mol, gaussian: floor of the log-scale (16-bit audio)
///       initial_log_scale: -3  # mol, gaussian: log-scale a fresh model starts with (e^-3 ~ 0.05)
///
/// `initial_log_scale` sets the output layer's log-scale biases at initialisation (the weights
/// start small, so every component starts at about this scale). A spread near the size of
/// speech samples (~0.05 on [-1, 1]) instead of e^0 = 1 saves the first ~100 steps of training,
/// which would otherwise go into shrinking every component's scale.
public struct OutputHeadConfig: Codable, Sendable, Equatable, ValidatableConfig {
    public enum Kind: String, Codable, Sendable { case mol, mulaw256, gaussian }

    public var kind: Kind = .mol
    public var mixtures: Int = 10
    public var logScaleMin: Float = -9
    public var initialLogScale: Float = -3

    public init(kind: Kind = .mol, mixtures: Int = 10, logScaleMin: Float = -9, initialLogScale: Float = -3) {
        self.kind = kind
        self.mixtures = mixtures
        self.logScaleMin = logScaleMin
        self.initialLogScale = initialLogScale
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, mixtures
        case logScaleMin = "log_scale_min"
        case initialLogScale = "initial_log_scale"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.value(.kind, default: kind)
        mixtures = try c.value(.mixtures, default: mixtures)
        logScaleMin = try c.value(.logScaleMin, default: logScaleMin)
        initialLogScale = try c.value(.initialLogScale, default: initialLogScale)
    }

    public func validate(path: String) throws {
        try Require.that(mixtures >= 1 && mixtures <= 64, key(path, "mixtures"), "must be in 1...64")
        try Require.that(logScaleMin.isFinite && logScaleMin < 0, key(path, "log_scale_min"), "must be a negative number")
        try Require.that(initialLogScale.isFinite && initialLogScale >= logScaleMin && initialLogScale <= 2,
                         key(path, "initial_log_scale"), "must be in log_scale_min...2 = \(logScaleMin)...2 (got \(initialLogScale))")
    }

    /// Indices of the log-scales within a row of the head's parameters (empty for mulaw256).
    public var logScaleIndices: Range<Int> {
        switch kind {
        case .mol: return (2 * mixtures)..<(3 * mixtures)
        case .gaussian: return 1..<2
        case .mulaw256: return 0..<0
        }
    }

    /// Indices of the locations (means) within a row (empty for mulaw256).
    public var meanIndices: Range<Int> {
        switch kind {
        case .mol: return mixtures..<(2 * mixtures)
        case .gaussian: return 0..<1
        case .mulaw256: return 0..<0
        }
    }

    /// log(scale / std) of this head's distribution family: a logistic of scale s has std
    /// s pi / sqrt(3); a Gaussian's scale is its std.
    public var logScalePerStd: Float {
        switch kind {
        case .mol: return Float(log(3.0.squareRoot() / Double.pi))
        case .gaussian, .mulaw256: return 0
        }
    }

    /// The distribution object that scores and samples with this head.
    public func makeDistribution() throws -> any OutputDistribution {
        switch kind {
        case .mol: return try DiscretizedMixtureOfLogistics(mixtureCount: mixtures, logScaleMin: logScaleMin)
        case .mulaw256: return MuLawSoftmax()
        case .gaussian: return try GaussianOutput(logScaleMin: logScaleMin)
        }
    }
}
