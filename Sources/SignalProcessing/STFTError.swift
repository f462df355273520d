/// Errors of the short-time Fourier transform and its gradient.
public enum STFTError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Transform parameters that make no sense (e.g. an odd n_fft or a zero hop).
    case invalidParameters(String)
    /// The signal cannot be framed: with center=true reflect padding of n_fft/2 needs more than
    /// n_fft/2 samples; without centring one frame needs n_fft samples.
    case signalTooShort(length: Int, minimum: Int, fftLength: Int, center: Bool)
    /// An output gradient whose shape is not the spectrogram's.
    case gradientShapeMismatch(expected: [Int], got: [Int])
    /// Finite samples so large that their power overflows float32 (|x| near 1e19 and above).
    case nonFiniteFeatures(count: Int)

    public var description: String {
        switch self {
        case let .invalidParameters(message):
            return "invalid STFT parameters: \(message)"
        case let .signalTooShort(length, minimum, fftLength, center):
            let why = center ? "reflect padding by n_fft/2 = \(fftLength / 2)" : "one frame of n_fft = \(fftLength)"
            return "signal of \(length) samples is too short for the STFT: \(why) needs at least \(minimum) samples"
        case let .gradientShapeMismatch(expected, got):
            return "STFT gradient has shape \(got), expected \(expected)"
        case let .nonFiniteFeatures(count):
            return "\(count) feature values are NaN or infinite (the samples are far outside [-1, 1] and their power overflows)"
        }
    }
}
