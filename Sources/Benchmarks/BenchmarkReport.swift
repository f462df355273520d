import Foundation
import SignalProcessing
import Student
import Teacher

/// Everything one benchmark run measured (`SamplingBenchmark.run`), as written to JSON.
public struct BenchmarkReport: Codable, Sendable {
    public var machine: Machine
    public var results: [PathResult]
    public var ratios: Ratios
    public var targets: [Target]
    public var configs: Configs
    public var flops: FLOPs
    public var options: BenchmarkOptions
    /// How to read the numbers (what is extrapolated, how memory is measured, ...).
    public var notes: [String]

    /// The machine and its measured limits (`MachineProbe`).
    public struct Machine: Codable, Sendable {
        public var cores: Int
        public var cpu: String
        public var blas: String
        public var threads: Int
        /// FMA-bound SIMD kernel on all threads, GFLOP/s (the better of the probes before and
        /// after the paths).
        public var fmaPeakGflops: Double
        /// The FMA kernel's FLOPs per CPU-second: one core's peak while it runs.
        public var fmaPeakPerCoreGflops: Double
        /// One large sgemm (`sgemm_size` cubed) on OpenBLAS's threads, GFLOP/s (better of two probes).
        public var sgemmGflops: Double
        /// Each probe as run: before and after the paths (how much the machine's load moved).
        public var probes: [Probe]
        public var sgemmSize: Int
        /// Whether the peak resident size could be reset before each path (see `MemoryProbe`).
        public var peakRSSReset: Bool

        enum CodingKeys: String, CodingKey {
            case cores, cpu, blas, threads
            case fmaPeakGflops = "fma_peak_gflops"
            case fmaPeakPerCoreGflops = "fma_peak_per_core_gflops"
            case sgemmGflops = "sgemm_gflops"
            case probes
            case sgemmSize = "sgemm_size"
            case peakRSSReset = "peak_rss_reset"
        }
    }

    /// One run of the machine probes.
    public struct Probe: Codable, Sendable {
        /// "start" or "end".
        public var when: String
        public var fmaGflops: Double
        public var fmaPerCoreGflops: Double
        public var sgemmGflops: Double

        enum CodingKeys: String, CodingKey {
            case when
            case fmaGflops = "fma_gflops"
            case fmaPerCoreGflops = "fma_per_core_gflops"
            case sgemmGflops = "sgemm_gflops"
        }
    }

    /// One measured (or extrapolated) path at one length and batch size.
    public struct PathResult: Codable, Sendable {
        /// teacher_naive, teacher_cached, teacher_step_gemv, teacher_cached_batch, teacher_score,
        /// student, student_chunked.
        public var path: String
        /// Which table it belongs to: "paths" (the comparison) or "scaling" (time vs length).
        public var section: String
        /// The model's preset name, or "custom" for a config that is not a preset.
        public var preset: String
        /// Audio per batch item, in seconds.
        public var audioSeconds: Double
        public var batch: Int
        /// Samples per second of compute, all batch items together.
        public var samplesPerSecond: Double
        /// Seconds of compute per second of audio produced (all items): < 1 is faster than real time.
        public var rtf: Double
        /// FLOPs executed by the run (`FLOPCount`) divided by its median time.
        public var gflops: Double
        /// FLOPs of the output samples only / median time (below `gflops` where context is
        /// recomputed: naive sampling, chunked synthesis).
        public var usefulGflops: Double
        public var fractionOfFMAPeak: Double
        /// Median CPU seconds (user + system, all threads) of a repetition. On a quiet machine
        /// about median_s times the threads the path keeps busy; less means other processes
        /// held the cores part of the time.
        public var cpuSeconds: Double
        /// FLOPs executed per CPU-second: the path's rate while it runs on a core.
        public var gflopsPerCPUSecond: Double
        /// gflops_per_cpu_s / machine.fma_peak_per_core_gflops: the kernels' efficiency, less
        /// sensitive to other processes than fraction_of_fma_peak.
        public var fractionOfCorePeak: Double
        /// Peak resident size during this path (process-wide, including `baseline_rss_mb`), MiB.
        public var peakRSSMB: Double
        /// Resident size just before the path (models, inputs), MiB.
        public var baselineRSSMB: Double
        public var medianSeconds: Double
        public var minSeconds: Double
        public var maxSeconds: Double
        public var repetitions: Int
        /// Audio per item actually run; less than `audio_seconds` when `extrapolated`.
        public var measuredSeconds: Double
        /// True when the times are the per-sample cost of a shorter run scaled to `audio_seconds`
        /// (memory is then the shorter run's).
        public var extrapolated: Bool
        /// FLOPs executed by one run at `audio_seconds` (see `gflops`).
        public var flops: Double
        /// Samples per chunk (student_chunked; teacher_score, which adds R samples of context per chunk).
        public var chunkSamples: Int?

        enum CodingKeys: String, CodingKey {
            case path, section, preset
            case audioSeconds = "audio_seconds"
            case batch
            case samplesPerSecond = "samples_per_s"
            case rtf, gflops
            case usefulGflops = "useful_gflops"
            case fractionOfFMAPeak = "fraction_of_fma_peak"
            case cpuSeconds = "cpu_s"
            case gflopsPerCPUSecond = "gflops_per_cpu_s"
            case fractionOfCorePeak = "fraction_of_core_peak"
            case peakRSSMB = "peak_rss_mb"
            case baselineRSSMB = "baseline_rss_mb"
            case medianSeconds = "median_s"
            case minSeconds = "min_s"
            case maxSeconds = "max_s"
            case repetitions
            case measuredSeconds = "measured_seconds"
            case extrapolated, flops
            case chunkSamples = "chunk_samples"
        }
    }

    /// Speed ratios (samples per second) from this run. A ratio whose paths were not run
    /// (`BenchmarkOptions.paths`) is NaN here and left out of the JSON.
    public struct Ratios: Codable, Sendable {
        /// student (one shot) / teacher_cached, batch 1.
        public var studentVsCachedTeacher: Double
        /// student_chunked / teacher_cached, batch 1.
        public var chunkedStudentVsCachedTeacher: Double
        /// teacher_cached / teacher_naive, batch 1 (naive on its short span: see the notes).
        public var cachedVsNaiveTeacher: Double
        /// teacher_cached / teacher_step_gemv: the share of the GEMV-only speed that cached
        /// sampling reaches (1 = no overhead outside BLAS).
        public var cachedTeacherVsGEMVFloor: Double

        enum CodingKeys: String, CodingKey {
            case studentVsCachedTeacher = "student_vs_cached_teacher"
            case chunkedStudentVsCachedTeacher = "chunked_student_vs_cached_teacher"
            case cachedVsNaiveTeacher = "cached_vs_naive_teacher"
            case cachedTeacherVsGEMVFloor = "cached_teacher_vs_gemv_floor"
        }

        public init(studentVsCachedTeacher: Double, chunkedStudentVsCachedTeacher: Double, cachedVsNaiveTeacher: Double,
                    cachedTeacherVsGEMVFloor: Double = .nan) {
            self.studentVsCachedTeacher = studentVsCachedTeacher
            self.chunkedStudentVsCachedTeacher = chunkedStudentVsCachedTeacher
            self.cachedVsNaiveTeacher = cachedVsNaiveTeacher
            self.cachedTeacherVsGEMVFloor = cachedTeacherVsGEMVFloor
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            studentVsCachedTeacher = try c.decodeIfPresent(Double.self, forKey: .studentVsCachedTeacher) ?? .nan
            chunkedStudentVsCachedTeacher = try c.decodeIfPresent(Double.self, forKey: .chunkedStudentVsCachedTeacher) ?? .nan
            cachedVsNaiveTeacher = try c.decodeIfPresent(Double.self, forKey: .cachedVsNaiveTeacher) ?? .nan
            cachedTeacherVsGEMVFloor = try c.decodeIfPresent(Double.self, forKey: .cachedTeacherVsGEMVFloor) ?? .nan
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            for (key, value) in [(CodingKeys.studentVsCachedTeacher, studentVsCachedTeacher),
                                 (.chunkedStudentVsCachedTeacher, chunkedStudentVsCachedTeacher),
                                 (.cachedVsNaiveTeacher, cachedVsNaiveTeacher),
                                 (.cachedTeacherVsGEMVFloor, cachedTeacherVsGEMVFloor)] where value.isFinite {
                try c.encode(value, forKey: key)
            }
        }
    }

    /// A performance target and whether this run met it.
    public struct Target: Codable, Sendable {
        public var name: String
        public var value: Double
        /// "<=" or ">=".
        public var comparison: String
        public var threshold: Double
        public var met: Bool
    }

    public struct Configs: Codable, Sendable {
        public var teacher: WaveNetConfig
        public var student: StudentConfig
        public var features: FeatureConfig
    }

    /// Per-sample model FLOPs (see `FLOPCount` for what is counted).
    public struct FLOPs: Codable, Sendable {
        public var teacherPerSample: FLOPCount.TeacherBreakdown
        public var studentPerSample: Int
        /// Conditioning FLOPs per frame (one item): the teacher's upsampler; the student's
        /// upsampler, or with frame-rate conditioning its interpolation weights and every
        /// layer's projection of the frames (`FLOPCount.studentConditioning`).
        public var teacherUpsamplerPerFrame: Double
        public var studentConditioningPerFrame: Double

        enum CodingKeys: String, CodingKey {
            case teacherPerSample = "teacher_per_sample"
            case studentPerSample = "student_per_sample"
            case teacherUpsamplerPerFrame = "teacher_upsampler_per_frame"
            case studentConditioningPerFrame = "student_conditioning_per_frame"
        }
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
