import SignalProcessing

/// Why a spectral loss could not be evaluated on a batch.
public enum SpectralLossError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A waveform tensor that is not `[B, T]` or `[B, T, 1]` (`role` is "student" or "real").
    case unsupportedShape(role: String, shape: [Int])
    /// Student and real batches of different shapes: the loss compares the same crops.
    case shapeMismatch(student: [Int], real: [Int])
    /// Crops too short for a resolution: centred framing reflects n_fft/2 samples, which needs
    /// more than n_fft/2 samples.
    case cropTooShort(length: Int, minimum: Int, fftLength: Int)
    /// The STFT rejected its input (should not happen after the checks above).
    case stft(STFTError)

    public var description: String {
        switch self {
        case let .unsupportedShape(role, shape):
            return "spectral loss: the \(role) waveform has shape \(shape); expected [B, T] or [B, T, 1] with B, T >= 1"
        case let .shapeMismatch(student, real):
            return "spectral loss: student shape \(student) differs from real shape \(real) (the loss compares the same crops)"
        case let .cropTooShort(length, minimum, fftLength):
            return "spectral loss: crops of \(length) samples are too short for n_fft = \(fftLength) "
                + "(centred framing needs at least \(minimum) samples): use longer crops or a smaller n_fft"
        case let .stft(error):
            return "spectral loss: \(error)"
        }
    }
}

extension SpectralLossError {
    /// The value of a per-item task, or its STFT error as a `SpectralLossError`.
    static func unwrap<Value>(_ outcome: Result<Value, STFTError>) throws(SpectralLossError) -> Value {
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw .stft(error)
        }
    }
}
