import Foundation
import NeuralLayers
import SignalProcessing
import Testing
@testable import Benchmarks
import Student
import Teacher
import Training

/// The training benchmark: its FLOP formulas against hand counts and the models' weights, and
/// one tiny teacher step end to end (one repetition) through the JSON report.
@Suite struct TrainingBenchmarkTests {
    /// Upsampler taps by hand: strides 4,4,4,4 over 3 frames; a stage of input length L and
    /// stride s has L*s outputs with one tap and (L-1)*(s-1) with a second:
    /// L=3: 12 + 6, L=12: 48 + 33, L=48: 192 + 141, L=192: 768 + 573 -> 1773 taps, 80 channels.
    static let upsamplerThreeFrames = 2 * 80 * 1773

    @Test func teacherStepByHand() {
        // tiny teacher: 4 layers, k 2, 8 residual, 16 gate, 8 skip, 2-way MoL (P = 6), 80 mel bands.
        // Forward per sample: input 2*1*8, per layer 2*(2*8*16 + 80*16 + 8*8 + 8*8), head 2*8*8 + 2*8*6.
        let ft = 16 + 4 * 2 * (256 + 1280 + 64 + 64) + 128 + 96
        #expect(ft == 13552)
        // B = 2 crops of 512 samples (N = 1024), 3 frames each. Backward: twice every product but
        // the last layer's residual projection (8 gate halves x 8 residual, both ways).
        let step = TrainingFLOPCount.teacherStep(.preset(.tiny), conditionChannels: 80, hop: 256, batch: 2,
                                                 cropSamples: 512, frames: 3)
        #expect(step.forward == 1024 * 13552 + 2 * Self.upsamplerThreeFrames)
        #expect(step.backward == 1024 * (2 * 13552 - 2 * (2 * 8 * 8)) + 2 * 2 * Self.upsamplerThreeFrames)
        #expect(step.total == step.forward + step.backward)
    }

    @Test func distillationStepByHand() {
        // tiny student: flows [2, 2], 8 channels, 16 gate, k 2. Per flow and sample: input 2*8,
        // 2 layers of 2*(2*8*16 + 80*16 + 8*8), head 2*8*2.
        let fs = 2 * (16 + 2 * 2 * (256 + 1280 + 64) + 32)
        #expect(fs == 12896)
        // The frozen teacher's backward: input gradients of every product but the conditioning
        // (4 layers x 2*80*16) and the last residual projection (2*8*8).
        let teacherBackward = 13552 - 4 * 2 * 80 * 16 - 2 * 8 * 8
        #expect(teacherBackward == 3184)
        let step = TrainingFLOPCount.distillationStep(teacher: .preset(.tiny), student: .preset(.tiny), conditionChannels: 80,
                                                      hop: 256, batch: 2, cropSamples: 512, frames: 3, teacherPasses: 1)
        #expect(step.forward == 1024 * 12896 + 2 * Self.upsamplerThreeFrames + 1024 * 13552 + 2 * Self.upsamplerThreeFrames)
        #expect(step.backward == 1024 * 2 * 12896 + 2 * 2 * Self.upsamplerThreeFrames + 1024 * 3184)
        // The contrastive term runs the teacher twice.
        let two = TrainingFLOPCount.distillationStep(teacher: .preset(.tiny), student: .preset(.tiny), conditionChannels: 80,
                                                     hop: 256, batch: 2, cropSamples: 512, frames: 3, teacherPasses: 2)
        #expect(two.total - step.total == 1024 * (13552 + 3184) + 2 * Self.upsamplerThreeFrames)
    }

    /// The per-sample counts against the weights the models hold (FLOPCountTests' direct count),
    /// the pitch lag's second input channel included.
    @Test func perSampleCountsMatchTheWeights() throws {
        var config = WaveNetConfig.preset(.small)
        let plain = try WaveNet(config: config, conditionChannels: 80, hop: 256, seed: 3)
        #expect(TrainingFLOPCount.teacherForwardPerSample(config, conditionChannels: 80)
                == FLOPCountTests.directTeacherCount(plain))
        config.pitchLag = .init()
        let lagged = try WaveNet(config: config, conditionChannels: 80, hop: 256, seed: 3, features: .init())
        #expect(lagged.input.weight.shape == [2, config.residualChannels])
        #expect(TrainingFLOPCount.teacherForwardPerSample(config, conditionChannels: 80)
                == FLOPCountTests.directTeacherCount(lagged))
    }

    @Test func tinyTeacherStepReportsEveryFieldFinite() throws {
        let features = FeatureConfig()
        let directory = SmokeTests.repositoryRoot.appendingPathComponent(TrainingBenchmarkInput.defaultDirectory)
        let utterances = try TrainingBenchmarkInput.utterances(directory: directory, features: features, limit: 2)
        #expect(utterances.count == 2 && utterances.allSatisfy { $0.frames > 0 && $0.melBands == 80 })
        var settings = TrainingSettings()
        settings.batchSize = 2
        settings.cropSamples = 1024
        let path = try TrainingStepPath.teacher(model: "tiny", config: .preset(.tiny), features: features,
                                                settings: settings, utterances: utterances, seed: 1)
        #expect(path.samplesPerStep == 2048 && path.frames == 5)
        var options = TrainingBenchmark.Options()
        options.repetitions = 1
        options.warmupSteps = 1
        options.probeRepetitions = 1
        var hookCalls = 0
        let report = try TrainingBenchmark.run(paths: { [path] }, models: [], options: options,
                                               afterGradients: { hookCalls += 1 }) { _ in }
        // The hook runs once per step: the warm-up and the timed one.
        #expect(hookCalls == 2)

        let object = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        for key in ["machine", "results", "models", "options", "notes"] { #expect(object[key] != nil, "missing \(key)") }
        let machine = try #require(object["machine"] as? [String: Any])
        for key in ["fma_peak_gflops", "sgemm_gflops", "fma_peak_per_core_gflops"] {
            #expect(((machine[key] as? Double) ?? 0) > 0.01, "machine.\(key)")
        }
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.count == 1)
        let r = try #require(results.first)
        for key in ["median_step_s", "min_step_s", "max_step_s", "samples_per_s", "flops_per_step", "gflops",
                    "fraction_of_fma_peak", "fraction_of_sgemm", "cpu_s", "gflops_per_cpu_s", "fraction_of_core_peak",
                    "peak_rss_mb", "forward_flops_per_step", "backward_flops_per_step"] {
            let value = (r[key] as? Double) ?? -1
            #expect(value > 0 && value.isFinite, "results[0].\(key) = \(r[key] ?? "nil")")
        }
        for key in ["path", "model", "batch", "crop_samples", "samples_per_step", "frames", "parameters", "repetitions",
                    "warmup_steps", "step_s", "spectral_losses", "baseline_rss_mb"] {
            #expect(r[key] != nil, "missing results[0].\(key)")
        }
        #expect(r["path"] as? String == "teacher_step" && r["samples_per_step"] as? Int == 2048)
        let median = try #require(r["median_step_s"] as? Double)
        #expect((r["step_s"] as? [Double]) == [median])
        #expect(abs((r["samples_per_s"] as? Double ?? 0) - 2048 / median) < 1e-6 * 2048 / median)
        // GFLOP/s are the counted FLOPs over the median, and below what AVX2 can do on these cores.
        let flops = Double(TrainingFLOPCount.teacherStep(.preset(.tiny), conditionChannels: 80, hop: 256, batch: 2,
                                                         cropSamples: 1024, frames: 5).total)
        #expect(r["flops_per_step"] as? Double == flops)
        let gflops = try #require(r["gflops"] as? Double)
        #expect(abs(gflops - flops / median / 1e9) < 1e-9 * gflops)
        #expect(gflops < 192 * Double(MachineProbe.cores))
        #expect(SmokeTests.allNumbersFinite(object))
        #expect(report.table.contains("teacher_step"))
    }

    @Test func badOptionsAreRejected() {
        var options = TrainingBenchmark.Options()
        options.repetitions = 0
        #expect(throws: BenchmarkError.self) { try options.validate() }
        options.repetitions = 1
        options.warmupSteps = -1
        #expect(throws: BenchmarkError.self) { try options.validate() }
        #expect(throws: BenchmarkError.self) {
            _ = try TrainingBenchmarkInput.utterances(directory: URL(fileURLWithPath: "/nonexistent"), features: .init())
        }
    }
}
