import CFFTW

extension STFT {
    /// Inverse STFT by weighted overlap-add: the least-squares signal estimate of Griffin & Lim
    /// (1984) from a (possibly inconsistent) complex spectrogram, [frames, n_fft/2 + 1].
    ///
    /// Each frame is inverted with a normalised real FFT, y_t[n] = (1/N) sum_k X[t, k] e^{2 pi i k n / N}
    /// (Hermitian extension; the imaginary parts of the DC and Nyquist bins are ignored), and
    ///
    ///     x_pad[n] = sum_t w[n - t*hop] y_t[n - t*hop] / sum_t w[n - t*hop]^2
    ///
    /// wherever the window-square sum in the denominator is above the smallest normal float
    /// (elsewhere x_pad = 0: no frame saw that sample). The padded signal has
    /// (frames - 1) * hop + n_fft samples; with `center` the first n_fft/2 are the reflect padding
    /// and are dropped. Returns `length` samples from there on, zeros past the frames' reach.
    ///
    /// For a consistent spectrogram (X = STFT(x)) this returns x up to float rounding: every
    /// sample of the unpadded signal is covered by a nonzero window value when hop <= win/2.
    /// Executing FFTW plans is thread-safe; this may be called from several threads at once.
    public func inverse(_ spectrum: ComplexSpectrogram, length: Int) throws(STFTError) -> [Float] {
        guard spectrum.binCount == binCount else {
            throw .invalidParameters(
                "inverse STFT of a spectrogram with \(spectrum.binCount) bins, expected n_fft/2 + 1 = \(binCount)")
        }
        guard length >= 0 else { throw .invalidParameters("inverse STFT length must be >= 0 (got \(length))") }
        let frames = spectrum.frameCount
        let bins = binCount
        let paddedLength = frames > 0 ? (frames - 1) * hopLength + fftLength : 0
        var signal = [Float](repeating: 0, count: paddedLength)
        var windowSquareSum = [Float](repeating: 0, count: paddedLength)
        if frames > 0 {
            let plans = FFTWPlans.forSize(fftLength)
            let buffers = FFTWBuffers(size: fftLength)
            let z = buffers.complexFloats
            let scale = 1 / Float(fftLength)
            for t in 0..<frames {
                for k in 0..<bins {
                    z[2 * k] = spectrum.real[t * bins + k]
                    z[2 * k + 1] = spectrum.imaginary[t * bins + k]
                }
                // c2r overwrites its input; z is refilled for every frame.
                fftwf_execute_dft_c2r(plans.inverse, buffers.complex, buffers.real)
                let start = t * hopLength
                for n in 0..<fftLength {
                    let w = window[n]
                    signal[start + n] += w * scale * buffers.real[n]
                    windowSquareSum[start + n] += w * w
                }
            }
            for n in 0..<paddedLength where windowSquareSum[n] > Float.leastNormalMagnitude {
                signal[n] /= windowSquareSum[n]
            }
        }
        var output = [Float](repeating: 0, count: length)
        let available = max(0, min(length, paddedLength - padding))
        for n in 0..<available { output[n] = signal[padding + n] }
        return output
    }
}
