import Corpus
import Distillation
import Foundation
import Randomness
import SignalProcessing
import Student
import Tensors
import Testing
import Training

/// A silent utterance with all-zero mel frames (the closed-form teachers ignore the mel).
func flatUtterance(samples: Int, bands: Int = 2, hop: Int = 4) -> Utterance {
    let frames = 1 + samples / hop
    return Utterance(id: "flat", samples: [Float](repeating: 0, count: samples),
                     mel: [Float](repeating: 0, count: frames * bands), frames: frames, melBands: bands)
}

/// Distils the process x_t ~ D(a x_{t-1}, s) of `teacher` into `student` (tiny, 2 mel bands,
/// hop 4) for 400 steps and expects the KL to fall from above 0.2 to below 0.03 (and by 10x),
/// the mean log s_tot to end within 0.05 of log s, and mu_tot[t] regressed on x[t-1] to have a
/// slope within 0.05 of a. The student's own base draws the check's noise.
func expectRecoversAutoregressiveProcess(teacher: any DistillationTeacher, student: IAFStudent,
                                         features: FeatureConfig, coefficient a: Float, scale s: Float,
                                         klSamples: Int, label: String) throws {
    let u = flatUtterance(samples: 4096)
    let task = try DistillationTask(student: student, teacher: teacher, features: features, klWeight: 1,
                                    klSamples: klSamples, contrastiveGamma: 0, spectralLosses: [],
                                    training: [u], validation: [u], batchSize: 4, cropSamples: 512,
                                    validationSamples: 2048)
    let before = try task.validate()["kl"] ?? .nan
    var settings = TrainingSettings()
    settings.steps = 400
    settings.schedule = .constant(3e-3)
    settings.emaDecay = 0
    settings.checkpointEvery = 10_000
    settings.logEvery = 100
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-\(label)-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    var loop = TrainingLoop(settings: settings, directory: dir, seed: 5, label: label)
    let summary = try loop.run(task, finalWeights: dir.appendingPathComponent("student.safetensors"))
    let after = summary.validation["kl"] ?? .nan
    #expect(before > 0.2, "initial KL \(before)")
    #expect(after < 0.03 && after < before / 10, "KL \(before) -> \(after) nats/sample")

    // The learned conditional: s_tot ~ s, and mu_tot[t] ~ a x[t-1].
    var rng = Philox(seed: 77)
    let n = 2048
    let z = student.config.base.noise(shape: [1, n, 1], rng: &rng)
    let out = student.forward(noise: z, mel: Tensor(shape: [1, n / 4 + 1, 2])).output
    let meanLogScale = out.logScale.scalars.dropFirst(16).reduce(0.0) { $0 + Double($1) } / Double(n - 16)
    #expect(abs(meanLogScale - log(Double(s))) < 0.05, "mean log s_tot \(meanLogScale), expected \(log(Double(s)))")
    var sxy = 0.0, sxx = 0.0
    for t in 16..<n {
        let prev = Double(out.x.scalars[t - 1])
        sxy += prev * Double(out.mean.scalars[t])
        sxx += prev * prev
    }
    let slope = sxy / sxx
    #expect(abs(slope - Double(a)) < 0.05, "mu_tot[t] regressed on x[t-1]: slope \(slope), expected \(a)")
}
