import Configuration

/// Settings of `logSpectralDistance` (YAML section e.g. `evaluate.lsd`).
///
///     lsd:
///       n_fft: 1024         # FFT size (samples)
///       hop_length: 256     # hop (samples)
///       win_length: 1024    # periodic Hann window (samples), <= n_fft
///       epsilon: 1.0e-10    # added to every power |X|^2 before log10 (unnormalised STFT units)
///
/// The STFT defaults are the features' (DESIGN §2). epsilon = 1e-10 is -100 dB in the
/// unnormalised power of samples in [-1, 1], about 25 dB below the power a 16-bit quantisation
/// noise floor leaves in a 1024-point Hann frame (~3e-8): it only keeps log10 finite on digital
/// silence. Missing keys keep these defaults; unknown keys are errors.
public struct LogSpectralDistanceConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// Key `n_fft`.
    public var fftLength: Int = 1024
    /// Key `hop_length`.
    public var hopLength: Int = 256
    /// Key `win_length`.
    public var windowLength: Int = 1024
    /// Key `epsilon`.
    public var epsilon: Double = 1e-10

    public init(fftLength: Int = 1024, hopLength: Int = 256, windowLength: Int? = nil, epsilon: Double = 1e-10) {
        self.fftLength = fftLength
        self.hopLength = hopLength
        self.windowLength = windowLength ?? fftLength
        self.epsilon = epsilon
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case fftLength = "n_fft"
        case hopLength = "hop_length"
        case windowLength = "win_length"
        case epsilon
    }

    /// Strict decoding (unknown keys are errors), defaults for missing keys (win_length
    /// defaults to n_fft), then validation.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        fftLength = try c.value(.fftLength, default: fftLength)
        hopLength = try c.value(.hopLength, default: hopLength)
        windowLength = try c.value(.windowLength, default: fftLength)
        epsilon = try c.value(.epsilon, default: epsilon)
        try validate(path: dottedPath(decoder.codingPath))
    }

    public func validate(path: String) throws {
        try Require.that(fftLength >= 4 && fftLength <= 65536 && fftLength % 2 == 0, key(path, "n_fft"),
                         "must be even and in 4...65536 (got \(fftLength))")
        try Require.that(windowLength >= 2 && windowLength <= fftLength, key(path, "win_length"),
                         "must be in 2...n_fft = 2...\(fftLength) (got \(windowLength))")
        try Require.that(hopLength >= 1 && hopLength <= windowLength, key(path, "hop_length"),
                         "must be in 1...win_length = 1...\(windowLength) (got \(hopLength))")
        try Require.that(epsilon.isFinite && epsilon > 0, key(path, "epsilon"), "must be positive (got \(epsilon))")
    }
}
