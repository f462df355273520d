import Foundation
import SignalProcessing
import Tensors

/// The multi-resolution STFT loss (Parallel WaveGAN; DESIGN §5), an optional auxiliary loss of
/// the student.
///
/// For resolution r of R, item b, with X = max(|STFT(student_b)|, floor) and
/// Y = max(|STFT(real_b)|, floor), both [F, K] (F frames, K = n_fft/2 + 1 bins):
///
///     SC_rb = || Y - X ||_F / || Y ||_F                         spectral convergence
///     LM_rb = (1/(F K)) sum_{t,k} | ln Y[t,k] - ln X[t,k] |     log-magnitude distance
///     SC    = (1/(R B)) sum_{r,b} SC_rb,   LM = (1/(R B)) sum_{r,b} LM_rb
///     L     = w_sc * SC + w_lm * LM
///
/// SC is taken per item, then averaged (every crop counts the same, whatever its loudness);
/// the floor keeps ln finite and ||Y||_F > 0 even for digitally silent crops.
///
/// Backward, per bin with |STFT(student)| > floor (0 at or below the floor, where X is constant):
///
///     dSC_rb/dX = (X - Y) / (||Y - X||_F ||Y||_F)     (0 when X = Y everywhere)
///     dLM_rb/dX = sign(X - Y) / (F K X)               (sign(0) = 0)
///
/// scaled by w / (R B) and pulled back through `STFT.spectrogramVJP`, then summed over resolutions.
public struct MultiResolutionSTFTLoss: SpectralLoss {
    public let config: MultiResolutionSTFTConfig
    let transforms: [STFT]

    public var name: String { "mr_stft" }

    /// Throws a `ConfigError` for an invalid config.
    public init(config: MultiResolutionSTFTConfig = MultiResolutionSTFTConfig()) throws {
        try config.validate(path: "")
        self.config = config
        transforms = try config.resolutions.map { try $0.makeSTFT() }
    }

    /// Per-resolution, per-item terms (unweighted, not averaged).
    struct Terms {
        var spectralConvergence: Double
        var logMagnitude: Double
        var gradient: [Float]?
    }

    public func evaluate(student: Tensor, real: Tensor) throws(SpectralLossError) -> SpectralLossResult {
        try run(student: student, real: real, withGradient: true, threads: Compute.threads)
    }

    public func value(student: Tensor, real: Tensor) throws(SpectralLossError) -> Double {
        try run(student: student, real: real, withGradient: false, threads: Compute.threads).value
    }

    /// Tasks are (item, resolution) pairs, so 4 items x 3 resolutions give 12 tasks to balance
    /// over the workers; the item gradients are then summed over resolutions in a fixed order.
    /// `threads` is a parameter so tests can compare thread counts.
    func run(student: Tensor, real: Tensor, withGradient: Bool, threads: Int) throws(SpectralLossError)
        -> SpectralLossResult {
        let batch = try WaveformBatch(student: student, real: real)
        for resolution in config.resolutions { try batch.requireLength(for: resolution) }
        let resolutionCount = transforms.count
        let scale = 1 / Double(resolutionCount * batch.batchSize)
        let outcomes = ParallelTasks.map(count: batch.batchSize * resolutionCount, threads: threads) { task in
            let b = task / resolutionCount, r = task % resolutionCount
            return Result { () throws(STFTError) in
                try terms(stft: transforms[r], student: batch.item(b, of: student), real: batch.item(b, of: real),
                          gradientScale: withGradient ? scale : nil)
            }
        }
        var spectralConvergence = 0.0, logMagnitude = 0.0
        var gradient = Tensor(shape: withGradient ? student.shape : [0])
        for (task, outcome) in outcomes.enumerated() {
            let terms = try SpectralLossError.unwrap(outcome)
            spectralConvergence += terms.spectralConvergence
            logMagnitude += terms.logMagnitude
            if let itemGradient = terms.gradient {
                let offset = (task / resolutionCount) * batch.length
                gradient.withMutablePointer { g in
                    for n in 0..<batch.length { g[offset + n] += itemGradient[n] }
                }
            }
        }
        spectralConvergence *= scale
        logMagnitude *= scale
        let value = config.spectralConvergenceWeight * spectralConvergence + config.logMagnitudeWeight * logMagnitude
        return SpectralLossResult(value: value, gradient: gradient, terms: [
            LossTerm(name: "spectral_convergence", value: spectralConvergence),
            LossTerm(name: "log_magnitude", value: logMagnitude),
        ])
    }

    /// SC_rb and LM_rb of one crop at one resolution and, when `gradientScale` is given,
    /// gradientScale * d(w_sc SC_rb + w_lm LM_rb)/d(student).
    func terms(stft: STFT, student: [Float], real: [Float], gradientScale: Double?) throws(STFTError) -> Terms {
        let spectrum = try stft.complexSpectrogram(of: student)
        let x = spectrum.spectrogram(.magnitude).values
        let y = try stft.spectrogram(of: real, power: .magnitude).values
        let floor = Float(config.magnitudeFloor)
        var differenceSquares = 0.0, realSquares = 0.0, logDistance = 0.0
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                for i in 0..<x.count {
                    let xm = max(x[i], floor), ym = max(y[i], floor)
                    let d = Double(ym - xm)
                    differenceSquares += d * d
                    realSquares += Double(ym) * Double(ym)
                    logDistance += Double(abs(log(ym / xm)))
                }
            }
        }
        let differenceNorm = differenceSquares.squareRoot(), realNorm = realSquares.squareRoot()
        let count = Double(x.count)
        var terms = Terms(spectralConvergence: differenceNorm / realNorm, logMagnitude: logDistance / count)
        guard let gradientScale else { return terms }

        let scWeight = differenceNorm > 0
            ? Float(gradientScale * config.spectralConvergenceWeight / (differenceNorm * realNorm)) : 0
        let lmWeight = Float(gradientScale * config.logMagnitudeWeight / count)
        var outputGradient = [Float](repeating: 0, count: x.count)
        for i in 0..<x.count where x[i] > floor {
            let ym = max(y[i], floor), xm = x[i]
            let sign: Float = xm > ym ? 1 : (xm < ym ? -1 : 0)
            outputGradient[i] = scWeight * (xm - ym) + lmWeight * sign / xm
        }
        terms.gradient = try stft.spectrogramVJP(
            spectrum: spectrum, signalLength: student.count,
            outputGradient: Spectrogram(frameCount: spectrum.frameCount, binCount: spectrum.binCount,
                                        values: outputGradient),
            power: .magnitude)
        return terms
    }
}
