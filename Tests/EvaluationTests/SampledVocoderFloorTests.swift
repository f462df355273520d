import Evaluation
import Foundation
import Randomness
import SignalProcessing
import Testing

/// What LSD can and cannot say about a vocoder that samples (docs/losses-and-metrics.md,
/// "LSD of a sampling vocoder").
///
/// For a stationary Gaussian process every STFT bin's power is an exponential variable around
/// the process's spectrum. A perfect sampler's output is an independent draw: its power in a
/// bin is another exponential, and the log of the ratio of two independent Exp(1) variables
/// has the standard logistic distribution (variance pi^2 / 3). So a sampler that matches the
/// distribution exactly has an expected per-bin LSD of (10 / ln 10) pi / sqrt(3) = 7.88 dB,
/// while Griffin-Lim from the reference's own mel gets a smooth magnitude close to that
/// realisation's. On noise-like signals the metric thus prefers Griffin-Lim to any exact sampler.
@Suite struct SampledVocoderFloorTests {
    /// A resonant Gaussian AR(2) process, x[t] = 1.3 x[t-1] - 0.9 x[t-2] + 0.01 e[t].
    static func process(count: Int, seed: UInt64) -> [Float] {
        var rng = Philox(seed: seed)
        var x = [Float](repeating: 0, count: count + 1000)
        for t in 2..<x.count { x[t] = 1.3 * x[t - 1] - 0.9 * x[t - 2] + 0.01 * rng.nextNormal() }
        return Array(x.suffix(count))  // without the start-up transient
    }

    @Test func anExactSamplerScoresWorseThanGriffinLimOnNoise() throws {
        let features = FeatureConfig()
        let reference = Self.process(count: 32000, seed: 1)
        let independentDraw = Self.process(count: 32000, seed: 2)
        let samplerLSD = try logSpectralDistance(reference: reference, synthesized: independentDraw)
        let logMel = try LogMelExtractor(config: features).features(of: reference)
        let gl = try GriffinLim(features: features, config: GriffinLimConfig(iterations: 32))
        let glLSD = try logSpectralDistance(reference: reference,
                                            synthesized: try gl.synthesize(logMel: logMel, sampleCount: reference.count).samples)
        let theory = 10 / log(10.0) * Double.pi / 3.0.squareRoot()
        print("exact sampler LSD \(samplerLSD) dB (theory \(theory)), Griffin-Lim from the mel \(glLSD) dB")
        #expect(abs(samplerLSD - theory) < 0.3, "independent draw: \(samplerLSD) dB, theory \(theory) dB")
        #expect(glLSD < samplerLSD - 1, "Griffin-Lim \(glLSD) dB against the exact sampler's \(samplerLSD) dB")
    }
}
