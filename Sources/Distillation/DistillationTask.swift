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
    public let student: IAFStudent
    public let teacher: DistillationTeacher
    public let features: FeatureConfig
    public let divergence: DistillationDivergence
    public let klWeight: Float
    public let contrastiveGamma: Float
    /// Named spectral terms with their weights.
    public let spectralLosses: [(weight: Float, loss: any SpectralLoss)]
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
        self.student = student
        self.teacher = teacher
        self.features = features
        divergence = try DistillationDivergence(base: student.config.base, teacher: teacher.distribution,
                                                samples: klSamples, gaussianLambda: gaussianKLLambda)
        guard contrastiveGamma == 0 || batchSize >= 2 else {
            throw DistillationError.invalidSetting(
                key: "training.student.batch_size",
                requirement: "must be >= 2 with losses.contrastive_gamma > 0 (c' is another batch item's conditioning), got \(batchSize)")
        }
        self.klWeight = klWeight
        self.contrastiveGamma = contrastiveGamma
        self.spectralLosses = spectralLosses
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

    public var parameters: ParameterSet { student.parameters }

    public func metadata(step: Int) -> CheckpointMetadata { student.metadata(features: features, step: step) }

    public func computeGradients(step: Int, rng: inout Philox) throws -> StepResult {
        let batch = sampler.batch(size: batchSize, rng: &rng)
        let terms = try objective(audio: batch.audio, mel: batch.mel, rng: &rng, train: true)
        return StepResult(losses: terms, samples: batch.audio.count)
    }

    /// The loss terms for one batch; with `train`, the student's gradients are accumulated.
    func objective(audio: Tensor, mel: Tensor, rng: inout Philox, train: Bool) throws -> [String: Double] {
        let noise = student.config.base.noise(shape: audio.shape, rng: &rng)
        let (out, cache) = student.forward(noise: noise, mel: mel)
        var terms: [String: Double] = [:]
        var gradients = OutputGradients(shape: out.x.shape)
        // c' is another batch item's conditioning: a single item (validation runs one utterance
        // at a time) has none, and gets the plain KL. Training batches have >= 2 (checked in init).
        let gamma = mel.shape[0] >= 2 ? contrastiveGamma : 0
        var total: Double
        switch divergence {
        case .monteCarlo(let estimator):
            total = monteCarloKL(estimator, gamma: gamma, out: out, mel: mel, rng: &rng, train: train,
                                 terms: &terms, gradients: &gradients)
        case .closedForm(let gaussian):
            total = closedFormKL(gaussian, gamma: gamma, out: out, mel: mel, train: train, terms: &terms,
                                 gradients: &gradients)
        }

        for term in spectralLosses {
            if train {
                let result = try term.loss.evaluate(student: out.x, real: audio)
                terms[term.loss.name] = result.value
                for part in result.terms { terms["\(term.loss.name).\(part.name)"] = part.value }
                total += Double(term.weight) * result.value
                Ops.axpy(term.weight, result.gradient, &gradients.x)
            } else {
                let value = try term.loss.value(student: out.x, real: audio)
                terms[term.loss.name] = value
                total += Double(term.weight) * value
            }
        }
        terms["loss"] = total
        if train {
            student.backward(x: gradients.x, mean: gradients.mean, logScale: gradients.logScale, cache: cache)
        }
        return terms
    }

    /// d loss / d(x, mu_tot, log s_tot) of the student's outputs, each `[B, T, 1]`.
    struct OutputGradients {
        var x, mean, logScale: Tensor
        init(shape: [Int]) {
            x = Tensor(shape: shape)
            mean = Tensor(shape: shape)
            logScale = Tensor(shape: shape)
        }
    }

    /// The Monte-Carlo KL bracket times w_kl (logistic base); logs its terms and, with `train`,
    /// adds its gradients.
    private func monteCarloKL(_ estimator: DensityDistillation, gamma contrastiveGamma: Float, out: StudentOutput,
                              mel: Tensor, rng: inout Philox,
                              train: Bool, terms: inout [String: Double], gradients: inout OutputGradients) -> Double {
        let rows = out.x.count
        // Cross-entropy with the teacher on the student's own waveform.
        let entropy = DensityDistillation.entropy(logScale: out.logScale)
        let (params, teacherBackward) = teacher.parametersWithBackward(audio: out.x, mel: mel)
        var ceRNG = rng
        let ce = estimator.crossEntropy(mean: out.mean, logScale: out.logScale, teacherParams: params,
                                        weight: train ? klWeight : 0, rng: &ceRNG)
        terms["cross_entropy"] = ce.value
        terms["entropy"] = entropy
        terms["kl"] = ce.value - entropy
        terms["mean_log_scale"] = entropy - 2
        var objective = ce.value - entropy
        if train {
            Ops.axpy(1, ce.mean, &gradients.mean)
            Ops.axpy(1, ce.logScale, &gradients.logScale)
            Ops.axpy(1, teacherBackward(ce.params), &gradients.x)
        }
        if contrastiveGamma != 0 {
            let other = Self.rolled(mel)
            let (otherParams, otherBackward) = teacher.parametersWithBackward(audio: out.x, mel: other)
            var otherRNG = rng  // the same K samples for both conditionings: lower variance
            let ceOther = estimator.crossEntropy(mean: out.mean, logScale: out.logScale, teacherParams: otherParams,
                                                 weight: train ? -klWeight * contrastiveGamma : 0, rng: &otherRNG)
            terms["kl_mismatched"] = ceOther.value - entropy
            objective = ce.value - Double(contrastiveGamma) * ceOther.value - Double(1 - contrastiveGamma) * entropy
            if train {
                Ops.axpy(1, ceOther.mean, &gradients.mean)
                Ops.axpy(1, ceOther.logScale, &gradients.logScale)
                Ops.axpy(1, otherBackward(ceOther.params), &gradients.x)
            }
        }
        rng = ceRNG
        if train {
            // d/d log s_tot of -(1 - gamma) * w * mean(log s_tot).
            let g = -klWeight * (1 - contrastiveGamma) / Float(rows)
            gradients.logScale.withMutablePointer { p in for r in 0..<rows { p[r] += g } }
        }
        return Double(klWeight) * objective
    }

    /// The closed-form KL bracket plus regulariser, times w_kl (Gaussian base and head); logs
    /// its terms and, with `train`, adds its gradients: directly through (mu_tot, log s_tot),
    /// and through x by the frozen teacher's backward of d/dθ.
    private func closedFormKL(_ gaussian: GaussianDistillation, gamma contrastiveGamma: Float, out: StudentOutput,
                              mel: Tensor, train: Bool,
                              terms: inout [String: Double], gradients: inout OutputGradients) -> Double {
        let entropy = GaussianDistillation.entropy(logScale: out.logScale)
        let (params, teacherBackward) = teacher.parametersWithBackward(audio: out.x, mel: mel)
        let matched = gaussian.divergence(mean: out.mean, logScale: out.logScale, teacherParams: params,
                                          regularise: true, weight: train ? klWeight : 0)
        terms["kl"] = matched.kl
        terms["kl_regulariser"] = matched.regulariser
        terms["entropy"] = entropy
        terms["cross_entropy"] = matched.kl + entropy
        terms["mean_log_scale"] = entropy - Normal.standardEntropy
        var objective = matched.kl + matched.regulariser
        if train {
            Ops.axpy(1, matched.mean, &gradients.mean)
            Ops.axpy(1, matched.logScale, &gradients.logScale)
            Ops.axpy(1, teacherBackward(matched.params), &gradients.x)
        }
        if contrastiveGamma != 0 {
            let (otherParams, otherBackward) = teacher.parametersWithBackward(audio: out.x, mel: Self.rolled(mel))
            let mismatched = gaussian.divergence(mean: out.mean, logScale: out.logScale, teacherParams: otherParams,
                                                 regularise: false, weight: train ? -klWeight * contrastiveGamma : 0)
            terms["kl_mismatched"] = mismatched.kl
            objective -= Double(contrastiveGamma) * mismatched.kl
            if train {
                Ops.axpy(1, mismatched.mean, &gradients.mean)
                Ops.axpy(1, mismatched.logScale, &gradients.logScale)
                Ops.axpy(1, otherBackward(mismatched.params), &gradients.x)
            }
        }
        return Double(klWeight) * objective
    }

    /// Batch item b gets item (b + 1) mod B's conditioning.
    static func rolled(_ mel: Tensor) -> Tensor {
        let b = mel.shape[0], per = mel.count / b
        var out = mel
        for i in 0..<b {
            let src = ((i + 1) % b) * per
            for j in 0..<per { out.scalars[i * per + j] = mel.scalars[src + j] }
        }
        return out
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
            var rng = Philox(seed: 0x5EED, stream: UInt64(i))
            let terms = try objective(audio: x, mel: mel, rng: &rng, train: false)
            for (k, v) in terms where k != "kl_mismatched" { sums[k, default: 0] += v }
            count += 1
            var synthRNG = Philox(seed: 0x5EED, stream: UInt64(i))
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
