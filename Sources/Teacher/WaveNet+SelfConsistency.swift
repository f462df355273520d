import Foundation
import Randomness
import Tensors

/// Is the teacher's sampler what it scores? Given a waveform x the teacher sampled under a mel,
/// teacher-force x through the same model: each x_t was drawn from p(. | x_<t, c), so
///
///     E[-log p(x_t | x_<t, c)] = H(p(. | x_<t, c))        the entropy along the same trajectory
///
/// and the mean NLL of the samples equals the mean entropy within Monte Carlo error. The
/// entropy is estimated with `draws` fresh samples per step from the same θ_t. A sampler that
/// draws from a different distribution than the one scored (a shifted input, a misaligned
/// conditioning frame, a wrong predictor) makes the NLL exceed the entropy: cross-entropy >= entropy.
/// Comparing the cached and naive samplers cannot catch an error they share; this can.
public struct SelfConsistency: Sendable, Codable {
    /// Mean -log2 p(x_t | x_<t, c) of the sampled waveform, bits per sample.
    public var samplesNLLBitsPerSample: Double
    /// Mean entropy of the predictive distributions along the same trajectory, bits per sample.
    public var entropyBitsPerSample: Double
    /// NLL minus entropy, and the standard error of that difference (per-step terms treated as
    /// independent).
    public var differenceBits: Double
    public var standardErrorBits: Double

    public init(samplesNLLBitsPerSample: Double, entropyBitsPerSample: Double, differenceBits: Double, standardErrorBits: Double) {
        self.samplesNLLBitsPerSample = samplesNLLBitsPerSample
        self.entropyBitsPerSample = entropyBitsPerSample
        self.differenceBits = differenceBits
        self.standardErrorBits = standardErrorBits
    }

    enum CodingKeys: String, CodingKey {
        case samplesNLLBitsPerSample = "samples_nll_bits_per_sample"
        case entropyBitsPerSample = "entropy_bits_per_sample"
        case differenceBits = "difference_bits"
        case standardErrorBits = "standard_error_bits"
    }

    /// Whether the difference is within `sigmas` standard errors of zero. Samples drawn too
    /// wide score above the entropy, too narrow (a lower temperature) below it.
    public func consistent(sigmas: Double = 4) -> Bool { abs(differenceBits) <= sigmas * standardErrorBits }
}

extension WaveNet {
    /// The self-consistency check on a sampled waveform x `[1, T, 1]` under its mel `[1, F, Cmel]`.
    public func selfConsistency(sampled x: Tensor, mel: Tensor, draws: Int = 8, rng: inout Philox) -> SelfConsistency {
        precondition(draws >= 1, "selfConsistency: draws must be >= 1")
        let (params, _) = forward(audio: x, mel: mel)
        let rows = x.count, p = parameterCount
        let logp = distribution.logLikelihood(x: x.scalars, params: params.scalars)
        var fresh = [Float](repeating: 0, count: rows)
        var entropy = [Double](repeating: 0, count: rows)
        for _ in 0..<draws {
            params.withUnsafeBufferPointer { ps in
                for r in 0..<rows {
                    fresh[r] = distribution.sample(params: UnsafeBufferPointer(rebasing: ps[(r * p)..<((r + 1) * p)]),
                                                   rng: &rng, temperature: 1)
                }
            }
            let lp = distribution.logLikelihood(x: fresh, params: params.scalars)
            for r in 0..<rows { entropy[r] -= Double(lp[r]) / Double(draws) }
        }
        // Per step: d_t = -log p(x_t) - H_t estimate; mean and its standard error.
        let d = (0..<rows).map { -Double(logp[$0]) - entropy[$0] }
        let n = Double(rows)
        let mean = d.reduce(0, +) / n
        let variance = d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(1, n - 1)
        let nll = -logp.reduce(0.0) { $0 + Double($1) } / n
        return SelfConsistency(samplesNLLBitsPerSample: nll / log(2), entropyBitsPerSample: entropy.reduce(0, +) / n / log(2),
                               differenceBits: mean / log(2), standardErrorBits: (variance / n).squareRoot() / log(2))
    }
}
