import Foundation
import Optimization
import Randomness
import Tensors

/// What the training loop needs from the model being trained. The teacher's maximum
/// likelihood and the student's distillation are both `TrainingTask`s; everything else
/// (optimiser, EMA, clipping, checkpoints, resume, logging) lives in `TrainingLoop` once.
public protocol TrainingTask {
    /// The trainable parameters, in checkpoint order.
    var parameters: ParameterSet { get }
    /// Metadata stored with the weights (format, model and feature configs) at `step`.
    func metadata(step: Int) -> CheckpointMetadata
    /// Forward and backward of the mean loss over `crops`, this process's share of the step's
    /// global batch (all of it alone). Gradients are zero on entry; the task adds into them.
    /// Crop `i` draws everything random from `streams.stream(crop: i)` (a function of seed,
    /// step and crop only), so a resumed run, or the same batch split over processes, draws
    /// exactly what one uninterrupted process would.
    func computeGradients(step: Int, crops: Range<Int>, streams: CropStreams) throws -> StepResult
    /// Validation metrics under the current weights (the loop swaps the EMA weights in).
    func validate() throws -> [String: Double]
}

/// The outcome of one step's forward/backward.
public struct StepResult {
    /// Named loss terms; `"loss"` is the objective whose gradient was computed.
    public var losses: [String: Double]
    /// Audio samples processed (for the samples/s figure; after the reduce, by the whole group).
    public var samples: Int

    public init(losses: [String: Double], samples: Int) {
        self.losses = losses
        self.samples = samples
    }

    public var loss: Double { losses["loss"] ?? .nan }
}

public enum TrainingError: Error, CustomStringConvertible {
    case diverged(step: Int, badSteps: Int, reason: String, lastCheckpoint: String?)
    /// The failure asked for by `TrainingLoop.injectedFailureVariable` (tests of failure handling).
    case injectedFailure(step: Int)

    public var description: String {
        switch self {
        case let .injectedFailure(step):
            return "injected failure at step \(step) (\(TrainingLoop.injectedFailureVariable) is set)"
        case let .diverged(step, badSteps, reason, lastCheckpoint):
            return "training stopped at step \(step) after \(badSteps) consecutive non-finite steps (\(reason)); "
                + (lastCheckpoint.map { "the last good checkpoint is \($0)" } ?? "no checkpoint was written yet")
        }
    }
}

/// Adam + EMA + gradient clipping + periodic atomic checkpoints + resume + metrics, for any
/// `TrainingTask`.
///
/// Layout of `directory`:
/// ```
/// checkpoints/step-NNNNNNNN/   complete checkpoints (see CheckpointStore), `latest`
/// metrics.jsonl                one JSON object per logged step and per validation
/// ```
/// A killed run started again with the same settings resumes from the last complete
/// checkpoint and ends with the same weights as an uninterrupted run (same seed and threads),
/// because each crop's randomness is derived from (seed, step, crop) alone.
///
/// With a `group` of N processes (data parallelism, `ProcessGroup`), each takes an equal share
/// of `settings.batchSize` crops, the gradients are averaged over the group after every step,
/// and every member applies the same update. Only the primary (rank 0) writes checkpoints,
/// metrics, progress and the final weights, and only it validates; every member restores from
/// the same checkpoint, so a run can resume with another N.
///
/// A step whose loss or gradients are not finite is not applied (the weights and the
/// optimiser state stay as they were) and is reported; `maxBadSteps` such steps in a row stop
/// the run with an error naming the last good checkpoint.
public struct TrainingLoop {
    public let settings: TrainingSettings
    public let directory: URL
    public let seed: UInt64
    public let label: String
    /// The processes training this model together (alone by default).
    public var group: any ProcessGroup = SingleProcess()
    /// The config key of `settings.batchSize`, for the error when it does not split over the group.
    public var batchSizeKey: String
    /// Progress lines and messages (stderr and the stage's log file).
    public var sink: LogSink = .standardError

    public init(settings: TrainingSettings, directory: URL, seed: UInt64, label: String,
                batchSizeKey: String = "batch_size") {
        self.settings = settings
        self.directory = directory
        self.seed = seed
        self.label = label
        self.batchSizeKey = batchSizeKey
    }

    /// A testing hook: a process whose environment sets this to a step number fails with an
    /// error at that step. Under `mpirun` it is set for one rank only (`-x` in one app context),
    /// to check that one member's failure ends the whole job with a message naming it.
    public static let injectedFailureVariable = "WAVEDISTILL_FAIL_AT_STEP"

    /// The result of a run.
    public struct Summary {
        public var finalStep: Int
        public var resumedFrom: Int?
        public var lastLosses: [String: Double]
        public var validation: [String: Double]
        public var skippedSteps: Int
        public var seconds: Double
    }

    public var checkpointDirectory: URL { directory.appendingPathComponent("checkpoints") }

    /// Trains to `settings.steps`, then writes the evaluation weights (EMA if enabled) with
    /// metadata to `finalWeights` atomically.
    public mutating func run(_ task: TrainingTask, finalWeights: URL) throws -> Summary {
        let fm = FileManager.default
        let primary = group.isPrimary
        let share = try BatchShare(globalBatch: settings.batchSize, rank: group.rank, size: group.size,
                                   key: batchSizeKey)
        if primary { try fm.createDirectory(at: directory, withIntermediateDirectories: true) }
        let parameters = task.parameters
        let store = CheckpointStore(directory: checkpointDirectory, keepLast: settings.keepCheckpoints)
        let format = task.metadata(step: 0).format
        // Every member restores the same checkpoint (the experiment directory is shared); the
        // primary wrote it, and the members must agree on where they start.
        let restored = try store.restore(into: parameters, expectedFormat: format)
        var adam = restored?.optimizer ?? Adam(for: parameters, hyperparameters: settings.adam)
        var ema = restored?.ema
            ?? (settings.emaDecay > 0 ? ExponentialMovingAverage(tracking: parameters, decay: settings.emaDecay) : nil)
        let startStep = restored?.state.step ?? 0
        try group.requireAgreement(UInt64(startStep), on: "the step to resume from")
        try group.requireAgreement(parameters.fingerprint(), on: "the starting weights",
                                   describe: { String(format: "fingerprint %016llx", $0) })
        var bestValidation = restored?.state.bestValidationLoss
        let metrics: MetricsLog? = try primary ? MetricsLog(url: directory.appendingPathComponent("metrics.jsonl"),
                                                             resumingAt: restored == nil ? nil : startStep) : nil
        let progress = ProgressReporter(label: label, total: settings.steps, startCount: startStep,
                                        sink: primary ? sink : .silent)
        if group.size > 1 {
            progress.message("\(label): \(group.size) processes, \(share.crops.count) of \(settings.batchSize) crops each per step")
        }
        var allreduce = GradientAllreduce(group: group, parameters: parameters)
        if let restored {
            progress.message("\(label): resuming from \(restored.entry.url.path) (step \(startStep))")
        }
        let started = Date()
        var lastLosses: [String: Double] = [:]
        var validation: [String: Double] = [:]
        var validatedStep: Int?
        var badSteps = 0
        var skipped = 0
        var lastCheckpoint = restored?.entry.url.path

        func checkpoint(_ done: Int) throws {
            guard primary else { return }
            let state = TrainingState(step: done, rngSeed: seed, rngPosition: UInt64(done),
                                      bestValidationLoss: bestValidation)
            lastCheckpoint = try store.save(model: parameters, metadata: task.metadata(step: done), optimizer: adam,
                                            ema: ema, state: state).path
        }

        func runValidation(_ done: Int) throws {
            validatedStep = done
            guard primary else { return }
            let values: [String: Double]
            if var averaged = ema {
                values = try averaged.withAveragedWeights(in: parameters) { try task.validate() }
                ema = averaged
            } else {
                values = try task.validate()
            }
            validation = values
            if let loss = values["loss"], loss.isFinite { bestValidation = min(bestValidation ?? loss, loss) }
            metrics?.write(step: done, split: "valid", values: values)
            let text = values.sorted { $0.key < $1.key }.map { "\($0.key) \(ProgressReporter.format($0.value))" }
            progress.message("\(label): step \(done) validation: " + text.joined(separator: ", "))
        }

        let failAt = ProcessInfo.processInfo.environment[Self.injectedFailureVariable].flatMap { Int($0) }
        for step in startStep..<max(startStep, settings.steps) {
            let done = step + 1
            if done == failAt { throw TrainingError.injectedFailure(step: done) }
            parameters.zeroGradients()
            var result = try task.computeGradients(step: step, crops: share.crops,
                                                   streams: CropStreams(seed: seed, step: step))
            try allreduce.reduce(parameters, result: &result)
            var problem: String?
            if !result.loss.isFinite {
                problem = "loss is \(result.loss)"
            } else {
                do { try parameters.checkGradientsAreFinite() } catch { problem = "\(error)" }
            }
            if let problem {
                badSteps += 1
                skipped += 1
                progress.message("\(label): step \(done) skipped: \(problem)")
                metrics?.write(step: done, split: "skipped", values: result.losses)
                if badSteps >= settings.maxBadSteps {
                    throw TrainingError.diverged(step: done, badSteps: badSteps, reason: problem,
                                                 lastCheckpoint: lastCheckpoint)
                }
                continue
            }
            badSteps = 0
            let norm = settings.gradientClip > 0
                ? parameters.clipGradients(maxGlobalNorm: settings.gradientClip).norm
                : parameters.gradientGlobalNorm()
            let learningRate = settings.schedule.learningRate(at: step)
            try adam.update(parameters, learningRate: learningRate)
            try ema?.update(from: parameters)
            lastLosses = result.losses

            if done % settings.logEvery == 0 || done == settings.steps {
                let elapsed = Date().timeIntervalSince(started)
                var values = result.losses
                values["lr"] = learningRate
                values["grad_norm"] = norm
                values["seconds"] = elapsed
                if group.size > 1 { values["allreduce_seconds"] = allreduce.lastSeconds }
                metrics?.write(step: done, split: "train", values: values)
            }
            progress.update(done: done, figures: ["loss": result.loss], perStep: Double(result.samples))
            if settings.validateEvery > 0 && done % settings.validateEvery == 0 && done != settings.steps {
                try runValidation(done)
            }
            if done % settings.checkpointEvery == 0 || done == settings.steps {
                try checkpoint(done)
            }
        }
        progress.finish()
        let finalStep = max(startStep, settings.steps)
        // The reported validation is the final weights' (a periodic one may be many steps old).
        if validatedStep != finalStep { try runValidation(finalStep) }
        // The evaluation weights: the EMA shadow if there is one.
        if !primary {
            // Nothing to write; the members leave together once the primary has written.
        } else if var averaged = ema {
            try averaged.withAveragedWeights(in: parameters) {
                try parameters.save(to: finalWeights, metadata: task.metadata(step: finalStep))
            }
            ema = averaged
        } else {
            try parameters.save(to: finalWeights, metadata: task.metadata(step: finalStep))
        }
        try group.barrier()
        return Summary(finalStep: finalStep, resumedFrom: restored == nil ? nil : startStep, lastLosses: lastLosses,
                       validation: validation, skippedSteps: skipped, seconds: Date().timeIntervalSince(started))
    }
}
