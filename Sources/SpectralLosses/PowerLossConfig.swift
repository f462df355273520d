import Configuration

/// Settings of the power loss (YAML section `distill.losses.power`; see `PowerLoss`).
///
///     power:
///       n_fft: 1024        # FFT size (samples)
///       hop_length: 256    # hop between frames (samples)
///       win_length: 1024   # periodic Hann window length (samples), <= n_fft
///       power: 1           # 1: average |STFT| per bin (DESIGN §5); 2: average |STFT|^2
///
/// Missing keys keep these defaults (the feature STFT of DESIGN §2); unknown keys are errors.
public struct PowerLossConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// FFT size, hop and window of the analysis.
    public var resolution = STFTResolution(fftLength: 1024, hopLength: 256, windowLength: 1024)
    /// 1 = magnitude |X|, 2 = power |X|^2. Key `power`.
    public var power: Int = 1

    public init(resolution: STFTResolution = STFTResolution(fftLength: 1024, hopLength: 256, windowLength: 1024),
                power: Int = 1) {
        self.resolution = resolution
        self.power = power
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case fftLength = "n_fft"
        case hopLength = "hop_length"
        case windowLength = "win_length"
        case power
    }

    /// Strict decoding: unknown keys are errors, missing keys keep the defaults, and the result
    /// is validated (errors name the full key path, e.g. `distill.losses.power.hop_length`).
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        let fftLength = try c.value(.fftLength, default: resolution.fftLength)
        // win_length defaults to n_fft (given or default).
        resolution = STFTResolution(fftLength: fftLength,
                                    hopLength: try c.value(.hopLength, default: resolution.hopLength),
                                    windowLength: try c.value(.windowLength, default: fftLength))
        power = try c.value(.power, default: power)
        try validate(path: dottedPath(decoder.codingPath))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(resolution.fftLength, forKey: .fftLength)
        try c.encode(resolution.hopLength, forKey: .hopLength)
        try c.encode(resolution.windowLength, forKey: .windowLength)
        try c.encode(power, forKey: .power)
    }

    public func validate(path: String) throws {
        try resolution.validate(path: path)
        try Require.that(power == 1 || power == 2, key(path, "power"),
                         "must be 1 (magnitude) or 2 (power) (got \(power))")
    }
}
