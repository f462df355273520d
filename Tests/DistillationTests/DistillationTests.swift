import Corpus
import Foundation
import GradientCheck
import Randomness
import SignalProcessing
import Student
import Tensors
import Testing
import Training
@testable import Distillation

/// A tiny student conditioned on 2 "mel" bands at hop 4, and a matching feature config.
private func tinySetup(seed: UInt64 = 1) throws -> (IAFStudent, FeatureConfig) {
    var config = StudentConfig.preset(.tiny)
    config.upsampler = .init(kind: .transposed, strides: [2, 2])
    let student = try IAFStudent(config: config, conditionChannels: 2, hop: 4, seed: seed)
    var features = FeatureConfig()
    features.hopLength = 4
    features.melBandCount = 2
    return (student, features)
}

/// Silence with flat conditioning: the analytic teacher ignores both.

@Suite(.serialized) struct DistillationTests {
    /// The estimator's mean over draws matches a high-K reference within its standard error
    /// (unbiasedness of the Monte-Carlo cross-entropy).
    @Test func crossEntropyEstimatorIsUnbiased() throws {
        let teacher = try LogisticAutoregressiveTeacher(coefficient: 0.5, scale: 0.1)
        let rows = 64
        var rng = Philox(seed: 3)
        let mean = Tensor(shape: [1, rows, 1], scalars: rng.uniforms(rows, low: -0.3, high: 0.3))
        let logScale = Tensor(shape: [1, rows, 1], scalars: rng.uniforms(rows, low: -3, high: -2))
        let x = Tensor(shape: [1, rows, 1], scalars: rng.uniforms(rows, low: -0.5, high: 0.5))
        let params = teacher.parametersWithBackward(audio: x, mel: Tensor(shape: [1, 1, 1])).params
        let estimator = DensityDistillation(distribution: teacher.distribution, samples: 2)
        let reference = DensityDistillation(distribution: teacher.distribution, samples: 4000)
        var r = Philox(seed: 99)
        let truth = reference.crossEntropy(mean: mean, logScale: logScale, teacherParams: params, weight: 0, rng: &r).value
        let draws = (0..<400).map { i -> Double in
            var g = Philox(seed: 7, stream: UInt64(i))
            return estimator.crossEntropy(mean: mean, logScale: logScale, teacherParams: params, weight: 0, rng: &g).value
        }
        let m = draws.reduce(0, +) / Double(draws.count)
        let sd = (draws.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(draws.count - 1)).squareRoot()
        let standardError = sd / Double(draws.count).squareRoot()
        #expect(abs(m - truth) < 4 * standardError + 1e-3, "mean \(m) vs reference \(truth) (s.e. \(standardError))")
    }

    /// Gradients of the whole objective (KL through both paths, and the power loss) with
    /// respect to the student's parameters, by finite differences with fixed noise.
    @Test func objectiveGradientsPassFiniteDifferences() throws {
        let (student, features) = try tinySetup(seed: 2)
        let teacher = try LogisticAutoregressiveTeacher(coefficient: 0.6, scale: 0.08)
        var rng = Philox(seed: 5)
        let u = Utterance(id: "r", samples: rng.uniforms(64, low: -0.3, high: 0.3),
                          mel: rng.normals(17 * 2), frames: 17, melBands: 2)
        let task = try DistillationTask(student: student, teacher: teacher, features: features, klWeight: 1, klSamples: 3,
                                    contrastiveGamma: 0, spectralLosses: [], training: [u], validation: [u],
                                    batchSize: 1, cropSamples: 64)
        let audio = Tensor(shape: [1, 64, 1], scalars: u.samples)
        let mel = Tensor(shape: [1, 17, 2], scalars: u.mel)
        func loss() throws -> Double {
            var r = Philox(seed: 42)
            return try task.objective(audio: audio, mel: mel, rng: &r, train: false)["loss"] ?? .nan
        }
        student.parameters.zeroGradients()
        var r = Philox(seed: 42)
        _ = try task.objective(audio: audio, mel: mel, rng: &r, train: true)
        // Probes of Float forwards through a Monte-Carlo loss: eps 1e-3, 3% tolerance.
        let checker = GradientChecker(options: .init(epsilon: 1e-3, relativeTolerance: 3e-2, absoluteTolerance: 2e-3, maxProbes: 12))
        for p in student.parameters.parameters {
            let saved = p.value
            let result = checker.check(name: p.name, at: p.value, analytic: p.gradient) { probe in
                p.value = probe
                defer { p.value = saved }
                return (try? loss()) ?? .nan
            }
            #expect(result.passed, "\(result)")
        }
    }

    /// The test that proves the chain: distilling from a teacher whose density is known
    /// (x_t ~ Logistic(a x_{t-1}, s)) drives the KL from its initial value to ~0 and the student
    /// recovers a and s.
    @Test func distillationRecoversAKnownAutoregressiveProcess() throws {
        let a: Float = 0.5, s: Float = 0.1
        let teacher = try LogisticAutoregressiveTeacher(coefficient: a, scale: s)
        let (student, features) = try tinySetup(seed: 3)
        try expectRecoversAutoregressiveProcess(teacher: teacher, student: student, features: features,
                                                coefficient: a, scale: s, klSamples: 8, label: "distill-ar1")
    }
}
