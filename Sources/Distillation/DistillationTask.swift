import Corpus
import Distributions
import Foundation
import Optimization
import Randomness
import SignalProcessing
import SpectralLosses
import Student
import Tensors
import Training

/// Trains the IAF student against a frozen teacher (DESIGN §5): each step draws real crops,
/// samples the student on their mel, and minimises
///
///     L = w_kl * [ KL(P_S || P_T(c)) - gamma * KL(P_S || P_T(c')) ]  (+ w_kl * R, Gaussian path)
///       + sum_j w_j * L_j(x_student, x_real)
///
/// where c' is another crop's conditioning (the contrastive term; gamma = 0 disables it) and
/// L_j are the spectral losses (power, multi-resolution STFT). The KL is computed as
/// `divergence` says (fixed by student base and teacher head):
/// - Monte Carlo (logistic base): the bracket is
///   H(P_S, P_T(c)) - gamma * H(P_S, P_T(c')) - (1 - gamma) H(P_S), cross-entropies by sampling;
/// - closed form (Gaussian base and head): mean_t of the per-step Gaussian KL under c and c',
///   and R = mean_t lambda (log s_T - log s_S)^2 under c only (a pull toward the right
///   teacher's scale, not part of the divergence, so not contrasted).
///
/// Every term is logged separately: `kl`, `entropy`, `cross_entropy`, `mean_log_scale`,
/// `kl_mismatched` (contrastive), `kl_regulariser` (closed form), each spectral loss, `loss`.
public struct DistillationTask: TrainingTask {
    /// The objective (KL and spectral terms), shared with the evaluate stage's KL figure.
    public let distillation: DistillationObjective
    public let features: FeatureConfig
    public let sampler: CropSampler
    public let batchSize: Int
    public let validation: [Utterance]
    public let validationSamples: Int
    public let health: TrainingHealth
    public let log: (String) -> Void

    /// Throws `DistillationError` when the student's base and the teacher's head do not pair
    /// (see `DistillationDivergence`), a KL setting is out of range, or the contrastive term is
    /// on with batches of one.
    /// - Parameter gaussianKLLambda: lambda of the closed-form path's regulariser (unused otherwise).
    public init(student: IAFStudent, teacher: DistillationTeacher, features: FeatureConfig,
                klWeight: Float, klSamples: Int, gaussianKLLambda: Float = 4, contrastiveGamma: Float,
                spectralLosses: [(weight: Float, loss: any SpectralLoss)],
                training: [Utterance], validation: [Utterance], batchSize: Int, cropSamples: Int,
                validationSamples: Int = 16_000, log: @escaping (String) -> Void = { _ in }) throws {
        distillation = try DistillationObjective(student: student, teacher: teacher, klWeight: klWeight,
                                                 klSamples: klSamples, gaussianKLLambda: gaussianKLLambda,
                                                 contrastiveGamma: contrastiveGamma, spectralLosses: spectralLosses)
        self.features = features
        guard contrastiveGamma == 0 || batchSize >= 2 else {
            throw DistillationError.invalidSetting(
                key: "training.student.batch_size",
                requirement: "must be >= 2 with losses.contrastive_gamma > 0 (c' is another batch item's conditioning), got \(batchSize)")
        }
        // Near-silent crops are redrawn when a spectral loss is on (they make spectral
        // convergence, normalised by the real crop, explode).
        sampler = CropSampler(utterances: training, hop: features.hopLength, cropLength: cropSamples,
                              silence: features.logSilence, minimumRMS: spectralLosses.isEmpty ? 0 : 0.01)
        self.batchSize = batchSize
        self.validation = validation
        self.validationSamples = validationSamples
        health = TrainingHealth()
        self.log = log
    }

    public var student: IAFStudent { distillation.student }
    public var teacher: DistillationTeacher { distillation.teacher }
    public var divergence: DistillationDivergence { distillation.divergence }
    public var spectralLosses: [(weight: Float, loss: any SpectralLoss)] { distillation.spectralLosses }

    public var parameters: ParameterSet { student.parameters }

    public func metadata(step: Int) -> CheckpointMetadata { student.metadata(features: features, step: step) }

    public func computeGradients(step: Int, crops: Range<Int>, streams: CropStreams) throws -> StepResult {
        let batch = sampler.batch(crops: crops, streams: streams)
        // The contrastive c' of crop i is crop (i + 1) mod B's conditioning, over the global
        // batch: a process holding a share draws its neighbours' crops itself (their streams
        // are known), so the pairing does not depend on how the batch is split.
        let mismatched = distillation.contrastiveGamma == 0 ? nil
            : sampler.batch(crops: crops.map { ($0 + 1) % batchSize }, streams: streams).mel
        var cropStreams = batch.streams
        let terms = try distillation.terms(audio: batch.audio, mel: batch.mel, mismatchedMel: mismatched,
                                           streams: &cropStreams, train: true)
        return StepResult(losses: terms, samples: batch.audio.count)
    }

    /// The loss terms for one batch; with `train`, the student's gradients are accumulated.
    func objective(audio: Tensor, mel: Tensor, rng: inout Philox, train: Bool) throws -> [String: Double] {
        try distillation.terms(audio: audio, mel: mel, rng: &rng, train: train)
    }

    /// KL estimate and spectral losses on the start of each validation utterance (fixed noise,
    /// so successive validations are comparable), plus the training-health checks.
    public func validate() throws -> [String: Double] {
        var sums: [String: Double] = [:]
        var count = 0
        var studentAudio: [Float] = [], realAudio: [Float] = []
        for (i, u) in validation.enumerated() {
            guard let span = u.leadingSpan(maxSamples: validationSamples, hop: features.hopLength) else { continue }
            let (n, x, mel) = (span.samples, span.audio, span.mel)
            var rng = Philox(seed: DistillationObjective.validationSeed, stream: UInt64(i))
            let terms = try objective(audio: x, mel: mel, rng: &rng, train: false)
            for (k, v) in terms where k != "kl_mismatched" { sums[k, default: 0] += v }
            count += 1
            var synthRNG = Philox(seed: DistillationObjective.validationSeed, stream: UInt64(i))
            let z = student.config.base.noise(shape: [1, n, 1], rng: &synthRNG)
            studentAudio += student.forward(noise: z, mel: mel).output.x.scalars
            realAudio += x.scalars
        }
        var metrics = sums.mapValues { $0 / Double(max(1, count)) }
        var warnings: [String] = []
        if studentAudio.count > features.fftLength {
            let (diff, w) = try health.checkPower(student: studentAudio, data: realAudio, sampleRate: features.sampleRate)
            warnings += w
            for (i, d) in diff.enumerated() { metrics["power_diff_db_band\(i)"] = d }
        }
        warnings += health.checkScale(meanLogScale: metrics["mean_log_scale"] ?? 0)
        warnings += health.checkProgress(kl: metrics["kl"] ?? .nan)
        for w in warnings { log("health: " + w) }
        metrics["health_warnings"] = Double(warnings.count)
        return metrics
    }
}
