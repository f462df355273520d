import Configuration
import Distributions

/// Which distribution the teacher's output parameterises (YAML `teacher.head`).
///
///     head:
///       kind: mol            # mol | mulaw256 | gaussian
///       mixtures: 10         # mol: number of logistic components
///       log_scale_min: -9    # mol, gaussian: floor of the log-scale (16-bit audio)
public struct OutputHeadConfig: Codable, Sendable, Equatable, ValidatableConfig {
    public enum Kind: String, Codable, Sendable { case mol, mulaw256, gaussian }

    public var kind: Kind = .mol
    public var mixtures: Int = 10
    public var logScaleMin: Float = -9

    public init(kind: Kind = .mol, mixtures: Int = 10, logScaleMin: Float = -9) {
        self.kind = kind
        self.mixtures = mixtures
        self.logScaleMin = logScaleMin
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, mixtures
        case logScaleMin = "log_scale_min"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.value(.kind, default: kind)
        mixtures = try c.value(.mixtures, default: mixtures)
        logScaleMin = try c.value(.logScaleMin, default: logScaleMin)
    }

    public func validate(path: String) throws {
        try Require.that(mixtures >= 1 && mixtures <= 64, key(path, "mixtures"), "must be in 1...64")
        try Require.that(logScaleMin.isFinite && logScaleMin < 0, key(path, "log_scale_min"), "must be a negative number")
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
