/// The definition of the log-mel features (DESIGN §2). The same value is used to prepare data,
/// to condition the models and to check a checkpoint against new data, so it is stored in every
/// checkpoint as `canonicalJSON`.
///
/// Keys are snake_case (`n_fft`, `hop_length`, ...). Decoding rejects unknown keys, fills
/// missing ones with the defaults below, and validates the result.
public struct FeatureConfig: Sendable, Equatable {
    /// Sample rate the audio is resampled to before analysis, in Hz. Key `sample_rate`.
    public var sampleRate: Int = 16000
    /// FFT size in samples (even). Key `n_fft`.
    public var fftLength: Int = 1024
    /// Window length in samples, <= n_fft; shorter windows are centred and zero-padded. Key `win_length`.
    public var windowLength: Int = 1024
    /// Hop between frames in samples. Key `hop_length`.
    public var hopLength: Int = 256
    /// Analysis window (always the periodic variant). Key `window`.
    public var window: WindowFunction = .hann
    /// Pad n_fft/2 samples on both sides by reflection so frame t is centred on sample t*hop. Key `center`.
    public var center: Bool = true
    /// 1 = magnitude |X|, 2 = power |X|^2. Key `power`.
    public var power: Int = 1
    /// Number of mel bands. Key `n_mels`.
    public var melBandCount: Int = 80
    /// Lowest mel filter edge in Hz. Key `fmin`.
    public var minFrequency: Double = 40
    /// Highest mel filter edge in Hz, <= sample_rate / 2. Key `fmax`.
    public var maxFrequency: Double = 8000
    /// Hz-to-mel mapping. Key `mel_scale`.
    public var melScale: MelScale = .slaney
    /// Filter normalisation. Key `mel_norm`.
    public var melNormalization: MelNormalization = .slaney
    /// Mel energies are clamped below at this value before the logarithm. Key `log_floor`.
    public var logFloor: Double = 1e-5
    /// Logarithm applied to the clamped mel energies. Key `log`.
    public var logarithm: LogarithmBase = .log10

    /// The DESIGN §2 defaults.
    public init() {}

    /// The STFT magnitude exponent as an enum, for the STFT API.
    public var spectrumPower: SpectrumPower { power == 2 ? .power : .magnitude }
}

/// Analysis windows. Only the periodic Hann window is used in this project.
public enum WindowFunction: String, Sendable, CaseIterable, Codable {
    case hann
}

/// How Hz map to mels.
public enum MelScale: String, Sendable, CaseIterable, Codable {
    /// Slaney's Auditory Toolbox: linear below 1 kHz (200/3 Hz per mel), logarithmic above
    /// (librosa's default, `htk=False`).
    case slaney
    /// HTK: mel = 2595 log10(1 + f / 700).
    case htk
}

/// How each mel filter is scaled.
public enum MelNormalization: String, Sendable, CaseIterable, Codable {
    /// Divide each triangle by half its width in Hz (weights * 2 / (f_right - f_left)), so every
    /// band has the same area and white noise gives a flat mel spectrum.
    case slaney
    /// Peak weight 1.
    case none
}

/// The logarithm of the log-mel features.
public enum LogarithmBase: String, Sendable, CaseIterable, Codable {
    case log10
    /// Natural logarithm.
    case ln
}
