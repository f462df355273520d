import Tensors

/// A batch of mono waveforms seen as B rows of T contiguous samples. Accepts `[B, T]` and
/// channels-last `[B, T, 1]` (DESIGN §7); the row-major layout is the same for both.
struct WaveformBatch {
    let batchSize: Int
    let length: Int

    /// Checks that `student` and `real` are waveform batches of one shape.
    init(student: Tensor, real: Tensor) throws(SpectralLossError) {
        let (b, t) = try Self.dimensions(student, role: "student")
        _ = try Self.dimensions(real, role: "real")
        guard student.shape == real.shape else {
            throw .shapeMismatch(student: student.shape, real: real.shape)
        }
        batchSize = b
        length = t
    }

    private static func dimensions(_ tensor: Tensor, role: String) throws(SpectralLossError) -> (Int, Int) {
        let shape = tensor.shape
        let valid = (shape.count == 2 || (shape.count == 3 && shape[2] == 1)) && shape[0] >= 1 && shape[1] >= 1
        guard valid else { throw .unsupportedShape(role: role, shape: shape) }
        return (shape[0], shape[1])
    }

    /// Item `b` as an array of T samples.
    func item(_ b: Int, of tensor: Tensor) -> [Float] {
        Array(tensor.scalars[(b * length)..<((b + 1) * length)])
    }

    /// Throws unless every crop is long enough for `resolution`.
    func requireLength(for resolution: STFTResolution) throws(SpectralLossError) {
        guard length >= resolution.minimumSignalLength else {
            throw .cropTooShort(length: length, minimum: resolution.minimumSignalLength,
                                fftLength: resolution.fftLength)
        }
    }
}
