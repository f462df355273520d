import Foundation
import SignalProcessing
import Student
import Teacher
import Tensors
import Training

/// `wavedistill bench-training`: how fast one training step runs (teacher maximum likelihood,
/// distillation) against the machine's FMA peak probed in the same process.
///
/// Each path: `warmupSteps` untimed steps (first-touch page faults, BLAS and thread-pool
/// start-up, the optimiser's moment buffers), then `repetitions` timed steps, one repetition
/// per step; the median step time gives samples/s and GFLOP/s (`TrainingFLOPCount`). The
/// probes run before and after all paths; the better one is the peak (as in `bench`).
public enum TrainingBenchmark {
    public static let allPaths = ["teacher_step", "distill_step", "distill_step_no_spectral"]

    public struct Options: Codable, Sendable, Equatable {
        /// Timed steps per path (after the warm-up); the median is reported.
        public var repetitions = 3
        /// Untimed steps per path before the timed ones.
        public var warmupSteps = 1
        /// Worker threads (`Compute.setThreads`); nil: the cores.
        public var threads: Int?
        /// Repetitions of each machine probe.
        public var probeRepetitions = 3

        public init() {}

        enum CodingKeys: String, CodingKey {
            case repetitions
            case warmupSteps = "warmup_steps"
            case threads
            case probeRepetitions = "probe_repetitions"
        }

        /// Throws `BenchmarkError.invalidOption` naming the first bad option.
        public func validate() throws {
            guard repetitions >= 1 else { throw BenchmarkError.invalidOption("reps", "must be at least 1, got \(repetitions)") }
            guard warmupSteps >= 0 else { throw BenchmarkError.invalidOption("warmup", "must be >= 0, got \(warmupSteps)") }
            if let threads, threads < 1 { throw BenchmarkError.invalidOption("threads", "must be at least 1, got \(threads)") }
            guard probeRepetitions >= 1 else {
                throw BenchmarkError.invalidOption("probe-reps", "must be at least 1, got \(probeRepetitions)")
            }
        }
    }

    /// Times one path: `warmup` untimed steps, then `repetitions` timed ones. Every step calls
    /// `afterGradients` between its backward and its optimiser update (inside the timed region:
    /// a data-parallel run's reduction is part of its step time).
    public static func timeSteps(_ path: TrainingStepPath, warmup: Int, repetitions: Int,
                                 afterGradients: () throws -> Void = {}) throws -> Timing {
        precondition(warmup >= 0 && repetitions >= 1, "TrainingBenchmark.timeSteps: bad counts")
        return try Timing.measure(repetitions: repetitions, warmup: {
            for _ in 0..<warmup { try path.step(afterGradients) }
        }) {
            try path.step(afterGradients)
        }
    }

    /// Probes the machine, times every path (`make` builds them after the first probe, so their
    /// models are not resident while it runs), probes again and returns the report.
    /// `models` describes each model set for the JSON; `log` receives one line per path.
    /// With `processes` > 1 (an `mpirun` job on one machine, each process probing its own
    /// cores at the same time), the machine's peak is the probe times `processes`.
    public static func run(paths make: () throws -> [TrainingStepPath], models: [TrainingBenchmarkReport.ModelSet],
                           options: Options, processes: Int = 1, afterGradients: () throws -> Void = {},
                           log: (String) -> Void) throws -> TrainingBenchmarkReport {
        try options.validate()
        if let threads = options.threads { Compute.setThreads(threads) }
        func probe(_ when: String) -> BenchmarkReport.Probe {
            log("probing the machine (\(when)): FMA peak and sgemm on \(Compute.threads) thread(s)")
            let fma = MachineProbe.fmaPeak(repetitions: options.probeRepetitions)
            let sgemm = MachineProbe.sgemmRate(repetitions: options.probeRepetitions)
            log(String(format: "FMA %.1f GFLOP/s (%.1f per core-second), sgemm %d^3 %.1f GFLOP/s",
                       fma.gflops, fma.perCoreGflops, MachineProbe.sgemmSize, sgemm))
            return .init(when: when, fmaGflops: fma.gflops, fmaPerCoreGflops: fma.perCoreGflops, sgemmGflops: sgemm)
        }
        var probes = [probe("start")]
        let resettable = MemoryProbe.resetPeak()
        var results: [TrainingBenchmarkReport.PathResult] = []
        let paths = try make()
        guard !paths.isEmpty else { throw BenchmarkError.invalidOption("paths", "selected no training step to time") }
        for path in paths {
            results.append(try measure(path, options: options, afterGradients: afterGradients))
            log(line(results[results.count - 1]))
        }
        probes.append(probe("end"))
        let machine = BenchmarkReport.Machine(
            cores: MachineProbe.cores, cpu: MachineProbe.cpuModel, blas: MachineProbe.blasConfig,
            threads: Compute.threads, fmaPeakGflops: Double(processes) * (probes.map(\.fmaGflops).max() ?? 0),
            fmaPeakPerCoreGflops: probes.map(\.fmaPerCoreGflops).max() ?? 0,
            sgemmGflops: Double(processes) * (probes.map(\.sgemmGflops).max() ?? 0),
            probes: probes, sgemmSize: MachineProbe.sgemmSize, peakRSSReset: resettable)
        for i in results.indices {
            results[i].processes = processes
            // Each process measured its own CPU time: the machine's CPU-seconds are N times as many.
            results[i].gflopsPerCPUSecond /= Double(processes)
            results[i].fractionOfFMAPeak = results[i].gflops / machine.fmaPeakGflops
            results[i].fractionOfCorePeak = results[i].gflopsPerCPUSecond / machine.fmaPeakPerCoreGflops
            results[i].fractionOfSgemm = results[i].gflops / machine.sgemmGflops
        }
        return TrainingBenchmarkReport(machine: machine, results: results, models: models, options: options,
                                       notes: notes(resettable: resettable))
    }

    static func measure(_ path: TrainingStepPath, options: Options,
                        afterGradients: () throws -> Void) throws -> TrainingBenchmarkReport.PathResult {
        MemoryProbe.resetPeak()
        let baseline = MemoryProbe.snapshot().residentKiB
        // Each step's allreduce time (warm-up steps included, dropped below).
        var allreduce: [Double] = []
        var recording = path
        recording.step = { hook in
            try path.step(hook)
            allreduce.append(path.lastAllreduceSeconds())
        }
        let timing = try timeSteps(recording, warmup: options.warmupSteps, repetitions: options.repetitions,
                                   afterGradients: afterGradients)
        let timedAllreduce = Array(allreduce.suffix(options.repetitions)).sorted()
        let allreduceMedian = timedAllreduce.isEmpty ? 0 : timedAllreduce[timedAllreduce.count / 2]
        let peak = MemoryProbe.snapshot().peakKiB
        let median = timing.median
        let flops = Double(path.flops.total)
        return TrainingBenchmarkReport.PathResult(
            path: path.path, model: path.model, batch: path.batch, cropSamples: path.cropSamples,
            samplesPerStep: path.samplesPerStep, frames: path.frames, klSamples: path.klSamples,
            teacherPasses: path.teacherPasses, spectralLosses: path.spectralLosses, parameters: path.parameterCount,
            medianStepSeconds: median, minStepSeconds: timing.min, maxStepSeconds: timing.max,
            stepSeconds: timing.seconds, samplesPerSecond: Double(path.samplesPerStep) / median,
            flopsPerStep: flops, forwardFLOPsPerStep: Double(path.flops.forward),
            backwardFLOPsPerStep: Double(path.flops.backward), gflops: flops / median / 1e9,
            fractionOfFMAPeak: 0, fractionOfSgemm: 0, cpuSeconds: timing.medianCPU,
            gflopsPerCPUSecond: flops / max(timing.medianCPU, 1e-9) / 1e9, fractionOfCorePeak: 0,
            peakRSSMB: Double(peak) / 1024, baselineRSSMB: Double(baseline) / 1024,
            repetitions: options.repetitions, warmupSteps: options.warmupSteps,
            allreduceMedianSeconds: allreduceMedian, allreduceShare: allreduceMedian / timing.median)
    }

    static func line(_ r: TrainingBenchmarkReport.PathResult) -> String {
        let allreduce = r.allreduceMedianSeconds > 0
            ? String(format: ", allreduce %.4f s (%.1f %% of the step)", r.allreduceMedianSeconds, 100 * r.allreduceShare) : ""
        return String(format: "%@ %@ B=%d x %d: median %.3f s/step (cpu %.3f s), %.0f samples/s, %.1f GFLOP/s, peak RSS %.0f MiB",
               r.model, r.path, r.batch, r.cropSamples, r.medianStepSeconds, r.cpuSeconds, r.samplesPerSecond, r.gflops,
               r.peakRSSMB) + allreduce
    }

    static func notes(resettable: Bool) -> [String] {
        [
            "Random weights: the FLOPs and the time of a step do not depend on the values.",
            "One repetition = one optimiser step on a fresh batch (the task's own crop sampler); "
                + "median_step_s is the median over the timed steps, after warmup_steps untimed ones.",
            "flops_per_step counts matrix products and the upsamplers only (TrainingFLOPCount); the heads' "
                + "log-densities, spectral losses, Adam and other elementwise work take time but count no FLOPs.",
            resettable ? "peak_rss_mb: each path's own high-water mark (VmHWM reset before it), including baseline_rss_mb."
                : "peak_rss_mb: /proc/self/clear_refs was not writable, so peaks are monotone over the run.",
        ]
    }
}

/// Everything one training benchmark run measured, as written to JSON (docs/benchmarks.md).
public struct TrainingBenchmarkReport: Codable, Sendable {
    public var machine: BenchmarkReport.Machine
    public var results: [PathResult]
    public var models: [ModelSet]
    public var options: TrainingBenchmark.Options
    public var notes: [String]

    /// One model set the paths ran: where it came from and its configs.
    public struct ModelSet: Codable, Sendable {
        public var name: String
        /// "preset" or the recipe's path.
        public var source: String
        /// Other recipes with the same models and step settings (timed once, under `name`).
        public var sameAs: [String]
        public var features: FeatureConfig
        public var teacher: WaveNetConfig
        public var student: StudentConfig
        /// The distillation objective's weights and K (`losses:` of a recipe).
        public var losses: [String: Double]
        public var teacherTraining: TrainingSettings
        public var studentTraining: TrainingSettings

        public init(name: String, source: String, sameAs: [String] = [], features: FeatureConfig, teacher: WaveNetConfig,
                    student: StudentConfig, losses: [String: Double], teacherTraining: TrainingSettings,
                    studentTraining: TrainingSettings) {
            self.name = name
            self.source = source
            self.sameAs = sameAs
            self.features = features
            self.teacher = teacher
            self.student = student
            self.losses = losses
            self.teacherTraining = teacherTraining
            self.studentTraining = studentTraining
        }

        enum CodingKeys: String, CodingKey {
            case name, source
            case sameAs = "same_as"
            case features, teacher, student, losses
            case teacherTraining = "teacher_training"
            case studentTraining = "student_training"
        }
    }

    /// One timed training step path.
    public struct PathResult: Codable, Sendable {
        public var path: String
        public var model: String
        public var batch: Int
        public var cropSamples: Int
        public var samplesPerStep: Int
        public var frames: Int
        public var klSamples: Int?
        public var teacherPasses: Int?
        public var spectralLosses: [String]
        public var parameters: Int
        public var medianStepSeconds: Double
        public var minStepSeconds: Double
        public var maxStepSeconds: Double
        /// Every timed step, in run order.
        public var stepSeconds: [Double]
        /// samples_per_step / median_step_s.
        public var samplesPerSecond: Double
        public var flopsPerStep: Double
        public var forwardFLOPsPerStep: Double
        public var backwardFLOPsPerStep: Double
        /// flops_per_step / median_step_s.
        public var gflops: Double
        /// gflops / machine.fma_peak_gflops (the better probe of this run).
        public var fractionOfFMAPeak: Double
        /// gflops / machine.sgemm_gflops.
        public var fractionOfSgemm: Double
        /// Median CPU seconds (user + system, all threads) of a step.
        public var cpuSeconds: Double
        public var gflopsPerCPUSecond: Double
        /// gflops_per_cpu_s / machine.fma_peak_per_core_gflops.
        public var fractionOfCorePeak: Double
        public var peakRSSMB: Double
        public var baselineRSSMB: Double
        public var repetitions: Int
        public var warmupSteps: Int
        /// Processes of the `mpirun` job that computed each step together (1 alone).
        public var processes = 1
        /// Median seconds per step in the gradient allreduce (waiting for the slowest member
        /// included), and its share of the median step.
        public var allreduceMedianSeconds = 0.0
        public var allreduceShare = 0.0

        enum CodingKeys: String, CodingKey {
            case path, model, batch
            case cropSamples = "crop_samples"
            case samplesPerStep = "samples_per_step"
            case frames
            case klSamples = "kl_samples"
            case teacherPasses = "teacher_passes"
            case spectralLosses = "spectral_losses"
            case parameters
            case medianStepSeconds = "median_step_s"
            case minStepSeconds = "min_step_s"
            case maxStepSeconds = "max_step_s"
            case stepSeconds = "step_s"
            case samplesPerSecond = "samples_per_s"
            case flopsPerStep = "flops_per_step"
            case forwardFLOPsPerStep = "forward_flops_per_step"
            case backwardFLOPsPerStep = "backward_flops_per_step"
            case gflops
            case fractionOfFMAPeak = "fraction_of_fma_peak"
            case fractionOfSgemm = "fraction_of_sgemm"
            case cpuSeconds = "cpu_s"
            case gflopsPerCPUSecond = "gflops_per_cpu_s"
            case fractionOfCorePeak = "fraction_of_core_peak"
            case peakRSSMB = "peak_rss_mb"
            case baselineRSSMB = "baseline_rss_mb"
            case repetitions
            case warmupSteps = "warmup_steps"
            case processes
            case allreduceMedianSeconds = "allreduce_median_s"
            case allreduceShare = "allreduce_share"
        }
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The report as a text table for a terminal.
    public var table: String {
        var lines: [String] = []
        let m = machine
        lines.append("machine: \(m.cpu), \(m.cores) cores, \(m.threads) threads; "
                     + String(format: "FMA peak %.1f GFLOP/s (%.1f per core-second), sgemm %d^3 %.1f GFLOP/s",
                              m.fmaPeakGflops, m.fmaPeakPerCoreGflops, m.sgemmSize, m.sgemmGflops))
        lines.append("probes: " + m.probes.map {
            String(format: "%@ FMA %.1f, sgemm %.1f", $0.when, $0.fmaGflops, $0.sgemmGflops)
        }.joined(separator: "; ") + " GFLOP/s")
        for set in models where !set.sameAs.isEmpty {
            lines.append("\(set.name): also stands for \(set.sameAs.joined(separator: ", ")) (same models and step settings)")
        }
        lines.append("")
        let header = ["model", "path", "B x crop", "K", "median s", "min s", "max s", "cpu s", "samples/s",
                      "GFLOP/step", "GFLOP/s", "%FMA", "%sgemm", "%core", "peak MiB"]
        let widths = [12, 24, 11, 3, 8, 8, 8, 8, 9, 10, 7, 5, 6, 5, 8]
        lines.append(Self.format(header, widths))
        for r in results {
            lines.append(Self.format([
                r.model, r.path, "\(r.batch) x \(r.cropSamples)", r.klSamples.map(String.init) ?? "-",
                String(format: "%.3f", r.medianStepSeconds), String(format: "%.3f", r.minStepSeconds),
                String(format: "%.3f", r.maxStepSeconds), String(format: "%.3f", r.cpuSeconds),
                String(format: "%.0f", r.samplesPerSecond), String(format: "%.2f", r.flopsPerStep / 1e9),
                String(format: "%.1f", r.gflops), String(format: "%.1f", 100 * r.fractionOfFMAPeak),
                String(format: "%.1f", 100 * r.fractionOfSgemm), String(format: "%.1f", 100 * r.fractionOfCorePeak),
                String(format: "%.0f", r.peakRSSMB),
            ], widths))
        }
        lines.append("")
        lines.append("%FMA: GFLOP/s / FMA peak (all threads). %sgemm: / the 2048^3 sgemm. "
                     + "%core: GFLOP per CPU-second / FMA peak per core-second.")
        lines.append("notes:")
        lines.append(contentsOf: notes.map { "  - " + $0 })
        return lines.joined(separator: "\n")
    }

    private static func format(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).enumerated().map { i, pair in
            let (cell, width) = pair
            let padding = String(repeating: " ", count: max(0, width - cell.count))
            return i < 2 ? cell + padding : padding + cell
        }.joined(separator: " ")
    }
}
