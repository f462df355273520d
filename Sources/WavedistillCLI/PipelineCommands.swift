import ArgumentParser
import Foundation
import Pipeline
import Training

/// Options shared by every stage command.
struct StageOptions: ParsableArguments {
    @Option(help: "Pipeline YAML file (e.g. Pipelines/quickstart.yaml).")
    var config: String

    @Option(name: .customLong("exp-dir"), help: "Experiment directory (default: exp/<pipeline name>).")
    var experimentDirectory: String?

    @Flag(help: "Run the stage even if it is complete under the current config.")
    var force = false

    func experiment() throws -> Experiment {
        let pipeline = try PipelineConfig.load(CLISupport.fileURL(config))
        return Experiment(config: pipeline, directory: experimentDirectory.map(CLISupport.fileURL))
    }

    /// Runs one stage with the runner's bookkeeping (skip, resume, invalidate, log).
    func run(_ stage: Stage) throws {
        let group = DataParallelLaunch.group
        if group.isPrimary { InterruptReport.install(resumeCommand: CLISupport.sameCommand()) }
        try CLISupport.reportingErrors {
            var runner = PipelineRunner(experiment: try experiment(), group: group)
            runner.force = force
            try runner.run(stage)
        }
    }
}

/// `wavedistill run PIPELINE.yaml [--stage N] [--stop-stage M] [--exp-dir DIR]`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline's stages in order: 1 prepare, 2 train-teacher, 3 distill, 4 synthesize, 5 evaluate, 6 bench.",
        discussion: """
            Completed stages are skipped; a stage whose config (or an earlier stage's) changed is re-run \
            with everything after it; an interrupted stage resumes from its last checkpoint. Outputs go to \
            exp/<name>/NN-<stage>/, and exp/<name>/summary.json lists every artifact.
            """)

    @Argument(help: "Pipeline YAML file.")
    var pipeline: String

    @Option(help: "First stage to run (1-6).")
    var stage: Int?

    @Option(name: .customLong("stop-stage"), help: "Last stage to run (1-6).")
    var stopStage: Int?

    @Option(name: .customLong("exp-dir"), help: "Experiment directory (default: exp/<pipeline name>).")
    var experimentDirectory: String?

    /// A bad stage range is a usage error: refused before the pipeline file is read.
    func validate() throws {
        do {
            _ = try PipelineRunner.stageRange(start: stage, stop: stopStage)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        let group = DataParallelLaunch.group
        if group.isPrimary { InterruptReport.install(resumeCommand: CLISupport.sameCommand()) }
        try CLISupport.reportingErrors {
            let range = try PipelineRunner.stageRange(start: stage, stop: stopStage)
            let config = try PipelineConfig.load(CLISupport.fileURL(pipeline))
            let runner = PipelineRunner(experiment: Experiment(config: config,
                                                               directory: experimentDirectory.map(CLISupport.fileURL)),
                                        group: group)
            try runner.run(stages: range)
        }
    }
}

struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare", abstract: "Stage 1: split the audio, resample it, and compute log-mel features.")
    @OptionGroup var options: StageOptions
    func run() throws { try options.run(.prepare) }
}

struct TrainTeacherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-teacher", abstract: "Stage 2: train the WaveNet teacher by maximum likelihood.")
    @OptionGroup var options: StageOptions
    func run() throws { try options.run(.trainTeacher) }
}

struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill", abstract: "Stage 3: distill the IAF student from the teacher (reverse KL + spectral losses).")
    @OptionGroup var options: StageOptions
    func run() throws { try options.run(.distill) }
}

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Stage 5: teacher NLL, student KL, and LSD/MCD of teacher, student and Griffin-Lim copy synthesis.")
    @OptionGroup var options: StageOptions
    func run() throws { try options.run(.evaluate) }
}
