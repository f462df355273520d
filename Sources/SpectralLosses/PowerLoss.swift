import Configuration
import SignalProcessing
import Tensors

/// The power loss of Parallel WaveNet (DESIGN §5): match the student's average spectrum to the
/// real audio's, so the student does not "whisper".
///
/// For one crop x of T samples, S[t, k] = |STFT(x)[t, k]|^p (p = `power`, 1 or 2), F frames
/// (1 + floor(T / hop), centred), K = n_fft/2 + 1 bins:
///
///     phi(x)_k = (1/F) sum_t S[t, k]                          average spectrum, [K]
///     L_b      = (1/K) sum_k (phi(student_b)_k - phi(real_b)_k)^2
///     L        = (1/B) sum_b L_b
///
/// Backward: dL/dS_student[t, k] = 2 (phi_s - phi_r)_k / (B K F), pulled back to the waveform
/// through `STFT.spectrogramVJP` (|X| has the subgradient 0 at X = 0).
/// Units: the unnormalised STFT of samples in [-1, 1]; a full-scale sine in a Hann window of
/// length W peaks at W/4 in its bin, so L grows as W^(2p).
public struct PowerLoss: SpectralLoss {
    public let config: PowerLossConfig
    let stft: STFT

    public var name: String { "power" }

    /// Throws a `ConfigError` for an invalid config.
    public init(config: PowerLossConfig = PowerLossConfig()) throws {
        try config.validate(path: "")
        self.config = config
        stft = try config.resolution.makeSTFT()
    }

    private var spectrumPower: SpectrumPower { config.power == 2 ? .power : .magnitude }

    public func evaluate(student: Tensor, real: Tensor) throws(SpectralLossError) -> SpectralLossResult {
        try run(student: student, real: real, withGradient: true, threads: Compute.threads)
    }

    public func value(student: Tensor, real: Tensor) throws(SpectralLossError) -> Double {
        try run(student: student, real: real, withGradient: false, threads: Compute.threads).value
    }

    /// One task per batch item; `threads` is a parameter so tests can compare thread counts.
    func run(student: Tensor, real: Tensor, withGradient: Bool, threads: Int) throws(SpectralLossError)
        -> SpectralLossResult {
        let batch = try WaveformBatch(student: student, real: real)
        try batch.requireLength(for: config.resolution)
        let gradientScale = 1 / Double(batch.batchSize)
        let outcomes = ParallelTasks.map(count: batch.batchSize, threads: threads) { b in
            Result { () throws(STFTError) in
                try item(student: batch.item(b, of: student), real: batch.item(b, of: real),
                         gradientScale: withGradient ? gradientScale : nil)
            }
        }
        var value = 0.0
        var gradient = Tensor(shape: withGradient ? student.shape : [0])
        for (b, outcome) in outcomes.enumerated() {
            let (itemValue, itemGradient) = try SpectralLossError.unwrap(outcome)
            value += itemValue
            if let itemGradient {
                gradient.scalars.replaceSubrange((b * batch.length)..<((b + 1) * batch.length), with: itemGradient)
            }
        }
        return SpectralLossResult(value: value * gradientScale, gradient: gradient)
    }

    /// The average spectrum phi(x)_k = (1/F) sum_t |STFT(x)[t, k]|^p of one crop, in Double.
    public func averageSpectrum(of samples: [Float]) throws(STFTError) -> [Double] {
        Self.averageSpectrum(try stft.spectrogram(of: samples, power: spectrumPower))
    }

    /// L_b of one crop and, when `gradientScale` is given, gradientScale * dL_b/d(student).
    func item(student: [Float], real: [Float], gradientScale: Double?) throws(STFTError)
        -> (value: Double, gradient: [Float]?) {
        let spectrum = try stft.complexSpectrogram(of: student)
        let studentSpectrogram = spectrum.spectrogram(spectrumPower)
        let phiStudent = Self.averageSpectrum(studentSpectrogram)
        let phiReal = try averageSpectrum(of: real)
        let bins = stft.binCount, frames = spectrum.frameCount
        var value = 0.0
        for k in 0..<bins {
            let d = phiStudent[k] - phiReal[k]
            value += d * d
        }
        value /= Double(bins)
        guard let gradientScale else { return (value, nil) }

        // dL_b/dS[t, k] = 2 (phi_s - phi_r)_k / (K F), the same for every frame t.
        let perBin = (0..<bins).map { k in
            Float(gradientScale * 2 * (phiStudent[k] - phiReal[k]) / Double(bins * frames))
        }
        var outputGradient = [Float](repeating: 0, count: frames * bins)
        for t in 0..<frames {
            outputGradient.replaceSubrange((t * bins)..<((t + 1) * bins), with: perBin)
        }
        let gradient = try stft.spectrogramVJP(
            spectrum: spectrum, signalLength: student.count,
            outputGradient: Spectrogram(frameCount: frames, binCount: bins, values: outputGradient),
            power: spectrumPower)
        return (value, gradient)
    }

    static func averageSpectrum(_ spectrogram: Spectrogram) -> [Double] {
        var phi = [Double](repeating: 0, count: spectrogram.binCount)
        spectrogram.values.withUnsafeBufferPointer { s in
            for t in 0..<spectrogram.frameCount {
                let row = t * spectrogram.binCount
                for k in 0..<spectrogram.binCount { phi[k] += Double(s[row + k]) }
            }
        }
        let scale = 1 / Double(max(spectrogram.frameCount, 1))
        return phi.map { $0 * scale }
    }
}
