import SignalProcessing

/// Why a metric or the Griffin-Lim baseline could not be computed.
public enum EvaluationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The common length of the two signals (or the requested output) cannot be framed.
    case signalTooShort(length: Int, minimum: Int, fftLength: Int)
    /// Log-mel features whose band count is not the feature config's.
    case featureShapeMismatch(bands: Int, expectedBands: Int)
    /// A non-positive requested output length.
    case invalidSampleCount(Int)
    /// An STFT error (should not happen after the checks above).
    case stft(STFTError)

    public var description: String {
        switch self {
        case let .signalTooShort(length, minimum, fftLength):
            return "evaluation: \(length) samples are too short for n_fft = \(fftLength) "
                + "(centred framing needs at least \(minimum))"
        case let .featureShapeMismatch(bands, expected):
            return "evaluation: log-mel features have \(bands) bands, the feature config has n_mels = \(expected)"
        case let .invalidSampleCount(count):
            return "evaluation: the output length must be at least 1 sample (got \(count))"
        case let .stft(error):
            return "evaluation: \(error)"
        }
    }
}

/// Runs an STFT call, turning its error into an `EvaluationError`.
@inline(__always)
func stftCall<Value>(_ body: () throws(STFTError) -> Value) throws(EvaluationError) -> Value {
    do { return try body() } catch { throw .stft(error) }
}
