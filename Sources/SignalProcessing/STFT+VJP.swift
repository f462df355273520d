import CFFTW

extension STFT {
    /// Vector-Jacobian product of the magnitude (or power) spectrogram with respect to the
    /// signal: given dL/dS for S = |X| or |X|^2, shape [frames, n_fft/2 + 1], returns dL/dx
    /// (same length as `signal`). Used by spectral losses.
    ///
    /// Chain rule: dL/dX = g * X / |X| for magnitude (0 where |X| = 0, the subgradient), g * 2X for
    /// power. The adjoint of the r2c transform y -> X is G -> sum_k Re(G_k e^{+2 pi i k n / N}),
    /// k = 0 ... N/2: an unnormalised c2r of G with the bins 1 ... N/2-1 halved, because c2r
    /// counts each of them twice (once for its mirrored negative frequency). Then multiply by
    /// the window, overlap-add the frames, and fold the reflect padding back onto the signal.
    public func spectrogramVJP(of signal: [Float], outputGradient: Spectrogram,
                               power: SpectrumPower = .magnitude) throws(STFTError) -> [Float] {
        let spectrum = try complexSpectrogram(of: signal)
        return try spectrogramVJP(spectrum: spectrum, signalLength: signal.count,
                                  outputGradient: outputGradient, power: power)
    }

    /// The same, reusing the complex spectrum the forward pass already computed.
    public func spectrogramVJP(spectrum: ComplexSpectrogram, signalLength: Int, outputGradient: Spectrogram,
                               power: SpectrumPower = .magnitude) throws(STFTError) -> [Float] {
        let frames = frameCount(signalLength: signalLength)
        let bins = binCount
        guard spectrum.frameCount == frames, spectrum.binCount == bins else {
            throw .gradientShapeMismatch(expected: [frames, bins], got: [spectrum.frameCount, spectrum.binCount])
        }
        guard outputGradient.frameCount == frames, outputGradient.binCount == bins else {
            throw .gradientShapeMismatch(expected: [frames, bins], got: outputGradient.shape)
        }
        var paddedGradient = [Float](repeating: 0, count: signalLength + 2 * padding)
        let plans = FFTWPlans.forSize(fftLength)
        let buffers = FFTWBuffers(size: fftLength)
        let z = buffers.complexFloats
        for t in 0..<frames {
            for k in 0..<bins {
                let i = t * bins + k
                let re = spectrum.real[i], im = spectrum.imaginary[i], g = outputGradient.values[i]
                var scale: Float
                switch power {
                case .power:
                    scale = 2 * g
                case .magnitude:
                    let magnitude = (re * re + im * im).squareRoot()
                    scale = magnitude > 0 ? g / magnitude : 0
                }
                if k != 0 && k != bins - 1 { scale *= 0.5 }
                z[2 * k] = scale * re
                z[2 * k + 1] = scale * im
            }
            // c2r overwrites its input; z is refilled for every frame.
            fftwf_execute_dft_c2r(plans.inverse, buffers.complex, buffers.real)
            let start = t * hopLength
            for n in 0..<fftLength {
                paddedGradient[start + n] += window[n] * buffers.real[n]
            }
        }
        return center ? ReflectPadding.foldGradient(paddedGradient, by: padding, length: signalLength)
                      : paddedGradient
    }
}
