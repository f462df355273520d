import Configuration

/// Settings of the Griffin-Lim baseline (YAML section e.g. `evaluate.griffin_lim`).
///
///     griffin_lim:
///       iterations: 32                 # phase-retrieval iterations (>= 1)
///       momentum: 0.0                  # 0: classic Griffin-Lim; 0.99: "fast Griffin-Lim" (Perraudin et al. 2013)
///       mel_inversion_iterations: 200  # multiplicative NNLS updates from mel to linear magnitude (0: initial guess only)
///       seed: 0                        # seed of the random initial phase
///
/// Missing keys keep these defaults; unknown keys are errors.
public struct GriffinLimConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// Key `iterations`.
    public var iterations: Int = 32
    /// alpha of fast Griffin-Lim, in [0, 1). Key `momentum`.
    public var momentum: Double = 0
    /// Key `mel_inversion_iterations`.
    public var melInversionIterations: Int = 200
    /// Key `seed`.
    public var seed: UInt64 = 0

    public init(iterations: Int = 32, momentum: Double = 0, melInversionIterations: Int = 200, seed: UInt64 = 0) {
        self.iterations = iterations
        self.momentum = momentum
        self.melInversionIterations = melInversionIterations
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case iterations, momentum, seed
        case melInversionIterations = "mel_inversion_iterations"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        iterations = try c.value(.iterations, default: iterations)
        momentum = try c.value(.momentum, default: momentum)
        melInversionIterations = try c.value(.melInversionIterations, default: melInversionIterations)
        seed = try c.value(.seed, default: seed)
        try validate(path: dottedPath(decoder.codingPath))
    }

    public func validate(path: String) throws {
        try Require.that(iterations >= 1 && iterations <= 10_000, key(path, "iterations"),
                         "must be in 1...10000 (got \(iterations))")
        try Require.that(momentum.isFinite && momentum >= 0 && momentum < 1, key(path, "momentum"),
                         "must be in [0, 1) (got \(momentum)); 0.99 is fast Griffin-Lim")
        try Require.that(melInversionIterations >= 0 && melInversionIterations <= 100_000,
                         key(path, "mel_inversion_iterations"), "must be in 0...100000 (got \(melInversionIterations))")
    }
}
