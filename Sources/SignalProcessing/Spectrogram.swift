/// A real time-frequency matrix, row-major [frames, bins]: STFT magnitudes or powers
/// (bins = n_fft/2 + 1), or mel/log-mel features (bins = mel bands).
public struct Spectrogram: Sendable, Equatable {
    public var frameCount: Int
    public var binCount: Int
    /// `values[frame * binCount + bin]`.
    public var values: [Float]

    public init(frameCount: Int, binCount: Int, values: [Float]) {
        precondition(values.count == frameCount * binCount, "Spectrogram: \(values.count) values for \(frameCount) x \(binCount)")
        self.frameCount = frameCount
        self.binCount = binCount
        self.values = values
    }

    public subscript(frame: Int, bin: Int) -> Float { values[frame * binCount + bin] }

    /// The shape as [frames, bins], e.g. for writing `.npy`.
    public var shape: [Int] { [frameCount, binCount] }
}

/// Complex STFT output, row-major [frames, n_fft/2 + 1], real and imaginary parts apart.
/// Bin k of frame t is sum_n w[n] x_pad[t*hop + n] e^{-2 pi i k n / n_fft} (no normalisation).
public struct ComplexSpectrogram: Sendable, Equatable {
    public var frameCount: Int
    public var binCount: Int
    public var real: [Float]
    public var imaginary: [Float]

    public init(frameCount: Int, binCount: Int, real: [Float], imaginary: [Float]) {
        precondition(real.count == frameCount * binCount && imaginary.count == real.count,
                     "ComplexSpectrogram: parts do not match \(frameCount) x \(binCount)")
        self.frameCount = frameCount
        self.binCount = binCount
        self.real = real
        self.imaginary = imaginary
    }

    /// |X| (magnitude) or |X|^2 (power) of every bin.
    public func spectrogram(_ power: SpectrumPower = .magnitude) -> Spectrogram {
        var values = [Float](repeating: 0, count: real.count)
        for i in values.indices {
            let p = real[i] * real[i] + imaginary[i] * imaginary[i]
            values[i] = power == .power ? p : p.squareRoot()
        }
        return Spectrogram(frameCount: frameCount, binCount: binCount, values: values)
    }
}

/// Which function of the complex STFT a spectrogram holds.
public enum SpectrumPower: Sendable {
    /// |X|
    case magnitude
    /// |X|^2
    case power
}
