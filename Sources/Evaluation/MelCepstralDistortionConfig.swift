import Configuration
import SignalProcessing

/// Settings of `melCepstralDistortion` (YAML section e.g. `evaluate.mcd`).
///
///     mcd:
///       features: { ... }   # a FeatureConfig: STFT, power, mel filterbank, log floor (DESIGN §2 defaults)
///       coefficients: 24    # c_1 ... c_D compared; c_0 (energy) is always excluded
///
/// Only the feature config's STFT, `power`, mel filterbank and `log_floor` are used; its `log`
/// key is not (the cepstrum always takes the natural logarithm). Missing keys keep these
/// defaults; unknown keys are errors.
public struct MelCepstralDistortionConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// Key `features`.
    public var features: FeatureConfig = FeatureConfig()
    /// D, the number of cepstral coefficients after c_0. Key `coefficients`.
    public var coefficients: Int = 24

    public init(features: FeatureConfig = FeatureConfig(), coefficients: Int = 24) {
        self.features = features
        self.coefficients = coefficients
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case features, coefficients
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        features = try c.value(.features, default: features)
        coefficients = try c.value(.coefficients, default: coefficients)
        try validate(path: dottedPath(decoder.codingPath))
    }

    public func validate(path: String) throws {
        try features.validate(path: key(path, "features"))
        try Require.that(coefficients >= 1 && coefficients < features.melBandCount, key(path, "coefficients"),
                         "must be in 1...n_mels - 1 = 1...\(features.melBandCount - 1) (got \(coefficients))")
    }
}
