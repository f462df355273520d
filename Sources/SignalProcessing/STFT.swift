import CFFTW

/// Short-time Fourier transform through FFTW's real-to-complex FFT.
///
/// Frame t covers samples [t*hop, t*hop + n_fft) of the signal (of the padded signal when
/// `center`), multiplied by `window`, and is transformed without normalisation:
/// X[t, k] = sum_n window[n] x[t*hop + n] e^{-2 pi i k n / n_fft}, k = 0 ... n_fft/2.
/// Frames: with center=true (reflect padding of n_fft/2 on both sides) 1 + floor(T / hop);
/// without, 1 + floor((T - n_fft) / hop).
public struct STFT: Sendable {
    public let fftLength: Int
    public let hopLength: Int
    public let windowLength: Int
    public let center: Bool
    /// The analysis window over a whole frame (n_fft values): the periodic window of
    /// `windowLength` samples centred, zeros outside.
    public let window: [Float]

    /// The largest n_fft accepted: far beyond any audio use, small enough that a typo in a
    /// config cannot ask for a gigabyte-sized filterbank or FFT plan.
    public static let maximumFFTLength = 1 << 16

    /// Frequency bins per frame: n_fft/2 + 1 (DC to Nyquist).
    public var binCount: Int { fftLength / 2 + 1 }

    /// `windowLength` defaults to `fftLength`. n_fft must be even.
    public init(fftLength: Int, hopLength: Int, windowLength: Int? = nil, center: Bool = true,
                window: WindowFunction = .hann) throws(STFTError) {
        let windowLength = windowLength ?? fftLength
        guard fftLength >= 2, fftLength % 2 == 0, fftLength <= Self.maximumFFTLength else {
            throw .invalidParameters("n_fft must be even and in 2...\(Self.maximumFFTLength) (got \(fftLength))")
        }
        guard hopLength > 0 else { throw .invalidParameters("hop_length must be positive (got \(hopLength))") }
        guard windowLength >= 1, windowLength <= fftLength else {
            throw .invalidParameters("win_length must be in 1...n_fft = 1...\(fftLength) (got \(windowLength))")
        }
        self.fftLength = fftLength
        self.hopLength = hopLength
        self.windowLength = windowLength
        self.center = center
        self.window = window.values(windowLength: windowLength, fftLength: fftLength)
    }

    /// The STFT of a feature config (validated first).
    public init(config: FeatureConfig) throws {
        try config.validate()
        try self.init(fftLength: config.fftLength, hopLength: config.hopLength,
                      windowLength: config.windowLength, center: config.center, window: config.window)
    }

    /// Samples of reflect padding on each side (n_fft/2 when centred).
    public var padding: Int { center ? fftLength / 2 : 0 }

    /// The shortest signal this STFT accepts.
    public var minimumSignalLength: Int { center ? padding + 1 : fftLength }

    /// Number of frames for a signal of `signalLength` samples (0 if it is too short).
    public func frameCount(signalLength: Int) -> Int {
        guard signalLength >= minimumSignalLength else { return 0 }
        return 1 + (signalLength + 2 * padding - fftLength) / hopLength
    }

    /// The complex spectra of all frames.
    public func complexSpectrogram(of signal: [Float]) throws(STFTError) -> ComplexSpectrogram {
        let padded = try paddedSignal(signal)
        let frames = frameCount(signalLength: signal.count)
        let bins = binCount
        var real = [Float](repeating: 0, count: frames * bins)
        var imaginary = [Float](repeating: 0, count: frames * bins)
        let plans = FFTWPlans.forSize(fftLength)
        let buffers = FFTWBuffers(size: fftLength)
        let spectrum = buffers.complexFloats
        padded.withUnsafeBufferPointer { x in
            for t in 0..<frames {
                let start = t * hopLength
                for n in 0..<fftLength { buffers.real[n] = window[n] * x[start + n] }
                fftwf_execute_dft_r2c(plans.forward, buffers.real, buffers.complex)
                for k in 0..<bins {
                    real[t * bins + k] = spectrum[2 * k]
                    imaginary[t * bins + k] = spectrum[2 * k + 1]
                }
            }
        }
        return ComplexSpectrogram(frameCount: frames, binCount: bins, real: real, imaginary: imaginary)
    }

    /// |X| or |X|^2 of all frames, [frames, n_fft/2 + 1].
    public func spectrogram(of signal: [Float], power: SpectrumPower = .magnitude) throws(STFTError) -> Spectrogram {
        try complexSpectrogram(of: signal).spectrogram(power)
    }

    /// The signal with the centre padding applied, after checking it is long enough.
    func paddedSignal(_ signal: [Float]) throws(STFTError) -> [Float] {
        guard signal.count >= minimumSignalLength else {
            throw .signalTooShort(length: signal.count, minimum: minimumSignalLength,
                                  fftLength: fftLength, center: center)
        }
        return center ? ReflectPadding.pad(signal, by: padding) : signal
    }
}
