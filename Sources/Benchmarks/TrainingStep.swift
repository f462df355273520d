import Optimization
import Randomness
import Tensors
import Training

/// One training step the training benchmark times, as a closure: forward and backward, then the
/// hook (`afterGradients`, where a data-parallel run reduces the gradients across ranks), then
/// the optimiser. The step is a function of its hook so that the same paths time a single
/// process and an `mpirun` run alike.
public struct TrainingStepPath {
    /// `teacher_step`, `distill_step` (spectral losses as configured) or
    /// `distill_step_no_spectral` (the same objective with every spectral weight 0).
    public var path: String
    /// The model set: a preset name or a recipe's `name`.
    public var model: String
    /// Crops per step and samples per crop (all of one process; per rank under mpirun).
    public var batch: Int
    public var cropSamples: Int
    /// Mel frames per crop (the upsampler's input length).
    public var frames: Int
    public var flops: TrainingFLOPCount.Step
    /// Trained parameters (floats): what Adam, clipping and the EMA touch each step.
    public var parameterCount: Int
    /// K of the Monte-Carlo cross-entropy (distillation with a logistic student only).
    public var klSamples: Int?
    /// Frozen-teacher passes per step (2 with the contrastive term; distillation only).
    public var teacherPasses: Int?
    /// Names of the spectral losses in the objective (empty: none).
    public var spectralLosses: [String]
    /// Runs one step; calls its argument between the backward and the optimiser.
    public var step: (_ afterGradients: () throws -> Void) throws -> Void
    /// Seconds the last step spent reducing gradients over the process group (0 alone).
    public var lastAllreduceSeconds: () -> Double = { 0 }

    public init(path: String, model: String, batch: Int, cropSamples: Int, frames: Int, flops: TrainingFLOPCount.Step,
                parameterCount: Int, klSamples: Int? = nil, teacherPasses: Int? = nil, spectralLosses: [String] = [],
                step: @escaping (_ afterGradients: () throws -> Void) throws -> Void) {
        self.path = path
        self.model = model
        self.batch = batch
        self.cropSamples = cropSamples
        self.frames = frames
        self.flops = flops
        self.parameterCount = parameterCount
        self.klSamples = klSamples
        self.teacherPasses = teacherPasses
        self.spectralLosses = spectralLosses
        self.step = step
    }

    /// Samples of audio one step trains on.
    public var samplesPerStep: Int { batch * cropSamples }
}

/// What `TrainingLoop` does with one step of a `TrainingTask`, without its checkpoints, logs and
/// validation: zero the gradients, `computeGradients` (a fresh batch from the task's own crop
/// sampler, the step's own random stream), the hook, the finite check, clipping, Adam, EMA.
/// A step whose loss or gradients are not finite skips the update, as in training, and is counted.
/// In a process group (`mpirun`), each member computes its share of the batch and the gradients
/// are averaged over the group before the hook, as in training.
public final class TaskStepper {
    public let task: any TrainingTask
    public let settings: TrainingSettings
    public let seed: UInt64
    public let share: BatchShare
    private var allreduce: GradientAllreduce
    /// Seconds the last step spent in the gradient allreduce.
    public var lastAllreduceSeconds: Double { allreduce.lastSeconds }
    private var adam: Adam
    private var ema: ExponentialMovingAverage?
    private var nextStep = 0
    /// Steps whose update was skipped (non-finite loss or gradients).
    public private(set) var skippedSteps = 0
    /// The last step's losses (the benchmark checks they are finite).
    public private(set) var lastLosses: [String: Double] = [:]

    public init(task: any TrainingTask, settings: TrainingSettings, seed: UInt64,
                group: any ProcessGroup = SingleProcess()) throws {
        self.task = task
        self.settings = settings
        self.seed = seed
        share = try BatchShare(globalBatch: settings.batchSize, rank: group.rank, size: group.size, key: "batch_size")
        allreduce = GradientAllreduce(group: group, parameters: task.parameters)
        adam = Adam(for: task.parameters, hyperparameters: settings.adam)
        ema = settings.emaDecay > 0 ? ExponentialMovingAverage(tracking: task.parameters, decay: settings.emaDecay) : nil
    }

    /// One optimiser step; `afterGradients` runs where `TrainingLoop` calls its gradient reducer.
    public func step(afterGradients: () throws -> Void) throws {
        let parameters = task.parameters
        let step = nextStep
        nextStep += 1
        parameters.zeroGradients()
        var result = try task.computeGradients(step: step, crops: share.crops,
                                               streams: CropStreams(seed: seed, step: step))
        try allreduce.reduce(parameters, result: &result)
        try afterGradients()
        lastLosses = result.losses
        guard result.loss.isFinite, (try? parameters.checkGradientsAreFinite()) != nil else {
            skippedSteps += 1
            return
        }
        if settings.gradientClip > 0 {
            _ = parameters.clipGradients(maxGlobalNorm: settings.gradientClip)
        } else {
            _ = parameters.gradientGlobalNorm()
        }
        try adam.update(parameters, learningRate: settings.schedule.learningRate(at: step))
        try ema?.update(from: parameters)
    }
}
