import Foundation
import Randomness
import SignalProcessing
import Tensors

/// A waveform estimated by `GriffinLim`, with the spectral convergence of every iterate.
public struct GriffinLimResult: Sendable {
    /// The requested number of samples.
    public var samples: [Float]
    /// spectralConvergence[n] = || A - |STFT(x_n)| ||_F / || A ||_F for the signal x_n after n
    /// iterations, against the target magnitude A: [0] is the random-phase start, the last
    /// entry (n = iterations) is the returned signal.
    public var spectralConvergence: [Double]
}

/// The classical copy-synthesis baseline: waveform from log-mel features (DESIGN §2) by mel
/// inversion and Griffin-Lim phase retrieval.
///
/// 1. Undo the log: e = 10^f (`log: log10`) or e^f (`log: ln`). Floored values come back as
///    the floor.
/// 2. Mel -> linear: non-negative least squares by multiplicative updates (`MelInversion`), giving
///    |X|^p; the target magnitude is A = s (p = 1) or sqrt(s) (p = 2).
/// 3. Griffin-Lim on the feature STFT (centred, periodic Hann), with X_0 = A e^{i phi_0},
///    phi_0 uniform in [0, 2 pi) from Philox(seed):
///
///        x_n = ISTFT(P_A(c_{n-1})),   t_n = STFT(x_n),   c_n = t_n + alpha (t_n - t_{n-1})
///
///    where P_A(c) = A c / |c| keeps the phase and imposes the magnitude (phase 0 where c = 0),
///    c_0 = X_0, and alpha = `momentum` (0: Griffin & Lim 1984, whose inconsistency
///    || P_A(t) - t || never increases; 0.99: fast Griffin-Lim, Perraudin, Balazs & Søndergaard
///    2013; c_1 = t_1). ISTFT is `STFT.inverse` (weighted overlap-add). After `iterations`
///    updates the result is x_{iterations + 1} = ISTFT(P_A(c_iterations)), so 32 iterations
///    cost 33 inverse and 33 forward STFTs (the last forward one only measures convergence).
///
/// The iterates have F * hop - 1 samples (F feature frames), the longest length with exactly F
/// frames; the result is cut (or zero-padded) to the requested length.
public struct GriffinLim: Sendable {
    public let features: FeatureConfig
    public let config: GriffinLimConfig
    let stft: STFT
    let inversion: MelInversion

    /// Throws a `ConfigError` for an invalid feature or Griffin-Lim config.
    public init(features: FeatureConfig = FeatureConfig(), config: GriffinLimConfig = GriffinLimConfig()) throws {
        try features.validate()
        try config.validate(path: "")
        self.features = features
        self.config = config
        stft = try STFT(config: features)
        inversion = MelInversion(filterbank: try MelFilterbank(config: features))
    }

    /// A waveform of `sampleCount` samples for log-mel features [frames, n_mels].
    public func synthesize(logMel: Spectrogram, sampleCount: Int) throws(EvaluationError) -> GriffinLimResult {
        try reconstruct(magnitude: try linearMagnitude(logMel: logMel), sampleCount: sampleCount)
    }

    /// Steps 1-2: the target STFT magnitude A [frames, n_fft/2 + 1] of log-mel features.
    public func linearMagnitude(logMel: Spectrogram) throws(EvaluationError) -> Spectrogram {
        guard logMel.binCount == features.melBandCount else {
            throw .featureShapeMismatch(bands: logMel.binCount, expectedBands: features.melBandCount)
        }
        let frames = logMel.frameCount, bands = logMel.binCount, bins = stft.binCount
        var magnitude = [Float](repeating: 0, count: frames * bins)
        let inversion = self.inversion, iterations = config.melInversionIterations
        let logarithm = features.logarithm, squared = features.power == 2
        let input = logMel.values
        magnitude.withUnsafeMutableBufferPointer { buffer in
            let out = SendableMutablePointer(buffer.baseAddress!)
            Compute.parallelRanges(frames, minimumChunk: 8) { range in
                for t in range {
                    let energies = (0..<bands).map { m -> Double in
                        let f = Double(input[t * bands + m])
                        return logarithm == .log10 ? pow(10, f) : exp(f)
                    }
                    let s = inversion.invert(energies, iterations: iterations)
                    for k in 0..<bins { out.base[t * bins + k] = Float(squared ? s[k].squareRoot() : s[k]) }
                }
            }
        }
        return Spectrogram(frameCount: frames, binCount: bins, values: magnitude)
    }

    /// Step 3: a waveform whose STFT magnitude approximates `magnitude` [frames, n_fft/2 + 1].
    public func reconstruct(magnitude: Spectrogram, sampleCount: Int) throws(EvaluationError) -> GriffinLimResult {
        guard sampleCount >= 1 else { throw .invalidSampleCount(sampleCount) }
        guard magnitude.binCount == stft.binCount else {
            throw .stft(.invalidParameters("magnitude has \(magnitude.binCount) bins, n_fft/2 + 1 = \(stft.binCount)"))
        }
        let frames = magnitude.frameCount
        let length = frames * stft.hopLength - 1
        guard frames >= 1, length >= stft.minimumSignalLength else {
            throw .signalTooShort(length: max(length, 0), minimum: stft.minimumSignalLength, fftLength: stft.fftLength)
        }
        let target = magnitude.values
        let targetNorm = target.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()

        var rng = Philox(seed: config.seed)
        var c = ComplexSpectrogram(frameCount: frames, binCount: stft.binCount,
                                   real: [Float](repeating: 0, count: target.count),
                                   imaginary: [Float](repeating: 0, count: target.count))
        for i in target.indices {
            let phase = 2 * Double.pi * Double(rng.nextUniform())
            c.real[i] = target[i] * Float(cos(phase))
            c.imaginary[i] = target[i] * Float(sin(phase))
        }
        var history: [Double] = []
        var previous: ComplexSpectrogram?
        let alpha = Float(config.momentum)
        var x: [Float] = []
        for n in 0...config.iterations {
            x = try stftCall { () throws(STFTError) in try stft.inverse(Self.imposeMagnitude(target, on: c), length: length) }
            let t = try stftCall { () throws(STFTError) in try stft.complexSpectrogram(of: x) }
            history.append(Self.spectralConvergence(target: target, targetNorm: targetNorm, of: t))
            if n == config.iterations { break }
            c = t
            if let previous, alpha > 0 {
                for i in target.indices {
                    c.real[i] += alpha * (t.real[i] - previous.real[i])
                    c.imaginary[i] += alpha * (t.imaginary[i] - previous.imaginary[i])
                }
            }
            previous = t
        }
        var samples = [Float](repeating: 0, count: sampleCount)
        for i in 0..<min(sampleCount, x.count) { samples[i] = x[i] }
        return GriffinLimResult(samples: samples, spectralConvergence: history)
    }

    /// P_A(c) = A c / |c| (A where c = 0).
    static func imposeMagnitude(_ target: [Float], on c: ComplexSpectrogram) -> ComplexSpectrogram {
        var out = c
        for i in target.indices {
            let re = c.real[i], im = c.imaginary[i]
            let norm = (re * re + im * im).squareRoot()
            if norm > 0 {
                out.real[i] = target[i] * re / norm
                out.imaginary[i] = target[i] * im / norm
            } else {
                out.real[i] = target[i]
                out.imaginary[i] = 0
            }
        }
        return out
    }

    /// || A - |t| ||_F / || A ||_F.
    static func spectralConvergence(target: [Float], targetNorm: Double, of t: ComplexSpectrogram) -> Double {
        var sum = 0.0
        for i in target.indices {
            let m = Double((t.real[i] * t.real[i] + t.imaginary[i] * t.imaginary[i]).squareRoot())
            sum += (Double(target[i]) - m) * (Double(target[i]) - m)
        }
        return sum.squareRoot() / max(targetNorm, .leastNormalMagnitude)
    }
}
