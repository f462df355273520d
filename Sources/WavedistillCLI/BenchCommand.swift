import ArgumentParser
import Benchmarks
import FileFormats
import Foundation
import Pipeline

/// `wavedistill bench`: parallel (student) against autoregressive (teacher) sampling, on a real
/// utterance's conditioning, against this machine's measured FMA and sgemm rates.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark student synthesis against naive, cached and batched teacher sampling.",
        discussion: """
        Runs randomly initialised models of --preset (no training needed), or the checkpoints given \
        with --teacher / --student, conditioned on the log-mel frames of --input (tiled to longer \
        lengths). Paths: teacher_naive, teacher_cached, teacher_cached_batch, teacher_score, student, \
        student_chunked, then time vs audio length for the chunked student and the cached teacher \
        (longer than --teacher-max-seconds: extrapolated, and marked so). Each path: one warm-up, then \
        --reps timed runs (median, min, max), samples/s, real-time factor, GFLOP/s, fraction of the \
        FMA peak probed in the same run, and peak resident memory. Build with -c release. \
        docs/benchmarks.md explains every number.
        """)

    @Option(help: "Model size when no checkpoint is given: \(BenchmarkModels.presetNames.joined(separator: ", ")).")
    var preset = "full"

    @Option(help: "Teacher checkpoint (.safetensors) instead of the preset.")
    var teacher: String?

    @Option(help: "Student checkpoint (.safetensors) instead of the preset.")
    var student: String?

    @Option(help: "Utterance whose log-mel frames condition every run (default \(BenchmarkInput.defaultUtterance)).")
    var input: String?

    @Option(help: "Comma-separated audio lengths in seconds for the scaling runs.")
    var seconds = "1,4,16,64"

    @Option(help: "Timed repetitions per path (after one warm-up).")
    var reps = 3

    @Option(help: "Timed repetitions of the naive teacher.")
    var naiveReps = 3

    @Option(help: "Seconds of audio for the naive teacher.")
    var naiveSeconds = 0.05

    @Option(help: "Comma-separated batch sizes of the batched cached teacher.")
    var batches = "1,4,16"

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int?

    @Option(help: "Longest audio the cached teacher runs; longer scaling lengths are extrapolated.")
    var teacherMaxSeconds = 4.0

    @Option(help: "Longest audio per item of the batched cached teacher.")
    var teacherBatchSeconds = 1.0

    @Option(help: "Samples per chunk of chunked student synthesis (default \(SamplingBenchmark.defaultChunkSamples)).")
    var chunkSamples: Int?

    @Option(help: "Seed of the model initialisation and the sampling noise.")
    var seed: UInt64 = 1

    @Option(help: "Repetitions of each machine probe (FMA, sgemm; the best is kept).")
    var probeReps = 3

    @Option(help: "Comma-separated subset of the paths to run (for profiling): \(BenchmarkOptions.allPaths.joined(separator: ", ")).")
    var paths: String?

    @Option(help: "Write the report as JSON to this file (atomically).")
    var json: String?

    // Stage 6 is the benchmark on the trained checkpoints, with the recipe's `benchmark` settings.
    @Option(help: "Pipeline YAML: run stage 6 on its trained checkpoints instead (the options above are unused).")
    var config: String?

    @Option(name: .customLong("exp-dir"), help: "Experiment directory with --config.")
    var experimentDirectory: String?

    func validate() throws {
        if config != nil {
            // Every stage has its command (`wavedistill <stage> --config`), as synthesize does for stage 4.
            guard teacher == nil && student == nil && json == nil else {
                throw ValidationError("--config runs the pipeline stage; "
                                      + "do not combine it with --teacher/--student/--json")
            }
            return
        }
        _ = try options()
    }

    /// The options, or a readable error naming the bad one.
    func options() throws -> BenchmarkOptions {
        var o = BenchmarkOptions()
        o.seconds = try Self.list(seconds, "seconds") { Double($0) }
        o.batches = try Self.list(batches, "batches") { Int($0) }
        o.repetitions = reps
        o.naiveRepetitions = naiveReps
        o.naiveSeconds = naiveSeconds
        o.threads = threads
        o.teacherMaxSeconds = teacherMaxSeconds
        o.teacherBatchSeconds = teacherBatchSeconds
        o.chunkSamples = chunkSamples
        o.seed = seed
        o.probeRepetitions = probeReps
        o.paths = paths.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        do {
            try o.validate()
        } catch {
            throw CLIError(String(describing: error))
        }
        // Lengths become sample counts: bound them before any Int conversion can trap.
        for length in o.seconds { try OptionCheck.requireSeconds(length, "seconds") }
        try OptionCheck.requireSeconds(naiveSeconds, "naive-seconds")
        try OptionCheck.requireSeconds(teacherMaxSeconds, "teacher-max-seconds")
        try OptionCheck.requireSeconds(teacherBatchSeconds, "teacher-batch-seconds")
        if let threads { try OptionCheck.require(threads, "threads", in: 1...1024) }
        guard BenchmarkModels.presetNames.contains(preset) else {
            throw ValidationError("--preset must be one of \(BenchmarkModels.presetNames.joined(separator: ", ")), got '\(preset)'")
        }
        return o
    }

    static func list<T>(_ text: String, _ name: String, _ parse: (String) -> T?) throws -> [T] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = items.compactMap(parse)
        guard !items.isEmpty, values.count == items.count else {
            throw ValidationError("--\(name) must be a comma-separated list of numbers, got '\(text)'")
        }
        return values
    }

    func run() throws {
        if let config {
            _ = try CLISupport.reportingErrors {
                let pipeline = try PipelineConfig.load(CLISupport.fileURL(config))
                let directory = experimentDirectory.map(CLISupport.fileURL)
                var runner = PipelineRunner(experiment: Experiment(config: pipeline, directory: directory))
                runner.force = true
                return try runner.run(.bench)
            }
            return
        }
        try CLISupport.reportingErrors {
            let options = try options()
            if let json { try CLISupport.requireOutputDirectory(for: json) }
            let inputPath = input ?? BenchmarkInput.defaultUtterance
            guard FileManager.default.fileExists(atPath: inputPath) else {
                throw CLIError(input == nil
                    ? "no --input given and the default utterance \(inputPath) does not exist here; run from the repository root or pass --input WAV"
                    : "\(inputPath): file not found")
            }
            let models = try BenchmarkModels.make(preset: preset, teacherFile: teacher.map(CLISupport.fileURL),
                                                  studentFile: student.map(CLISupport.fileURL), seed: seed)
            let mel = try BenchmarkInput.mel(of: CLISupport.fileURL(inputPath), features: models.features)
            CLISupport.printToStandardError("bench: \(models.description); input \(inputPath) (\(mel.shape[1]) frames)")
            let report = try SamplingBenchmark.run(teacher: models.teacher, student: models.student, mel: mel,
                                                   features: models.features, options: options) {
                CLISupport.printToStandardError("bench: " + $0)
            }
            print(report.table)
            if let json { try AtomicFile.write(report.jsonData(), to: CLISupport.fileURL(json)) }
        }
    }
}
