import Foundation
import SignalProcessing
import Testing
import Benchmarks
import Tensors

/// The benchmark entry point end to end on the tiny presets: tiny lengths, one repetition.
@Suite struct SmokeTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The first `frames` frames of the default utterance's log-mel features.
    static func utteranceFrames(_ frames: Int, features: FeatureConfig) throws -> Tensor {
        let url = repositoryRoot.appendingPathComponent(BenchmarkInput.defaultUtterance)
        let mel = try BenchmarkInput.mel(of: url, features: features)
        let c = mel.shape[2]
        return Tensor(shape: [1, frames, c], scalars: Array(mel.scalars.prefix(frames * c)))
    }

    static func tinyOptions() -> BenchmarkOptions {
        var o = BenchmarkOptions()
        o.seconds = [0.02, 0.08]
        o.repetitions = 1
        o.naiveRepetitions = 1
        o.naiveSeconds = 0.005
        o.batches = [1, 2]
        o.teacherMaxSeconds = 0.04
        o.teacherBatchSeconds = 0.02
        o.chunkSamples = 300
        o.probeRepetitions = 1
        return o
    }

    @Test func tinyRunReportsEveryFieldFinite() throws {
        let models = try BenchmarkModels.make(preset: "tiny", teacherFile: nil, studentFile: nil)
        let mel = try Self.utteranceFrames(8, features: models.features)  // 7 hops = 1792 samples
        var lines: [String] = []
        let report = try SamplingBenchmark.run(teacher: models.teacher, student: models.student, mel: mel,
                                               features: models.features, options: Self.tinyOptions()) { lines.append($0) }
        #expect(!lines.isEmpty)

        let object = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        for key in ["machine", "results", "ratios", "configs", "targets", "flops", "options", "notes"] {
            #expect(object[key] != nil, "missing top-level key \(key)")
        }
        let machine = try #require(object["machine"] as? [String: Any])
        for key in ["cores", "cpu", "blas", "threads", "fma_peak_gflops", "sgemm_gflops", "fma_peak_per_core_gflops", "probes"] {
            #expect(machine[key] != nil, "missing machine.\(key)")
        }
        // GFLOP/s, not FLOP/s or ms: positive, and below what AVX2 can do (32 FLOP per cycle per
        // core at <= 6 GHz: 192 GFLOP/s per core).
        let cores = Double(machine["cores"] as? Int ?? 0)
        #expect(cores >= 1)
        for key in ["fma_peak_gflops", "sgemm_gflops"] {
            let value = machine[key] as? Double ?? 0
            #expect(value > 0.01 && value <= 192 * cores, "machine.\(key) = \(value) on \(cores) cores")
        }
        let perCore = machine["fma_peak_per_core_gflops"] as? Double ?? 0
        #expect(perCore > 0.01 && perCore <= 192, "machine.fma_peak_per_core_gflops = \(perCore)")
        #expect((machine["probes"] as? [Any])?.count == 2)
        let configs = try #require(object["configs"] as? [String: Any])
        for key in ["teacher", "student", "features"] { #expect(configs[key] != nil, "missing configs.\(key)") }
        let ratios = try #require(object["ratios"] as? [String: Any])
        for key in ["student_vs_cached_teacher", "cached_vs_naive_teacher", "chunked_student_vs_cached_teacher",
                    "cached_teacher_vs_gemv_floor"] {
            #expect((ratios[key] as? Double).map { $0.isFinite && $0 > 0 } == true, "ratio \(key)")
        }

        let results = try #require(object["results"] as? [[String: Any]])
        let resultKeys = ["path", "preset", "audio_seconds", "batch", "samples_per_s", "rtf", "gflops", "peak_rss_mb",
                          "median_s", "min_s", "max_s", "fraction_of_fma_peak", "useful_gflops", "baseline_rss_mb",
                          "measured_seconds", "extrapolated", "section", "repetitions", "flops", "cpu_s", "gflops_per_cpu_s",
                          "fraction_of_core_peak"]
        for r in results {
            for key in resultKeys { #expect(r[key] != nil, "missing results[].\(key) in \(r["path"] ?? "?")") }
            for key in ["samples_per_s", "rtf", "gflops", "peak_rss_mb", "median_s", "min_s", "max_s", "fraction_of_fma_peak",
                        "fraction_of_core_peak"] {
                #expect(((r[key] as? Double) ?? -1) > 0, "\(r["path"] ?? "?").\(key) = \(r[key] ?? "nil")")
            }
            #expect(r["preset"] as? String == "tiny")
        }
        let paths = Set(results.map { "\($0["section"]!)/\($0["path"]!)" })
        for path in ["teacher_naive", "teacher_cached", "teacher_step_gemv", "teacher_cached_batch", "teacher_score", "student",
                     "student_chunked"] {
            #expect(paths.contains("paths/" + path), "missing path \(path)")
        }
        #expect(paths.contains("scaling/student_chunked") && paths.contains("scaling/teacher_cached"))
        // 0.08 s is above the teacher cap of 0.04 s: extrapolated, and marked so.
        let teacherScaling = results.filter { $0["section"] as? String == "scaling" && $0["path"] as? String == "teacher_cached" }
        #expect(teacherScaling.count == 2)
        #expect(teacherScaling.contains { $0["extrapolated"] as? Bool == true && ($0["measured_seconds"] as? Double ?? 0) < 0.08 })
        #expect(results.filter { $0["path"] as? String == "teacher_cached_batch" }.map { $0["batch"] as? Int } == [1, 2])
        #expect(Self.allNumbersFinite(object))
        #expect(report.table.contains("student_chunked"))
    }

    @Test func rejectsAMelOfTheWrongWidth() throws {
        let models = try BenchmarkModels.make(preset: "tiny", teacherFile: nil, studentFile: nil)
        let mel = Tensor(shape: [1, 4, 7])
        #expect(throws: BenchmarkError.self) {
            _ = try SamplingBenchmark.run(teacher: models.teacher, student: models.student, mel: mel,
                                          features: models.features, options: Self.tinyOptions()) { _ in }
        }
    }

    @Test func aSubsetOfPathsLeavesTheOtherRatiosOut() throws {
        let models = try BenchmarkModels.make(preset: "tiny", teacherFile: nil, studentFile: nil)
        let mel = try Self.utteranceFrames(4, features: models.features)
        var options = Self.tinyOptions()
        options.paths = ["student", "teacher_cached"]
        let report = try SamplingBenchmark.run(teacher: models.teacher, student: models.student, mel: mel,
                                               features: models.features, options: options) { _ in }
        #expect(Set(report.results.map(\.path)) == ["student", "teacher_cached"])
        let object = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        let ratios = try #require(object["ratios"] as? [String: Any])
        #expect(Set(ratios.keys) == ["student_vs_cached_teacher"])
        options.paths = ["students"]
        #expect(throws: BenchmarkError.self) { try options.validate() }
    }

    @Test func rejectsAnUnknownPreset() {
        #expect(throws: BenchmarkError.self) { _ = try BenchmarkModels.make(preset: "huge", teacherFile: nil, studentFile: nil) }
    }

    @Test func tilingRepeatsTheFramesCyclically() {
        let mel = Tensor(shape: [1, 3, 2], scalars: [0, 1, 2, 3, 4, 5])
        let tiled = BenchmarkInput.tile(mel, samples: 10, hop: 2, batch: 2)  // 1 + 10/2 = 6 frames
        #expect(tiled.shape == [2, 6, 2])
        #expect(Array(tiled.scalars.prefix(12)) == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5])
        #expect(Array(tiled.scalars.suffix(12)) == Array(tiled.scalars.prefix(12)))
    }

    @Test func timingStatistics() {
        let t = Timing(seconds: [3, 1, 2, 10], cpuSeconds: [1, 1, 4, 4])
        #expect(t.median == 2.5 && t.min == 1 && t.max == 10 && t.medianCPU == 2.5)
        let cpu0 = Timing.processCPUSeconds()
        var x = 0.0
        for i in 0..<2_000_000 { x += Double(i % 7) }
        #expect(x > 0 && Timing.processCPUSeconds() >= cpu0)
    }

    /// True when every number anywhere in the JSON value is finite.
    static func allNumbersFinite(_ value: Any) -> Bool {
        switch value {
        case let d as Double: return d.isFinite
        case let a as [Any]: return a.allSatisfy(allNumbersFinite)
        case let o as [String: Any]: return o.values.allSatisfy(allNumbersFinite)
        default: return true
        }
    }
}
