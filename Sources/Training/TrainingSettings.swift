import Configuration
import Optimization

/// How a model is trained (YAML `teacher.training` / `student.training`): the same keys for
/// the teacher and the student, because both go through the same `TrainingLoop`.
public struct TrainingSettings: Codable, Sendable, Equatable, ValidatableConfig {
    /// Optimiser steps in all (a resumed run continues up to this count).
    public var steps: Int = 1000
    /// Utterance crops per step.
    public var batchSize: Int = 4
    /// Samples per crop (rounded down to a multiple of the feature hop).
    public var cropSamples: Int = 8000
    public var schedule: LearningRateSchedule = .constant(1e-3)
    public var adam: AdamHyperparameters = AdamHyperparameters()
    /// Clip the global gradient norm to this value; 0 disables clipping.
    public var gradientClip: Double = 1.0
    /// Polyak averaging decay for the weights used in evaluation and synthesis; 0 disables EMA.
    public var emaDecay: Double = 0.999
    /// Save a checkpoint every this many steps (and at the end).
    public var checkpointEvery: Int = 200
    /// Complete checkpoints to keep.
    public var keepCheckpoints: Int = 2
    /// Evaluate on the validation split every this many steps (and at the end); 0: only at the end.
    public var validateEvery: Int = 0
    /// Write a metrics line every this many steps.
    public var logEvery: Int = 10
    /// Stop after this many consecutive steps with a non-finite loss or gradient.
    public var maxBadSteps: Int = 5

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case steps
        case batchSize = "batch_size"
        case cropSamples = "crop_samples"
        case schedule, adam
        case gradientClip = "gradient_clip"
        case emaDecay = "ema_decay"
        case checkpointEvery = "checkpoint_every"
        case keepCheckpoints = "keep_checkpoints"
        case validateEvery = "validate_every"
        case logEvery = "log_every"
        case maxBadSteps = "max_bad_steps"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        steps = try c.value(.steps, default: steps)
        batchSize = try c.value(.batchSize, default: batchSize)
        cropSamples = try c.value(.cropSamples, default: cropSamples)
        schedule = try c.value(.schedule, default: schedule)
        adam = try c.value(.adam, default: adam)
        gradientClip = try c.value(.gradientClip, default: gradientClip)
        emaDecay = try c.value(.emaDecay, default: emaDecay)
        checkpointEvery = try c.value(.checkpointEvery, default: checkpointEvery)
        keepCheckpoints = try c.value(.keepCheckpoints, default: keepCheckpoints)
        validateEvery = try c.value(.validateEvery, default: validateEvery)
        logEvery = try c.value(.logEvery, default: logEvery)
        maxBadSteps = try c.value(.maxBadSteps, default: maxBadSteps)
    }

    public func validate(path: String) throws {
        try Require.that(steps >= 1 && steps <= 100_000_000, key(path, "steps"), "must be in 1...100000000")
        try Require.that(batchSize >= 1 && batchSize <= 1024, key(path, "batch_size"), "must be in 1...1024")
        // The upper bound (about 10 minutes at 16 kHz) only stops absurd values; whether a crop
        // fits in memory is checked against the machine before the stage starts.
        try Require.that(cropSamples >= 16 && cropSamples <= 10_000_000, key(path, "crop_samples"), "must be in 16...10000000")
        try schedule.validate(path: key(path, "schedule"))
        try adam.validate(path: key(path, "adam"))
        try Require.that(gradientClip >= 0 && gradientClip.isFinite, key(path, "gradient_clip"), "must be >= 0 (0 disables)")
        try Require.that(emaDecay >= 0 && emaDecay < 1, key(path, "ema_decay"), "must be in [0, 1) (0 disables)")
        try Require.that(checkpointEvery >= 1, key(path, "checkpoint_every"), "must be >= 1")
        try Require.that(keepCheckpoints >= 1, key(path, "keep_checkpoints"), "must be >= 1")
        try Require.that(validateEvery >= 0, key(path, "validate_every"), "must be >= 0")
        try Require.that(logEvery >= 1, key(path, "log_every"), "must be >= 1")
        try Require.that(maxBadSteps >= 1, key(path, "max_bad_steps"), "must be >= 1")
    }
}
