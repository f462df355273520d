import FileFormats
import Foundation
import Training

/// Runs a range of stages of one experiment: skips stages already complete under the current
/// config, resumes an interrupted one from its checkpoints, re-runs changed ones, and stops at
/// the first failure with a message naming the stage and its log (earlier stages stay intact).
public struct PipelineRunner {
    public let experiment: Experiment
    /// Runs stages even if complete (`--force`).
    public var force = false

    public init(experiment: Experiment) { self.experiment = experiment }

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
        let lock = try ExperimentLock(directory: experiment.root)
        defer { withExtendedLifetime(lock) {} }
        return try runLocked(stage)
    }

    @discardableResult
    private func runLocked(_ stage: Stage) throws -> Bool {
        if experiment.isComplete(stage) && !force {
            FileHandle.standardError.write(Data("== \(stage): complete, skipped (\(experiment.directory(stage).path))\n".utf8))
            return false
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
        do {
            switch stage {
            case .prepare: try PrepareStage.run(PrepareInputs(config), stages: stages, directory: directory, sink: sink)
            case .trainTeacher:
                try TrainTeacherStage.run(TrainTeacherInputs(config), stages: stages, directory: directory, sink: sink)
            case .distill: try DistillStage.run(DistillInputs(config), stages: stages, directory: directory, sink: sink)
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
        let lock = try ExperimentLock(directory: experiment.root)
        defer { withExtendedLifetime(lock) {} }
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
