import Configuration
import SignalProcessing

/// One STFT analysis setting of a spectral loss: FFT size, hop and window length in samples.
/// The window is the periodic Hann window of `win_length` samples centred in the n_fft frame;
/// frames are centred (reflect padding of n_fft/2 on both sides), like the features (DESIGN §2).
///
///     { n_fft: 1024, hop_length: 120, win_length: 600 }   # win_length defaults to n_fft
public struct STFTResolution: Codable, Sendable, Equatable, ValidatableConfig {
    /// FFT size, even. Key `n_fft`.
    public var fftLength: Int
    /// Hop between frames. Key `hop_length`.
    public var hopLength: Int
    /// Window length, 1...n_fft. Key `win_length`.
    public var windowLength: Int

    public init(fftLength: Int, hopLength: Int, windowLength: Int? = nil) {
        self.fftLength = fftLength
        self.hopLength = hopLength
        self.windowLength = windowLength ?? fftLength
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case fftLength = "n_fft"
        case hopLength = "hop_length"
        case windowLength = "win_length"
    }

    /// `n_fft` and `hop_length` are required; `win_length` defaults to `n_fft`. Unknown keys
    /// are errors; values are checked by `validate(path:)` (the owning config calls it).
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fftLength = try c.decode(Int.self, forKey: .fftLength)
        hopLength = try c.decode(Int.self, forKey: .hopLength)
        windowLength = try c.value(.windowLength, default: fftLength)
    }

    public func validate(path: String) throws {
        try Require.that(fftLength >= 4 && fftLength <= 65536 && fftLength % 2 == 0, key(path, "n_fft"),
                         "must be even and in 4...65536 (got \(fftLength))")
        try Require.that(windowLength >= 2 && windowLength <= fftLength, key(path, "win_length"),
                         "must be in 2...n_fft = 2...\(fftLength) (got \(windowLength))")
        try Require.that(hopLength >= 1 && hopLength <= windowLength, key(path, "hop_length"),
                         "must be in 1...win_length = 1...\(windowLength) (got \(hopLength)); a larger hop skips samples")
    }

    /// Shortest crop this resolution can frame: n_fft/2 + 1 samples (reflect padding).
    public var minimumSignalLength: Int { fftLength / 2 + 1 }

    /// The centred, Hann-windowed STFT of this resolution.
    public func makeSTFT() throws(STFTError) -> STFT {
        try STFT(fftLength: fftLength, hopLength: hopLength, windowLength: windowLength, center: true, window: .hann)
    }

    /// "n_fft/hop/win", for messages and logs.
    public var label: String { "\(fftLength)/\(hopLength)/\(windowLength)" }
}
