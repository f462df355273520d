import Configuration

/// The small part of a run's state that is not tensors, saved as JSON in each checkpoint
/// (`state.json`, under `training`): enough to continue the run exactly where it stopped.
///
/// JSON keys: `step`, `rng_seed`, `rng_position`, `best_validation_loss` (absent until the first
/// validation), `extra` (string map, e.g. the data loader's epoch). Unknown keys are rejected.
public struct TrainingState: Codable, Sendable, Equatable {
    /// Optimiser steps completed.
    public var step: Int
    /// The run's seed (the key of every Philox stream).
    public var rngSeed: UInt64
    /// How far the trainer's random streams have advanced, in the trainer's own unit (e.g. the
    /// Philox counter of the batch sampler). Philox is counter-based, so (seed, position)
    /// recreates the generators exactly.
    public var rngPosition: UInt64
    public var bestValidationLoss: Double?
    public var extra: [String: String]

    public init(step: Int, rngSeed: UInt64, rngPosition: UInt64 = 0, bestValidationLoss: Double? = nil,
                extra: [String: String] = [:]) {
        self.step = step
        self.rngSeed = rngSeed
        self.rngPosition = rngPosition
        self.bestValidationLoss = bestValidationLoss
        self.extra = extra
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case step
        case rngSeed = "rng_seed"
        case rngPosition = "rng_position"
        case bestValidationLoss = "best_validation_loss"
        case extra
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(step: try c.decode(Int.self, forKey: .step),
                  rngSeed: try c.decode(UInt64.self, forKey: .rngSeed),
                  rngPosition: try c.decode(UInt64.self, forKey: .rngPosition),
                  bestValidationLoss: try c.decodeIfPresent(Double.self, forKey: .bestValidationLoss),
                  extra: try c.decodeIfPresent([String: String].self, forKey: .extra) ?? [:])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(rngSeed, forKey: .rngSeed)
        try c.encode(rngPosition, forKey: .rngPosition)
        try c.encodeIfPresent(bestValidationLoss, forKey: .bestValidationLoss)
        try c.encode(extra, forKey: .extra)
    }
}
