import AudioIO
import Foundation
import Student
import Teacher
import Testing
@testable import Pipeline

/// The debug recipe run end to end in a temporary experiment directory.
@Suite(.serialized) struct PipelineEndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func debugConfig() throws -> PipelineConfig {
        var config = try PipelineConfig.load(root.appendingPathComponent("Pipelines/debug.yaml"))
        config.data.audioDirs = config.data.audioDirs.map { root.appendingPathComponent($0).path }
        return config
    }

    @Test func debugPipelineProducesEveryArtifactAndInvalidatesDownstreamOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try Self.debugConfig()
        let experiment = Experiment(config: config, directory: dir)
        try PipelineRunner(experiment: experiment).run(stages: 1...6)

        // summary.json names every artifact, and each is readable.
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: dir.appendingPathComponent("summary.json")))
        #expect(summary.stagesComplete.count == 6)
        let teacherPath = try #require(summary.teacherCheckpoint)
        let studentPath = try #require(summary.studentCheckpoint)
        let teacher = try WaveNet.load(from: dir.appendingPathComponent(teacherPath))
        #expect(teacher.features == config.features && teacher.model.config == config.teacher)
        let student = try IAFStudent.load(from: dir.appendingPathComponent(studentPath))
        #expect(student.model.config == config.student)
        #expect(summary.synthesized.count == 4)  // one held-out utterance: student, teacher, Griffin-Lim, random phase
        for path in summary.synthesized {
            let audio = try Audio(contentsOf: dir.appendingPathComponent(path))
            #expect(audio.sampleRate == 16000 && !audio.samples.isEmpty && audio.samples.allSatisfy(\.isFinite), "\(path)")
        }
        let eval = try #require(summary.eval)
        let evalObject = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(eval))) as? [String: Any])
        for key in ["teacher_nll_bits_per_sample", "student_kl_nats_per_sample"] {
            #expect((evalObject[key] as? Double)?.isFinite == true, "eval.json \(key)")
        }
        for system in ["teacher", "student", "griffin_lim", "random_phase"] {
            let q = evalObject[system] as? [String: Any]
            #expect((q?["lsd_db"] as? Double)?.isFinite == true && (q?["mcd_db"] as? Double)?.isFinite == true, "eval.json \(system)")
            let voicing = q?["voicing"] as? [String: Any]
            let vde = voicing?["vde_percent"] as? Double
            #expect(vde.map { $0 >= 0 && $0 <= 100 } == true && (voicing?["frames"] as? Int ?? 0) > 0, "eval.json \(system) voicing")
        }
        #expect((evalObject["per_utterance"] as? [Any])?.count == 1)
        // The teacher's sampler draws what it scores: its samples' NLL is the entropy along them.
        let consistency = try #require(evalObject["teacher_self_consistency"] as? [String: Any])
        let difference = try #require(consistency["difference_bits"] as? Double)
        let standardError = try #require(consistency["standard_error_bits"] as? Double)
        #expect(standardError > 0 && abs(difference) <= 4 * standardError, "\(consistency)")
        let bench = try #require(summary.bench)
        let benchObject = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(bench))) as? [String: Any])
        #expect(benchObject["ratios"] != nil && benchObject["machine"] != nil && benchObject["results"] != nil)

        // Re-running skips everything; changing a student key re-runs distill and later only.
        let teacherFile = dir.appendingPathComponent(teacherPath)
        let teacherDate = try FileManager.default.attributesOfItem(atPath: teacherFile.path)[.modificationDate] as? Date
        var changed = config
        changed.training.student.steps += 2
        let changedExperiment = Experiment(config: changed, directory: dir)
        #expect(Stage.allCases.filter { !changedExperiment.isComplete($0) } == [.distill, .synthesize, .evaluate, .bench])
        let runner = PipelineRunner(experiment: changedExperiment)
        #expect(try runner.run(.prepare) == false)
        #expect(try runner.run(.trainTeacher) == false)
        #expect(try runner.run(.distill) == true)
        let after = try FileManager.default.attributesOfItem(atPath: teacherFile.path)[.modificationDate] as? Date
        #expect(teacherDate == after, "the teacher was retrained")
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: changedExperiment.directory(.distill).appendingPathComponent("result.json"))) as? [String: Any]
        #expect(result?["final_step"] as? Int == changed.training.student.steps)
        // A stage whose upstream is stale refuses to run.
        #expect(throws: PipelineError.self) {
            var stale = changed
            stale.synthesis.chunkSamples += 256
            try PipelineRunner(experiment: Experiment(config: stale, directory: dir)).run(.evaluate)
        }
    }

    /// The debug recipe with a Gaussian teacher head and a Gaussian student, through distill
    /// (fewer steps): the closed-form KL path runs inside the pipeline, with the spectral losses
    /// of the recipe, and its terms reach result.json.
    @Test func gaussianVariantDistills() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-e2e-gauss-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = try Self.debugConfig()
        config.name = "debug-gaussian"
        config.teacher.head.kind = .gaussian
        config.student.base = .gaussian
        config.losses.contrastiveGamma = 0.3
        config.training.teacher.steps = 4
        config.training.student.steps = 4
        try config.validate(path: "")
        let experiment = Experiment(config: config, directory: dir)
        try PipelineRunner(experiment: experiment).run(stages: 1...3)
        let student = try IAFStudent.load(from: experiment.directory(.distill).appendingPathComponent(DistillStage.weightsFile))
        #expect(student.model.config.base == .gaussian)
        let result = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: experiment.directory(.distill)
            .appendingPathComponent("result.json"))) as? [String: Any])
        #expect(result["final_step"] as? Int == 4)
        let last = try #require(result["last_losses"] as? [String: Double])
        for key in ["kl", "kl_regulariser", "kl_mismatched", "power", "mr_stft", "loss"] {
            #expect(last[key]?.isFinite == true, "last_losses.\(key) in \(last.keys.sorted())")
        }
    }
}
