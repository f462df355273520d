import Benchmarks
import Foundation
import Testing
@testable import Pipeline

/// The training benchmark's model sets and its distillation paths (the Benchmarks module cannot
/// build those: they need `DistillationTask`), one tiny step each through the report.
@Suite struct TrainingBenchmarkSetupTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func recipesWithTheSameStepsAreTimedOnce() throws {
        let quickstart = try TrainingBenchmarkModelSet.recipe(Self.repositoryRoot.appendingPathComponent("Pipelines/quickstart.yaml"))
        let voice = try TrainingBenchmarkModelSet.recipe(Self.repositoryRoot.appendingPathComponent("Pipelines/voice.yaml"))
        #expect(quickstart.studentTraining.cropSamples == 4096 && quickstart.losses.klSamples == 8)
        #expect(quickstart.student.flows == [4, 4, 4])
        let small = try TrainingBenchmarkModelSet.preset("small")
        let (sets, described) = TrainingBenchmarkSetup.deduplicated([small, quickstart, voice])
        #expect(sets.map(\.name) == ["small", "quickstart"])
        #expect(described.map(\.sameAs) == [[], ["voice"]])
        #expect(throws: BenchmarkError.self) { _ = try TrainingBenchmarkModelSet.preset("huge") }
    }

    @Test func tinyDistillationStepsReportEveryFieldFinite() throws {
        var set = try TrainingBenchmarkModelSet.preset("tiny")
        set.studentTraining.batchSize = 2
        set.studentTraining.cropSamples = 2048  // the MR-STFT's n_fft 2048 needs > 1024
        set.losses.klSamples = 4
        set.losses.mrStftWeight = 1
        let utterances = try TrainingBenchmarkInput.utterances(
            directory: Self.repositoryRoot.appendingPathComponent(TrainingBenchmarkInput.defaultDirectory),
            features: set.features, limit: 2)
        var options = TrainingBenchmark.Options()
        options.repetitions = 1
        options.probeRepetitions = 1
        let report = try TrainingBenchmark.run(paths: {
            try TrainingBenchmarkSetup.paths(for: set, utterances: utterances,
                                             selected: ["distill_step", "distill_step_no_spectral"], seed: 1)
        }, models: [set.described], options: options) { _ in }
        #expect(report.results.map(\.path) == ["distill_step", "distill_step_no_spectral"])
        for r in report.results {
            #expect(r.klSamples == 4 && r.teacherPasses == 1 && r.samplesPerStep == 4096)
            for value in [r.medianStepSeconds, r.samplesPerSecond, r.gflops, r.fractionOfFMAPeak, r.flopsPerStep, r.peakRSSMB] {
                #expect(value.isFinite && value > 0, "\(r.path): \(value)")
            }
        }
        #expect(report.results[0].spectralLosses.count == 2 && report.results[1].spectralLosses.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.first?["teacher"] is [String: Any] && models.first?["losses"] is [String: Any])
    }
}
