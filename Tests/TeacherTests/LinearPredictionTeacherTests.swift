import Foundation
import GradientCheck
import LinearPrediction
import Randomness
import SignalProcessing
import Tensors
import Testing
@testable import Teacher

/// A tiny teacher whose outputs are relative to a mel-LPC predictor (3 mel bands of a 32-point
/// FFT, hop 4, order 4 with pre-emphasis: 5 taps, so x^ reaches further back than one layer).
func lpcTeacher(head: OutputHeadConfig.Kind = .mol, seed: UInt64 = 1) throws -> WaveNet {
    var config = WaveNetConfig.preset(.tiny)
    config.head.kind = head
    config.upsampler = .init(kind: .transposed, strides: [2, 2])
    config.linearPrediction = LinearPredictionConfig(order: 4, preemphasis: 0.85)
    return try WaveNet(config: config, conditionChannels: 3, hop: 4, seed: seed, features: tinyFeatures)
}


private func randomCase(batch: Int, length: Int, seed: UInt64 = 2) -> (x: Tensor, mel: Tensor) {
    var rng = Philox(seed: seed)
    let x = Tensor(shape: [batch, length, 1], scalars: rng.uniforms(batch * length, low: -0.5, high: 0.5))
    let frames = length / 4 + 1
    // log10 magnitudes around 10^-1: an ordinary level.
    let mel = Tensor(shape: [batch, frames, 3], scalars: rng.normals(batch * frames * 3, scale: 0.3).map { $0 - 1 })
    return (x, mel)
}


@Suite struct LinearPredictionTeacherTests {
    /// θ_t must not see x_t; with the predictor it sees x_{t-1} ... x_{t-max(R-1, taps)}.
    @Test func staysCausal() throws {
        let net = try lpcTeacher()
        let (x, mel) = randomCase(batch: 1, length: 40)
        let t0 = 12
        var y = x
        y.scalars[t0] += 0.3
        let a = net.forward(audio: x, mel: mel).params, b = net.forward(audio: y, mel: mel).params
        let p = net.parameterCount
        let reach = max(net.config.receptiveField - 1, 5)
        for t in 0..<40 {
            let changed = (0..<p).contains { a.scalars[t * p + $0] != b.scalars[t * p + $0] }
            #expect(changed == (t > t0 && t <= t0 + reach), "t = \(t)")
        }
    }

    @Test(arguments: [OutputHeadConfig.Kind.mol, .gaussian])
    func gradientsPassFiniteDifferences(head: OutputHeadConfig.Kind) throws {
        let net = try lpcTeacher(head: head)
        let (x, mel) = randomCase(batch: 2, length: 12)
        var rng = Philox(seed: 9)
        let (params, cache) = net.forward(audio: x, mel: mel)
        let g = Tensor(shape: params.shape, scalars: rng.normals(params.count))
        net.parameters.zeroGradients()
        let dx = net.backward(params: g, cache: cache)
        let checker = GradientChecker(options: .init(epsilon: 1e-3, relativeTolerance: 2e-2, absoluteTolerance: 1e-3))
        let rx = checker.check(name: "teacher.dx", at: x, analytic: dx) { GradientCheck.dot(net.forward(audio: $0, mel: mel).params, g) }
        #expect(rx.passed, "\(rx)")
        for name in ["teacher.head.out.weight", "teacher.head.out.bias", "teacher.layers.2.dilated.weight"] {
            guard let p = net.parameters[name] else { Issue.record("no parameter \(name)"); continue }
            let saved = p.value
            let r = checker.check(name: name, at: p.value, analytic: p.gradient) { probe in
                p.value = probe
                defer { p.value = saved }
                return GradientCheck.dot(net.forward(audio: x, mel: mel).params, g)
            }
            #expect(r.passed, "\(r)")
        }
    }

    @Test(arguments: [OutputHeadConfig.Kind.mol, .gaussian])
    func cachedSamplingEqualsNaiveSampling(head: OutputHeadConfig.Kind) throws {
        let net = try lpcTeacher(head: head, seed: 5)
        let mel = steadyMel(batch: 2, length: 40, seed: 6)
        let c = net.condition(mel: mel, length: 40).condition
        let prediction = net.prediction(mel: mel, length: 40)
        var r1 = Philox(seed: 77), r2 = Philox(seed: 77)
        let cached = net.sampleCached(condition: c, prediction: prediction, rng: &r1)
        let naive = net.sampleNaive(condition: c, prediction: prediction, rng: &r2)
        let worst = zip(cached.scalars, naive.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "max |cached - naive| = \(worst)")
        #expect(Set(cached.scalars).count > 20)
    }

    /// The sampler draws what the model scores: teacher-forcing the sampled waveform through
    /// the full forward gives the θ the sampler drew each sample from (so no shift or
    /// misaligned frame between the predictor in sampling and in scoring). Checked through the
    /// Gaussian head, whose mean and scale are read straight off θ: each drawn sample's
    /// standardised value (x - m)/s is a standard normal (mean ~0, std ~1 over 2 x 400 draws).
    @Test func sampledWaveformIsScoredByTheSameDistribution() throws {
        let net = try lpcTeacher(head: .gaussian, seed: 8)
        let mel = steadyMel(batch: 2, length: 400, seed: 3)
        let c = net.condition(mel: mel, length: 400).condition
        var rng = Philox(seed: 5)
        let x = net.sampleCached(condition: c, prediction: net.prediction(mel: mel, length: 400), rng: &rng)
        let params = net.forward(audio: Tensor(shape: [2, 400, 1], scalars: x.scalars), mel: mel).params
        let z = (0..<800).map { r in Double((x.scalars[r] - params.scalars[2 * r]) / expf(params.scalars[2 * r + 1])) }
        let mean = z.reduce(0, +) / 800, std = (z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 800).squareRoot()
        #expect(abs(mean) < 0.15 && abs(std - 1) < 0.1, "standardised samples: mean \(mean), std \(std)")
    }

    @Test func needsTheFeatureConfig() throws {
        var config = WaveNetConfig.preset(.tiny)
        config.linearPrediction = LinearPredictionConfig()
        #expect(throws: (any Error).self) { try WaveNet(config: config, conditionChannels: 3, hop: 4, seed: 1) }
        config.head.kind = .mulaw256
        #expect(throws: (any Error).self) { try config.validate(path: "teacher.model") }
    }
}

@Suite struct SelfConsistencyTests {
    /// Sampled by the model itself: the NLL of the samples is the entropy along the trajectory.
    /// Drawn at another temperature than the one scored (narrower or wider than the model), or
    /// scored under another mel, the check must fail. The teacher has a predictor, so its distributions depend
    /// strongly on the past and on the mel even untrained.
    @Test(arguments: [OutputHeadConfig.Kind.mol, .gaussian])
    func detectsASamplerThatIsNotTheModel(head: OutputHeadConfig.Kind) throws {
        let net = try lpcTeacher(head: head, seed: 3)
        let length = 2000
        let mel = steadyMel(batch: 1, length: length, seed: 4)
        let c = net.condition(mel: mel, length: length).condition
        var sampler = Philox(seed: 2)
        let x = net.sampleCached(condition: c, prediction: net.prediction(mel: mel, length: length), rng: &sampler)
        let audio = Tensor(shape: [1, length, 1], scalars: x.scalars)
        var check = Philox(seed: 3)
        let good = net.selfConsistency(sampled: audio, mel: mel, rng: &check)
        #expect(good.consistent(), "\(good)")
        for temperature: Float in [0.8, 1.25] {
            var other = Philox(seed: 2)
            let y = net.sampleCached(condition: c, prediction: net.prediction(mel: mel, length: length), rng: &other,
                                     options: .init(temperature: temperature))
            let bad = net.selfConsistency(sampled: Tensor(shape: [1, length, 1], scalars: y.scalars), mel: mel, rng: &check)
            #expect(!bad.consistent(), "temperature \(temperature): \(bad)")
        }
        let wrongMel = net.selfConsistency(sampled: audio, mel: steadyMel(batch: 1, length: length, seed: 9), rng: &check)
        #expect(!wrongMel.consistent(), "\(wrongMel)")
    }
}
