import Configuration

/// Settings of the multi-resolution STFT loss (YAML section `distill.losses.mr_stft`; see
/// `MultiResolutionSTFTLoss`).
///
///     mr_stft:
///       resolutions:                       # list of STFTs (samples); win_length <= n_fft
///         - { n_fft: 1024, hop_length: 120, win_length: 600 }
///         - { n_fft: 2048, hop_length: 240, win_length: 1200 }
///         - { n_fft: 512,  hop_length: 50,  win_length: 240 }
///       magnitude_floor: 1.0e-5            # |STFT| clamp, unnormalised FFT units
///       spectral_convergence_weight: 1.0
///       log_magnitude_weight: 1.0
///
/// The default resolutions are Parallel WaveGAN's (Yamamoto et al. 2020), kept unscaled at
/// 16 kHz: the windows span 15, 37.5 and 75 ms (10, 25 and 50 ms at 24 kHz), which still
/// bracket the 20-50 ms of usual speech analysis, and crops need at least 1025 samples.
/// Missing keys keep these defaults; unknown keys are errors.
public struct MultiResolutionSTFTConfig: Codable, Sendable, Equatable, ValidatableConfig {
    public static let defaultResolutions = [
        STFTResolution(fftLength: 1024, hopLength: 120, windowLength: 600),
        STFTResolution(fftLength: 2048, hopLength: 240, windowLength: 1200),
        STFTResolution(fftLength: 512, hopLength: 50, windowLength: 240),
    ]

    /// The STFTs whose losses are averaged. Key `resolutions`.
    public var resolutions: [STFTResolution] = MultiResolutionSTFTConfig.defaultResolutions
    /// Magnitudes are clamped below at this value (gradient 0 below it) before both terms.
    /// Units: the unnormalised STFT of samples in [-1, 1]. 1e-5 is ~20 dB under the magnitude of
    /// 16-bit quantisation noise in a bin; on the bundled speech it clamps only the 0.04-0.23% of
    /// bins in digital-silence stretches (docs/losses-and-metrics.md). Key `magnitude_floor`.
    public var magnitudeFloor: Double = 1e-5
    /// Weight of the spectral-convergence term. Key `spectral_convergence_weight`.
    public var spectralConvergenceWeight: Double = 1
    /// Weight of the log-magnitude term. Key `log_magnitude_weight`.
    public var logMagnitudeWeight: Double = 1

    public init(resolutions: [STFTResolution] = MultiResolutionSTFTConfig.defaultResolutions,
                magnitudeFloor: Double = 1e-5, spectralConvergenceWeight: Double = 1,
                logMagnitudeWeight: Double = 1) {
        self.resolutions = resolutions
        self.magnitudeFloor = magnitudeFloor
        self.spectralConvergenceWeight = spectralConvergenceWeight
        self.logMagnitudeWeight = logMagnitudeWeight
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case resolutions
        case magnitudeFloor = "magnitude_floor"
        case spectralConvergenceWeight = "spectral_convergence_weight"
        case logMagnitudeWeight = "log_magnitude_weight"
    }

    /// Strict decoding: unknown keys are errors, missing keys keep the defaults, and the result
    /// is validated (errors name the full key path, e.g. `distill.losses.mr_stft.resolutions.1.n_fft`).
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        resolutions = try c.value(.resolutions, default: resolutions)
        magnitudeFloor = try c.value(.magnitudeFloor, default: magnitudeFloor)
        spectralConvergenceWeight = try c.value(.spectralConvergenceWeight, default: spectralConvergenceWeight)
        logMagnitudeWeight = try c.value(.logMagnitudeWeight, default: logMagnitudeWeight)
        try validate(path: dottedPath(decoder.codingPath))
    }

    public func validate(path: String) throws {
        try Require.that(!resolutions.isEmpty && resolutions.count <= 16, key(path, "resolutions"),
                         "must list 1 to 16 resolutions (got \(resolutions.count))")
        for (i, resolution) in resolutions.enumerated() {
            try resolution.validate(path: key(path, "resolutions.\(i)"))
        }
        try Require.that(magnitudeFloor.isFinite && magnitudeFloor > 0, key(path, "magnitude_floor"),
                         "must be a positive number (got \(magnitudeFloor))")
        try Require.that(spectralConvergenceWeight.isFinite && spectralConvergenceWeight >= 0,
                         key(path, "spectral_convergence_weight"), "must be >= 0 (got \(spectralConvergenceWeight))")
        try Require.that(logMagnitudeWeight.isFinite && logMagnitudeWeight >= 0,
                         key(path, "log_magnitude_weight"), "must be >= 0 (got \(logMagnitudeWeight))")
        try Require.that(spectralConvergenceWeight + logMagnitudeWeight > 0, key(path, "log_magnitude_weight"),
                         "spectral_convergence_weight and log_magnitude_weight cannot both be 0")
    }

    /// The longest crop requirement over the resolutions: max n_fft/2 + 1 samples.
    public var minimumSignalLength: Int { resolutions.map(\.minimumSignalLength).max() ?? 1 }
}
