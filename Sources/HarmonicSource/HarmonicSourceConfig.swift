import Configuration

/// A voiced excitation derived from the mel alone (YAML `student.harmonic_source`).
///
///     harmonic_source:
///       griffin_lim_iterations: 32   # phase retrieval before the pitch tracker (fast Griffin-Lim)
///       min_hz: 60                   # f0 search range of the tracker
///       max_hz: 400
///       confidence: 0.6              # YIN confidence of a voiced frame
///       max_harmonic_hz: 7200        # highest harmonic of the pulse train
///
/// See `MelPitchEstimator` (mel -> f0 and voicing per frame) and `PulseTrain` (f0 -> samples).
public struct HarmonicSourceConfig: Codable, Sendable, Equatable, ValidatableConfig {
    public var griffinLimIterations: Int = 32
    public var minimumHz: Double = 60
    public var maximumHz: Double = 400
    public var confidence: Double = 0.6
    public var maximumHarmonicHz: Double = 7200

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case griffinLimIterations = "griffin_lim_iterations"
        case minimumHz = "min_hz"
        case maximumHz = "max_hz"
        case confidence
        case maximumHarmonicHz = "max_harmonic_hz"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        griffinLimIterations = try c.value(.griffinLimIterations, default: griffinLimIterations)
        minimumHz = try c.value(.minimumHz, default: minimumHz)
        maximumHz = try c.value(.maximumHz, default: maximumHz)
        confidence = try c.value(.confidence, default: confidence)
        maximumHarmonicHz = try c.value(.maximumHarmonicHz, default: maximumHarmonicHz)
    }

    public func validate(path: String) throws {
        try Require.that(griffinLimIterations >= 1 && griffinLimIterations <= 1000, key(path, "griffin_lim_iterations"),
                         "must be in 1...1000 (got \(griffinLimIterations))")
        try Require.that(minimumHz.isFinite && maximumHz.isFinite && minimumHz >= 20 && minimumHz < maximumHz
                            && maximumHz <= 2000, key(path, "max_hz"),
                         "need 20 <= min_hz < max_hz <= 2000 (got \(minimumHz), \(maximumHz))")
        try Require.that(confidence.isFinite && confidence >= 0 && confidence <= 1, key(path, "confidence"),
                         "must be in 0...1 (got \(confidence))")
        try Require.that(maximumHarmonicHz.isFinite && maximumHarmonicHz > maximumHz, key(path, "max_harmonic_hz"),
                         "must exceed max_hz (got \(maximumHarmonicHz))")
    }
}
