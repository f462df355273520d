import Foundation
import Configuration

/// The learning rate as a function of the step: an optional linear warm-up, then constant or
/// step decay. `step` is the number of updates already applied (0 for the first update).
///
/// ```
/// lr(step) = learning_rate * warmup(step) * decay(step)
/// warmup(step) = min(1, (step + 1) / warmup_steps)     (1 when warmup_steps = 0)
/// decay(step)  = 1                                     for `constant`
///              = decay_factor ^ floor(step / decay_every_steps)   for `step`
/// ```
/// Decay counts from step 0, not from the end of the warm-up, so the two never shift each other.
///
/// In configs (snake_case, unknown keys rejected):
/// `{learning_rate: 1.0e-3, decay: step, decay_every_steps: 200000, decay_factor: 0.5, warmup_steps: 1000}`;
/// `decay_every_steps` and `decay_factor` are required by `step` and rejected with `constant`.
public struct LearningRateSchedule: Codable, Sendable, Equatable, ValidatableConfig {
    public enum Decay: String, Codable, Sendable, CaseIterable {
        case constant
        case step
    }

    /// The peak learning rate.
    public var learningRate: Double
    public var decay: Decay
    /// Steps between multiplications by `decayFactor` (step decay only).
    public var decayEverySteps: Int?
    /// The factor gamma applied every `decayEverySteps` (step decay only).
    public var decayFactor: Double?
    /// Length of the linear warm-up; 0 disables it.
    public var warmupSteps: Int

    /// A constant rate, optionally reached by a linear warm-up.
    public static func constant(_ learningRate: Double, warmupSteps: Int = 0) -> LearningRateSchedule {
        LearningRateSchedule(learningRate: learningRate, decay: .constant, decayEverySteps: nil,
                             decayFactor: nil, warmupSteps: warmupSteps)
    }

    /// The rate multiplied by `factor` every `every` steps, optionally after a linear warm-up.
    public static func stepDecay(_ learningRate: Double, every: Int, factor: Double,
                                 warmupSteps: Int = 0) -> LearningRateSchedule {
        LearningRateSchedule(learningRate: learningRate, decay: .step, decayEverySteps: every,
                             decayFactor: factor, warmupSteps: warmupSteps)
    }

    public func learningRate(at step: Int) -> Double {
        let step = max(step, 0)
        var rate = learningRate
        if warmupSteps > 0 {
            rate *= min(1, Double(step + 1) / Double(warmupSteps))
        }
        if decay == .step, let every = decayEverySteps, let factor = decayFactor, every > 0 {
            rate *= pow(factor, Double(step / every))
        }
        return rate
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case learningRate = "learning_rate"
        case decay
        case decayEverySteps = "decay_every_steps"
        case decayFactor = "decay_factor"
        case warmupSteps = "warmup_steps"
    }

    public init(learningRate: Double, decay: Decay, decayEverySteps: Int?, decayFactor: Double?, warmupSteps: Int) {
        self.learningRate = learningRate
        self.decay = decay
        self.decayEverySteps = decayEverySteps
        self.decayFactor = decayFactor
        self.warmupSteps = warmupSteps
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(learningRate: try c.decode(Double.self, forKey: .learningRate),
                  decay: try c.decodeIfPresent(Decay.self, forKey: .decay) ?? .constant,
                  decayEverySteps: try c.decodeIfPresent(Int.self, forKey: .decayEverySteps),
                  decayFactor: try c.decodeIfPresent(Double.self, forKey: .decayFactor),
                  warmupSteps: try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? 0)
        try validate(path: dottedPath(decoder.codingPath))
    }

    public func validate(path: String) throws {
        try Require.that(learningRate.isFinite && learningRate > 0, key(path, "learning_rate"),
                         "must be positive (got \(learningRate))")
        try Require.that(warmupSteps >= 0, key(path, "warmup_steps"), "must be zero or positive (got \(warmupSteps))")
        switch decay {
        case .constant:
            try Require.that(decayEverySteps == nil, key(path, "decay_every_steps"), "only applies to decay: step")
            try Require.that(decayFactor == nil, key(path, "decay_factor"), "only applies to decay: step")
        case .step:
            guard let every = decayEverySteps else {
                throw ConfigError(.missingKey, path: key(path, "decay_every_steps"))
            }
            guard let factor = decayFactor else { throw ConfigError(.missingKey, path: key(path, "decay_factor")) }
            try Require.that(every > 0, key(path, "decay_every_steps"), "must be positive (got \(every))")
            try Require.that(factor.isFinite && factor > 0, key(path, "decay_factor"), "must be positive (got \(factor))")
        }
    }
}
