import Configuration
import SpectralLosses

/// YAML `losses:`: the distillation objective (DESIGN §5). A weight of 0 disables a term.
public struct LossesConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// Weight of the KL term KL(P_S || P_T).
    public var klWeight: Double = 1
    /// K: fresh student samples per time step in the Monte-Carlo cross-entropy (logistic
    /// student; the Gaussian student's KL is closed form and draws none).
    public var klSamples: Int = 16
    /// lambda of the Gaussian (ClariNet) variant: the KL term gets lambda (log s_T - log s_S)^2
    /// per step added (used only with `student.base: gaussian`, `teacher.head.kind: gaussian`).
    public var gaussianKLLambda: Double = 4
    /// Weight of the power loss |STFT| averaged over frames (without it the student whispers).
    public var powerWeight: Double = 1
    public var power: PowerLossConfig = PowerLossConfig()
    /// Weight of the multi-resolution STFT loss (spectral convergence + log magnitude).
    public var mrStftWeight: Double = 0
    public var mrStft: MultiResolutionSTFTConfig = MultiResolutionSTFTConfig()
    /// gamma of the contrastive term KL(P_S(c)||P_T(c)) - gamma KL(P_S(c)||P_T(c')); 0 disables.
    /// c' is another batch item's conditioning: needs training.student.batch_size >= 2.
    public var contrastiveGamma: Double = 0

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case klWeight = "kl_weight"
        case klSamples = "kl_samples"
        case gaussianKLLambda = "gaussian_kl_lambda"
        case powerWeight = "power_weight"
        case power
        case mrStftWeight = "mr_stft_weight"
        case mrStft = "mr_stft"
        case contrastiveGamma = "contrastive_gamma"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        klWeight = try c.value(.klWeight, default: klWeight)
        klSamples = try c.value(.klSamples, default: klSamples)
        gaussianKLLambda = try c.value(.gaussianKLLambda, default: gaussianKLLambda)
        powerWeight = try c.value(.powerWeight, default: powerWeight)
        power = try c.value(.power, default: power)
        mrStftWeight = try c.value(.mrStftWeight, default: mrStftWeight)
        mrStft = try c.value(.mrStft, default: mrStft)
        contrastiveGamma = try c.value(.contrastiveGamma, default: contrastiveGamma)
    }

    public func validate(path: String) throws {
        try Require.that(klWeight >= 0, key(path, "kl_weight"), "must be >= 0")
        try Require.that(klSamples >= 1 && klSamples <= 1000, key(path, "kl_samples"), "must be in 1...1000")
        try Require.that(gaussianKLLambda.isFinite && gaussianKLLambda >= 0 && gaussianKLLambda <= 1000,
                         key(path, "gaussian_kl_lambda"), "must be in [0, 1000] (ClariNet uses 4)")
        try Require.that(powerWeight >= 0, key(path, "power_weight"), "must be >= 0")
        try Require.that(mrStftWeight >= 0, key(path, "mr_stft_weight"), "must be >= 0")
        try Require.that(contrastiveGamma >= 0 && contrastiveGamma < 1, key(path, "contrastive_gamma"), "must be in [0, 1)")
        try Require.that(klWeight + powerWeight + mrStftWeight > 0, path.isEmpty ? "losses" : path,
                         "at least one loss weight must be positive")
        try power.validate(path: key(path, "power"))
        try mrStft.validate(path: key(path, "mr_stft"))
    }
}
