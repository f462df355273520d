import Foundation
import GradientCheck
import LinearPrediction
import NeuralLayers
import Randomness
import SignalProcessing
import Tensors
import Testing
@testable import Student

/// The features of the tiny case: 3 mel bands of a 32-point FFT, hop 4.
private let tinyFeatures: FeatureConfig = {
    var f = FeatureConfig()
    f.fftLength = 32
    f.windowLength = 32
    f.hopLength = 4
    f.melBandCount = 3
    return f
}()

/// The tiny student with random heads and an excitation filter of order 4 with pre-emphasis.
private func lpcStudent(base: StudentBase = .logistic) throws -> IAFStudent {
    var config = StudentConfig.preset(.tiny)
    config.upsampler = UpsamplerConfig(kind: .transposed, strides: [2, 2])
    config.base = base
    config.linearPrediction = LinearPredictionConfig(order: 4, preemphasis: 0.85)
    let student = try IAFStudent(config: config, conditionChannels: 3, hop: 4, seed: 1, features: tinyFeatures)
    randomizeHeads(of: student, seed: 101)
    return student
}

/// Noise and a mel that changes slowly (a stable predictor filter over the case).
private func lpcCase(batch: Int, length: Int, seed: UInt64, base: StudentBase = .logistic) -> (z: Tensor, mel: Tensor) {
    var rng = Philox(seed: seed)
    let z = base.noise(shape: [batch, length, 1], rng: &rng)
    let frames = length / 4 + 1
    let spectra = rng.normals(batch * 3, scale: 0.3)
    let mel = Tensor(shape: [batch, frames, 3], scalars: (0..<(batch * frames * 3)).map { i in
        spectra[(i / (frames * 3)) * 3 + i % 3] - 3 + 0.05 * Float((i / 3) % frames)
    })
    return (z, mel)
}

@Suite struct LinearPredictionStudentTests {
    /// x = synth(g x_N) is still an autoregressive flow of z: dx_t/dz_t' = 0 for t' > t, the
    /// diagonal is the x-space scale exp(logScale), and x_t = mean_x + exp(logScale_x) z_t.
    @Test(arguments: StudentBase.allCases)
    func outputIsTheConditionalOfXGivenItsPast(base: StudentBase) throws {
        let student = try lpcStudent(base: base)
        let length = 20
        let (z, mel) = lpcCase(batch: 1, length: length, seed: 4, base: base)
        let out = student.forward(noise: z, mel: mel).output
        for t in 0..<length {
            let rebuilt = out.mean.scalars[t] + exp(out.logScale.scalars[t]) * z.scalars[t]
            #expect(abs(rebuilt - out.x.scalars[t]) <= 1e-4 * max(1, abs(out.x.scalars[t])), "t = \(t)")
        }
        let eps: Float = 1e-2
        var worst = 0.0
        for j in 0..<length {
            var plus = z, minus = z
            plus.scalars[j] += eps
            minus.scalars[j] -= eps
            let xp = student.forward(noise: plus, mel: mel).output.x, xm = student.forward(noise: minus, mel: mel).output.x
            for t in 0..<j { #expect(xp.scalars[t] == xm.scalars[t], "x[\(t)] moved with z[\(j)]") }
            let slope = (Double(xp.scalars[j]) - Double(xm.scalars[j])) / Double(plus.scalars[j] - minus.scalars[j])
            let s = exp(Double(out.logScale.scalars[j]))
            worst = max(worst, abs(slope - s) / s)
        }
        #expect(worst < 2e-3, "worst relative error of dx_t/dz_t against exp(logScale_x): \(worst)")
    }

    @Test func gradientsPassFiniteDifferences() throws {
        let student = try lpcStudent()
        let (z, mel) = lpcCase(batch: 2, length: 12, seed: 21)
        var rng = Philox(seed: 22)
        let g1 = Tensor.normal(shape: z.shape, rng: &rng), g2 = Tensor.normal(shape: z.shape, rng: &rng)
        let g3 = Tensor.normal(shape: z.shape, rng: &rng)
        // The mel's level keeps x ~ 0.1: float rounding of the loss stays ~1e-6 (x ~ 1 made the
        // first flow's small dilated-weight gradients drown in it).
        func loss(_ out: StudentOutput) -> Double {
            GradientCheck.dot(out.x, g1) + GradientCheck.dot(out.mean, g2) + GradientCheck.dot(out.logScale, g3)
        }
        let (_, cache) = student.forward(noise: z, mel: mel)
        student.parameters.zeroGradients()
        let dz = student.backward(x: g1, mean: g2, logScale: g3, cache: cache)
        let checker = GradientChecker(options: .init(epsilon: 1e-2, relativeTolerance: 1e-2, absoluteTolerance: 2e-4))
        let rz = checker.check(name: "student.dz", at: z, analytic: dz) { loss(student.forward(noise: $0, mel: mel).output) }
        #expect(rz.passed, "\(rz)")
        for name in ["student.flows.0.head.weight", "student.flows.1.head.bias", "student.flows.0.layers.1.dilated.weight"] {
            guard let p = student.parameters[name] else { Issue.record("no parameter \(name)"); continue }
            let saved = p.value
            let r = checker.check(name: name, at: p.value, analytic: p.gradient) { probe in
                p.value = probe
                defer { p.value = saved }
                return loss(student.forward(noise: z, mel: mel).output)
            }
            #expect(r.passed, "\(r)")
        }
    }

    /// Synthesis (flows in chunks, then the filter over the whole utterance) gives the
    /// training forward's x.
    @Test(arguments: [nil, 7] as [Int?])
    func synthesisEqualsTheForward(chunk: Int?) throws {
        let student = try lpcStudent()
        let (z, mel) = lpcCase(batch: 2, length: 40, seed: 8)
        let forward = student.forward(noise: z, mel: mel).output.x
        let synthesized = student.synthesize(mel: mel, noise: z, chunkSamples: chunk)
        let worst = zip(forward.scalars, synthesized.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-5, "max |synthesize - forward| = \(worst)")
    }
}
