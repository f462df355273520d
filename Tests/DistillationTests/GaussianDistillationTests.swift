import Corpus
import Distributions
import Foundation
import GradientCheck
import NeuralLayers
import Randomness
import SignalProcessing
import SpectralLosses
import Student
import Teacher
import Tensors
import Testing
import Training
@testable import Distillation

/// A tiny Gaussian student and a tiny WaveNet teacher with a Gaussian head, both conditioned on
/// 2 "mel" bands at hop 4. The student's heads get random weights (a fresh student's are zero,
/// which would leave every layer below without a gradient), and the teacher's log-scale bias is
/// moved to -2.5 so s_T is of the student's order (KL values of order 1, not 30).
private func gaussianPair(seed: UInt64) throws -> (IAFStudent, WaveNet, FeatureConfig) {
    var config = StudentConfig.preset(.tiny)
    config.upsampler = .init(kind: .transposed, strides: [2, 2])
    config.base = .gaussian
    let student = try IAFStudent(config: config, conditionChannels: 2, hop: 4, seed: seed)
    var rng = Philox(seed: seed, stream: 9)
    for flow in student.flows {
        flow.head.weight.value = Tensor.normal(shape: flow.head.weight.shape, std: 0.15, rng: &rng)
        if let b = flow.head.bias { b.value = Ops.add(b.value, Tensor.normal(shape: b.shape, std: 0.1, rng: &rng)) }
    }
    var teacherConfig = WaveNetConfig.preset(.tiny)
    teacherConfig.head = OutputHeadConfig(kind: .gaussian)
    teacherConfig.upsampler = .init(kind: .transposed, strides: [2, 2])
    let teacher = try WaveNet(config: teacherConfig, conditionChannels: 2, hop: 4, seed: seed &+ 1)
    teacher.output.bias?.value.scalars[1] = -2.5
    var features = FeatureConfig()
    features.hopLength = 4
    features.melBandCount = 2
    return (student, teacher, features)
}

/// The teacher with its path to the input cut (dL/dx = 0): shows that the gradient through x
/// matters, so a check that passes with it is not passing by accident.
private struct InputGradientCut: DistillationTeacher {
    let wrapped: any DistillationTeacher
    var distribution: any OutputDistribution { wrapped.distribution }
    func parametersWithBackward(audio x: Tensor, mel: Tensor) -> (params: Tensor, backward: (Tensor) -> Tensor) {
        let params = wrapped.parametersWithBackward(audio: x, mel: mel).params
        return (params, { _ in Tensor(shape: x.shape) })
    }
}


@Suite(.serialized) struct GaussianDistillationTests {
    /// The closed form, wired to a real Gaussian head (row layout, log-scale floor), equals a
    /// Monte-Carlo estimate E_{x' ~ N(m_S, s_S)}[log N(x'; m_S, s_S) - log p_T(x' | θ_t)] on the
    /// student's own sample, within the estimate's standard error; the regulariser is logged apart.
    @Test func closedFormKLMatchesMonteCarlo() throws {
        let (student, teacher, _) = try gaussianPair(seed: 4)
        let head = try #require(teacher.distribution as? GaussianOutput)
        let (batch, n) = (2, 64)
        var rng = Philox(seed: 6)
        let z = StudentBase.gaussian.noise(shape: [batch, n, 1], rng: &rng)
        let mel = Tensor(shape: [batch, n / 4 + 1, 2], scalars: rng.normals(batch * (n / 4 + 1) * 2))
        let out = student.forward(noise: z, mel: mel).output
        let params = teacher.parametersWithBackward(audio: out.x, mel: mel).params
        let estimator = try GaussianDistillation(head: head, lambda: 4)
        let closed = estimator.divergence(mean: out.mean, logScale: out.logScale, teacherParams: params,
                                          regularise: true, weight: 0)
        let rows = batch * n
        var draws: [Double] = []
        for _ in 0..<2000 {
            var x = [Float](repeating: 0, count: rows)
            for r in 0..<rows { x[r] = Normal.sample(mean: out.mean.scalars[r], logScale: out.logScale.scalars[r], rng: &rng) }
            let teacherLogp = head.logLikelihood(x: x, params: params.scalars)
            var sum = 0.0
            for r in 0..<rows {
                sum += Double(Normal.logPDF(x[r], mean: out.mean.scalars[r], logScale: out.logScale.scalars[r]))
                    - Double(teacherLogp[r])
            }
            draws.append(sum / Double(rows))
        }
        let m = draws.reduce(0, +) / Double(draws.count)
        let sd = (draws.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(draws.count - 1)).squareRoot()
        let se = sd / Double(draws.count).squareRoot()
        #expect(abs(closed.kl - m) < 4 * se, "closed form \(closed.kl), Monte Carlo \(m) ± \(se)")
        // The regulariser, independently: lambda * mean (max(l_T, -9) - l_S)^2, and not part of `kl`.
        var penalty = 0.0
        for r in 0..<rows {
            let gap = Double(max(params.scalars[2 * r + 1], -9)) - Double(out.logScale.scalars[r])
            penalty += 4 * gap * gap
        }
        penalty /= Double(rows)
        #expect(abs(closed.regulariser - penalty) <= 1e-5 * max(1, penalty), "regulariser \(closed.regulariser) vs \(penalty)")
        #expect(closed.regulariser > 20 * se, "the test cannot tell KL from KL + regulariser")
        #expect(closed.kl > 0.05 && se < 0.01 * closed.kl, "KL \(closed.kl) ± \(se)")
    }

    /// Gradients of the whole Gaussian objective (closed-form KL + regulariser, through both
    /// (mu_tot, log s_tot) and x via the frozen teacher; with the contrastive term and the power
    /// loss in the second case) with respect to every student parameter, by finite differences.
    @Test(arguments: [(Float(0), false), (0.3, true)])
    func objectiveGradientsPassFiniteDifferences(gamma: Float, power: Bool) throws {
        let (student, teacher, features) = try gaussianPair(seed: 2)
        var rng = Philox(seed: 5)
        let (batch, n, frames) = (2, 64, 17)
        let utterances = (0..<batch).map { i in
            Utterance(id: "r\(i)", samples: rng.uniforms(n, low: -0.3, high: 0.3), mel: rng.normals(frames * 2),
                      frames: frames, melBands: 2)
        }
        var spectral: [(weight: Float, loss: any SpectralLoss)] = []
        if power {
            let resolution = STFTResolution(fftLength: 32, hopLength: 8, windowLength: 24)
            spectral.append((weight: Float(0.5), loss: try PowerLoss(config: PowerLossConfig(resolution: resolution))))
        }
        func task(_ t: any DistillationTeacher) throws -> DistillationTask {
            try DistillationTask(student: student, teacher: t, features: features, klWeight: 1, klSamples: 3,
                                 gaussianKLLambda: 4, contrastiveGamma: gamma, spectralLosses: spectral,
                                 training: utterances, validation: utterances, batchSize: batch, cropSamples: n)
        }
        let full = try task(teacher)
        let audio = Tensor(shape: [batch, n, 1], scalars: utterances.flatMap(\.samples))
        let mel = Tensor(shape: [batch, frames, 2], scalars: utterances.flatMap(\.mel))
        func loss() throws -> Double {
            var r = Philox(seed: 42)
            return try full.objective(audio: audio, mel: mel, rng: &r, train: false)["loss"] ?? .nan
        }
        student.parameters.zeroGradients()
        var r = Philox(seed: 42)
        let terms = try full.objective(audio: audio, mel: mel, rng: &r, train: true)
        #expect(terms["kl_regulariser"] != nil && terms["kl"] != nil && (gamma == 0) == (terms["kl_mismatched"] == nil))
        #expect(power == (terms["power"] != nil), "\(terms.keys.sorted())")
        // The objective is closed form (no sampling noise); the forward is Float, and the teacher's
        // ReLUs are kinks, so eps 1e-3 with the tolerances of the logistic objective's check.
        let checker = GradientChecker(options: .init(epsilon: 1e-3, relativeTolerance: 3e-2, absoluteTolerance: 2e-3, maxProbes: 12))
        // The parameter's analytic gradient against finite differences of the loss.
        func check(_ p: Parameter) -> GradientChecker.Result {
            let saved = p.value
            return checker.check(name: p.name, at: p.value, analytic: p.gradient) { probe in
                p.value = probe
                defer { p.value = saved }
                return (try? loss()) ?? .nan
            }
        }
        for p in student.parameters.parameters {
            let result = check(p)
            #expect(result.passed, "\(result)")
            #expect(p.gradient.scalars.contains { $0 != 0 }, "\(p.name) has an all-zero gradient")
        }
        // Teeth: with the path through x cut, the same check fails (so the path is both needed
        // and right).
        student.parameters.zeroGradients()
        var r2 = Philox(seed: 42)
        _ = try task(InputGradientCut(wrapped: teacher)).objective(audio: audio, mel: mel, rng: &r2, train: true)
        var failing: [String] = []
        for p in student.parameters.parameters {
            let result = check(p)
            if !result.passed { failing.append(p.name) }
        }
        #expect(failing.count >= 3, "only \(failing) fail without the gradient through x")
    }

    /// The Gaussian counterpart of `distillationRecoversAKnownAutoregressiveProcess`: distilling
    /// x_t ~ N(a x_{t-1}, sigma) with the closed-form KL drives the KL to ~0 and the student
    /// recovers a and sigma.
    @Test func distillationRecoversAKnownGaussianAutoregressiveProcess() throws {
        let a: Float = 0.5, s: Float = 0.1
        let teacher = try GaussianAutoregressiveTeacher(coefficient: a, scale: s)
        var config = StudentConfig.preset(.tiny)
        config.upsampler = .init(kind: .transposed, strides: [2, 2])
        config.base = .gaussian
        let student = try IAFStudent(config: config, conditionChannels: 2, hop: 4, seed: 3)
        var features = FeatureConfig()
        features.hopLength = 4
        features.melBandCount = 2
        try expectRecoversAutoregressiveProcess(teacher: teacher, student: student, features: features,
                                                coefficient: a, scale: s, klSamples: 1, label: "distill-gauss-ar1")
    }

    /// A Gaussian student with a non-Gaussian teacher, or a logistic student with a Gaussian
    /// teacher, is refused with an error naming both keys.
    @Test func mismatchedBaseAndHeadAreRejected() throws {
        let (gaussianStudent, _, features) = try gaussianPair(seed: 1)
        var config = gaussianStudent.config
        config.base = .logistic
        let logisticStudent = try IAFStudent(config: config, conditionChannels: 2, hop: 4, seed: 1)
        let cases: [(IAFStudent, any DistillationTeacher, String)] = [
            (gaussianStudent, try LogisticAutoregressiveTeacher(coefficient: 0.5, scale: 0.1), "mol"),
            (logisticStudent, try GaussianAutoregressiveTeacher(coefficient: 0.5, scale: 0.1), "gaussian"),
        ]
        let u = flatUtterance(samples: 64)
        for (student, teacher, head) in cases {
            #expect {
                _ = try DistillationTask(student: student, teacher: teacher, features: features, klWeight: 1, klSamples: 4,
                                         contrastiveGamma: 0, spectralLosses: [], training: [u], validation: [u],
                                         batchSize: 1, cropSamples: 64)
            } throws: { error in
                let text = "\(error)"
                return error as? DistillationError == .basePairing(studentBase: student.config.base, teacherHead: head)
                    && text.contains("student.base") && text.contains("teacher.head.kind")
            }
        }
    }
}
