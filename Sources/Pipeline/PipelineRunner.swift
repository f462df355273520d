import FileFormats
import Foundation
import Training

/// Runs a range of stages of one experiment: skips stages already complete under the current
/// config, resumes an interrupted one from its checkpoints, re-runs changed ones, and stops at
/// the first failure with a message naming the stage and its log (earlier stages stay intact).
///
/// Under `mpirun` (a `group` of N processes) every process runs the runner: the primary
/// (rank 0) alone holds the experiment's lock, decides which stages run (and tells the others),
/// writes every file, and runs the stages that are not training; the training stages run on
/// all N, each process taking its share of every batch (`TrainingLoop`). The experiment
/// directory must be one all processes see (one machine, or a shared file system).
public struct PipelineRunner {
    public let experiment: Experiment
    /// Runs stages even if complete (`--force`).
    public var force = false
    /// The processes running this pipeline together (alone by default).
    public var group: any ProcessGroup

    public init(experiment: Experiment, group: any ProcessGroup = SingleProcess()) {
        self.experiment = experiment
        self.group = group
    }

    /// Checks `--stage/--stop-stage` against the fixed stage numbers.
    public static func stageRange(start: Int?, stop: Int?) throws -> ClosedRange<Int> {
        let first = Stage.allCases.first!.rawValue, last = Stage.allCases.last!.rawValue
        let a = start ?? first, b = stop ?? last
        let names = Stage.allCases.map { "\($0.rawValue)=\($0.name)" }.joined(separator: ", ")
        guard (first...last).contains(a), (first...last).contains(b) else {
            throw PipelineError.badStageRange("stages are numbered \(first)...\(last) (\(names)); got --stage \(a) --stop-stage \(b)")
        }
        guard a <= b else {
            throw PipelineError.badStageRange("--stage \(a) is after --stop-stage \(b)")
        }
        return a...b
    }

    /// Runs one stage (if needed), holding the experiment's lock. Returns false when it was
    /// skipped as complete.
    @discardableResult
    public func run(_ stage: Stage) throws -> Bool {
        try checkGroup(stages: stage.rawValue...stage.rawValue)
        let lock = group.isPrimary ? try ExperimentLock(directory: experiment.root) : nil
        defer { withExtendedLifetime(lock) {} }
        let ran = try runLocked(stage)
        try group.barrier()
        return ran
    }

    /// Before anything runs in a group: every process must have read the same pipeline (a stale
    /// or broken copy of the recipe on one machine is named by its rank), and every training
    /// stage's global batch must split into equal shares (a config error naming its key).
    private func checkGroup(stages range: ClosedRange<Int>) throws {
        guard group.size > 1 else { return }
        let lastStage = Stage.allCases.last ?? .bench
        try group.requireAgreement(UInt64(experiment.hash(lastStage), radix: 16) ?? 0,
                                   on: "the pipeline config (hash of every stage's inputs)",
                                   describe: { String($0, radix: 16) })
        let path = experiment.root.standardizedFileURL.path
        let pathHash = path.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        try group.requireAgreement(pathHash, on: "the experiment directory",
                                   describe: { $0 == pathHash ? path : "another path" })
        for n in range {
            switch Stage(rawValue: n) {
            case .trainTeacher:
                _ = try BatchShare(globalBatch: experiment.config.training.teacher.batchSize, rank: group.rank,
                                   size: group.size, key: TrainTeacherStage.batchSizeKey)
            case .distill:
                _ = try BatchShare(globalBatch: experiment.config.training.student.batchSize, rank: group.rank,
                                   size: group.size, key: DistillStage.batchSizeKey)
            default: break
            }
        }
    }

    @discardableResult
    private func runLocked(_ stage: Stage) throws -> Bool {
        // The primary decides, so that every process takes the same path.
        let skip = try group.broadcast(group.isPrimary && experiment.isComplete(stage) && !force)
        if skip {
            if group.isPrimary {
                FileHandle.standardError.write(Data("== \(stage): complete, skipped (\(experiment.directory(stage).path))\n".utf8))
            }
            return false
        }
        if !group.isPrimary {
            try runAsMember(stage)
            return true
        }
        try experiment.requireUpstream(stage)
        try MemoryEstimate.check(stage, config: experiment.config)
        let (directory, resuming): (URL, Bool)
        do {
            (directory, resuming) = try experiment.begin(stage)
        } catch {
            // A read-only or full experiment directory: its path and the POSIX reason, not an NSError dump.
            throw PipelineError.cannotWrite(path: experiment.directory(stage).path, reason: ExperimentLock.reason(error))
        }
        InterruptReport.enter(stage, directory: directory)
        let logURL = directory.appendingPathComponent("log.txt")
        let sink = try LogSink(file: logURL)
        sink.line("== \(stage)\(resuming ? " (resuming)" : ""): \(directory.path)")
        let started = Date()
        // Each body gets its inputs (the config keys its hash covers) and the directories, not the config.
        let config = experiment.config, stages = experiment.directories
        // The other processes start a training stage once its directory is ready.
        if stage.isTraining { try group.barrier() }
        do {
            switch stage {
            case .prepare: try PrepareStage.run(PrepareInputs(config), stages: stages, directory: directory, sink: sink)
            case .trainTeacher:
                try TrainTeacherStage.run(TrainTeacherInputs(config), stages: stages, directory: directory, sink: sink,
                                          group: group)
            case .distill:
                try DistillStage.run(DistillInputs(config), stages: stages, directory: directory, sink: sink, group: group)
            case .synthesize:
                try SynthesizeStage.run(SynthesizeInputs(config), stages: stages, directory: directory, sink: sink)
            case .evaluate:
                try EvaluateStage.run(EvaluateInputs(config), stages: stages, directory: directory, sink: sink)
            case .bench: try BenchStage.run(BenchInputs(config), stages: stages, directory: directory, sink: sink)
            }
        } catch {
            sink.line("\(stage) failed: \(error)", terminal: false)
            throw PipelineError.failed(stage: stage, underlying: "\(error)", log: logURL.path)
        }
        try experiment.finish(stage)
        sink.line(String(format: "== %@ done in %.1f s", stage.description, Date().timeIntervalSince(started)))
        if stage == .evaluate || stage == .bench { writeReport(sink: sink) }
        return true
    }

    /// A process other than the primary: takes its share of a training stage once the primary
    /// has prepared the stage's directory; every other stage is the primary's alone.
    private func runAsMember(_ stage: Stage) throws {
        guard stage.isTraining else { return }
        try group.barrier()
        let config = experiment.config, stages = experiment.directories, directory = experiment.directory(stage)
        if stage == .trainTeacher {
            try TrainTeacherStage.run(TrainTeacherInputs(config), stages: stages, directory: directory, sink: .silent,
                                      group: group)
        } else {
            try DistillStage.run(DistillInputs(config), stages: stages, directory: directory, sink: .silent, group: group)
        }
    }

    /// (Re)writes exp/<name>/report.html once there is something to show (after evaluate, and
    /// after bench so that its tables land). A report that cannot be written is a warning in the
    /// stage's log, not a failed stage: it only presents the stage's outputs.
    private func writeReport(sink: LogSink) {
        do {
            let outcome = try ExperimentReport.write(experimentDirectory: experiment.root)
            sink.line("report: \(outcome.url.path) (\(outcome.figures) spectrogram figure\(outcome.figures == 1 ? "" : "s"); open it in a browser)")
        } catch {
            sink.line("report: warning: not written: \(error)")
        }
    }

    /// Runs `range` in order, then writes `summary.json` and prints the summary.
    public func run(stages range: ClosedRange<Int>) throws {
        try checkGroup(stages: range)
        if group.isPrimary {
            let lock = try ExperimentLock(directory: experiment.root)
            defer { withExtendedLifetime(lock) {} }
            try runAsPrimary(stages: range)
        } else {
            for n in range {
                guard let stage = Stage(rawValue: n) else { continue }
                try runLocked(stage)
            }
        }
        // Everybody leaves together (a member that left early would wait in MPI's finalize).
        try group.barrier()
    }

    private func runAsPrimary(stages range: ClosedRange<Int>) throws {
        // Before the first stage: a distill that cannot fit should not wait for a teacher.
        for n in range {
            if let stage = Stage(rawValue: n), !experiment.isComplete(stage) { try MemoryEstimate.check(stage, config: experiment.config) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(encoder.encode(experiment.config), to: experiment.root.appendingPathComponent("pipeline.json"))
        for n in range {
            guard let stage = Stage(rawValue: n) else { continue }
            try runLocked(stage)
        }
        let summary = try RunSummary.collect(experiment)
        try summary.write(to: experiment.root.appendingPathComponent("summary.json"))
        print(summary.text(experiment))
    }
}
