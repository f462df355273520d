import ArgumentParser
import Benchmarks
import FileFormats
import Foundation
import Pipeline
import Training

/// `wavedistill bench-training`: one teacher training step and one distillation step per model
/// set (presets, recipes), against this machine's FMA and sgemm rates probed in the same run.
struct BenchTrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-training",
        abstract: "Benchmark training steps (teacher maximum likelihood, distillation) on this machine.",
        discussion: """
        For each model set (--preset: the preset's models with the default losses and training \
        settings; --recipe: a pipeline YAML's models, losses, batch size and crop), times \
        teacher_step (forward, backward, Adam), distill_step (student forward and backward through \
        the frozen teacher, K Monte-Carlo samples, the recipe's spectral losses) and \
        distill_step_no_spectral (the same with the spectral weights at 0), on crops of bundled \
        audio and random weights. Each path: --warmup untimed steps, then --reps timed steps; the \
        median step time gives samples/s, GFLOP/s (counted from the layer shapes) and the share of \
        the FMA peak probed in the same run. With neither --preset nor --recipe: presets \
        \(Self.defaultPresets) and recipes \(Self.defaultRecipes). Build with -c release. \
        docs/benchmarks.md ("Training speed") explains every number.
        """)

    static let defaultPresets = "tiny,small,full"
    static let defaultRecipes = "Pipelines/quickstart.yaml,Pipelines/voice.yaml"

    @Option(help: "Comma-separated presets (\(BenchmarkModels.presetNames.joined(separator: ", "))).")
    var preset: String?

    @Option(help: "Comma-separated pipeline YAMLs whose models and step settings to time.")
    var recipe: String?

    @Option(help: "Comma-separated subset of the paths: \(TrainingBenchmark.allPaths.joined(separator: ", ")).")
    var paths: String?

    @Option(help: "Timed steps per path (after the warm-up); the median is reported.")
    var reps = 3

    @Option(help: "Untimed warm-up steps per path.")
    var warmup = 1

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int?

    @Option(help: "Directory of .wav files to crop the batches from (default \(TrainingBenchmarkInput.defaultDirectory)).")
    var audio: String?

    @Option(help: "Utterances read from --audio (the first in name order).")
    var utterances = TrainingBenchmarkInput.defaultUtteranceCount

    @Option(help: "Seed of the model initialisation and of the steps' random streams.")
    var seed: UInt64 = 1

    @Option(help: "Repetitions of each machine probe (FMA, sgemm; the best is kept).")
    var probeReps = 3

    @Option(help: "Write the report as JSON to this file (atomically).")
    var json: String?

    func validate() throws {
        _ = try options()
        _ = try selectedPaths()
        try OptionCheck.require(utterances, "utterances", in: 1...10_000)
    }

    func options() throws -> TrainingBenchmark.Options {
        var o = TrainingBenchmark.Options()
        o.repetitions = reps
        o.warmupSteps = warmup
        o.threads = threads
        o.probeRepetitions = probeReps
        do {
            try o.validate()
        } catch {
            throw ValidationError(String(describing: error))
        }
        if let threads { try OptionCheck.require(threads, "threads", in: 1...1024) }
        return o
    }

    func selectedPaths() throws -> Set<String> {
        guard let paths else { return Set(TrainingBenchmark.allPaths) }
        let names = paths.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where !TrainingBenchmark.allPaths.contains(name) {
            throw ValidationError("--paths: unknown path '\(name)'; choose from \(TrainingBenchmark.allPaths.joined(separator: ", "))")
        }
        guard !names.isEmpty else { throw ValidationError("--paths must name at least one path") }
        return Set(names)
    }

    /// The model sets in the order given: presets first, then recipes.
    func modelSets() throws -> [TrainingBenchmarkModelSet] {
        let (presets, recipes) = preset == nil && recipe == nil ? (Self.defaultPresets, Self.defaultRecipes)
            : (preset ?? "", recipe ?? "")
        func items(_ text: String) -> [String] {
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var sets = try items(presets).map { try TrainingBenchmarkModelSet.preset($0) }
        for path in items(recipes) {
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIError("--recipe \(path): file not found (run from the repository root or give its path)")
            }
            sets.append(try TrainingBenchmarkModelSet.recipe(CLISupport.fileURL(path)))
        }
        guard !sets.isEmpty else { throw CLIError("--preset and --recipe name no model set to benchmark") }
        return sets
    }

    func run() throws {
        try CLISupport.reportingErrors {
            let options = try options()
            let selected = try selectedPaths()
            if let json { try CLISupport.requireOutputDirectory(for: json) }
            let directory = audio ?? TrainingBenchmarkInput.defaultDirectory
            guard FileManager.default.fileExists(atPath: directory) else {
                throw CLIError(audio == nil
                    ? "the bundled audio \(directory) does not exist here; run from the repository root or pass --audio DIR"
                    : "--audio \(directory): directory not found")
            }
            let (sets, described) = TrainingBenchmarkSetup.deduplicated(try modelSets())
            let audioByFeatures = try TrainingBenchmarkSetup.utterances(for: sets, directory: CLISupport.fileURL(directory),
                                                                        limit: utterances)
            for set in described where !set.sameAs.isEmpty {
                CLISupport.printToStandardError("bench-training: \(set.sameAs.joined(separator: ", ")) time the same steps as \(set.name): run once")
            }
            // Under mpirun every process times its share of each step; rank 0 reports.
            let group = DataParallelLaunch.group
            let report = try TrainingBenchmark.run(paths: {
                try sets.flatMap { set in
                    try TrainingBenchmarkSetup.paths(for: set, utterances: audioByFeatures[set.features.canonicalJSON] ?? [],
                                                     selected: selected, seed: seed, group: group)
                }
            }, models: described, options: options, processes: group.size) { line in
                if group.isPrimary { CLISupport.printToStandardError("bench-training: " + line) }
            }
            try group.barrier()
            guard group.isPrimary else { return }
            print(report.table)
            if let json { try AtomicFile.write(report.jsonData(), to: CLISupport.fileURL(json)) }
        }
    }
}
