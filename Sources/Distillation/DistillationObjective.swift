import Distributions
import Randomness
import SpectralLosses
import Student
import Tensors

/// The distillation objective for one batch, on its own: the training step and its validation
/// (`DistillationTask`) and the evaluate stage's KL figure call the same code.
///
///     L = w_kl * [ KL(P_S || P_T(c)) - gamma * KL(P_S || P_T(c')) ]  (+ w_kl * R, Gaussian path)
///       + sum_j w_j * L_j(x_student, x_real)
///
/// where c' is another crop's conditioning (the contrastive term; gamma = 0 disables it, and a
/// single utterance gets the plain KL) and L_j are the spectral losses. The KL is computed as
/// `divergence` says (fixed by student base and teacher head, `DistillationPairing`):
/// - Monte Carlo (logistic base): the bracket is
///   H(P_S, P_T(c)) - gamma * H(P_S, P_T(c')) - (1 - gamma) H(P_S), cross-entropies by sampling;
/// - closed form (Gaussian base and head): mean_t of the per-step Gaussian KL under c and c',
///   and R = mean_t lambda (log s_T - log s_S)^2 under c only.
public struct DistillationObjective {
    public let student: IAFStudent
    public let teacher: DistillationTeacher
    public let divergence: DistillationDivergence
    public let klWeight: Float
    public let contrastiveGamma: Float
    /// Named spectral terms with their weights.
    public let spectralLosses: [(weight: Float, loss: any SpectralLoss)]

    /// The seed of the noise validation draws (stream: the utterance's index), so successive
    /// validations, and evaluate's KL, are comparable.
    public static let validationSeed: UInt64 = 0x5EED

    /// Throws `DistillationError` when the student's base and the teacher's head do not pair or
    /// a KL setting is out of range.
    public init(student: IAFStudent, teacher: DistillationTeacher, klWeight: Float, klSamples: Int,
                gaussianKLLambda: Float = 4, contrastiveGamma: Float,
                spectralLosses: [(weight: Float, loss: any SpectralLoss)]) throws {
        self.student = student
        self.teacher = teacher
        divergence = try DistillationDivergence(base: student.config.base, teacher: teacher.distribution,
                                                samples: klSamples, gaussianLambda: gaussianKLLambda)
        self.klWeight = klWeight
        self.contrastiveGamma = contrastiveGamma
        self.spectralLosses = spectralLosses
    }

    /// The loss terms for one utterance (validation, evaluate) or a batch drawn from one stream
    /// (`rng`, in batch order); with `train`, the student's gradients are accumulated. The
    /// contrastive c' of item b is item (b + 1) mod B's conditioning; a single item has none
    /// and gets the plain KL.
    public func terms(audio: Tensor, mel: Tensor, rng: inout Philox, train: Bool) throws -> [String: Double] {
        var streams = [rng]
        defer { rng = streams[0] }
        return try terms(audio: audio, mel: mel, mismatchedMel: nil, streams: &streams, train: train)
    }

    /// The loss terms for a batch whose item b draws its noise and Monte Carlo samples from
    /// `streams[b]` (a training step's crops, `CropStreams`; with fewer streams than items,
    /// each stream draws for an equal run of consecutive items); with `train`, the student's
    /// gradients are accumulated. `mismatchedMel` is each item's contrastive conditioning c'
    /// (needed when gamma > 0 and the batch has more than one item; nil: item (b + 1) mod B's).
    public func terms(audio: Tensor, mel: Tensor, mismatchedMel: Tensor?, streams: inout [Philox],
                      train: Bool) throws -> [String: Double] {
        let noise = student.config.base.noise(shape: audio.shape, streams: &streams)
        let (out, cache) = student.forward(noise: noise, mel: mel)
        var terms: [String: Double] = [:]
        var gradients = OutputGradients(shape: out.x.shape)
        let other: Tensor? = contrastiveGamma == 0 ? nil : mismatchedMel ?? (mel.shape[0] >= 2 ? Self.rolled(mel) : nil)
        let gamma = other == nil ? 0 : contrastiveGamma
        var total: Double
        switch divergence {
        case .monteCarlo(let estimator):
            total = monteCarloKL(estimator, gamma: gamma, out: out, mel: mel, other: other, streams: &streams,
                                 train: train, terms: &terms, gradients: &gradients)
        case .closedForm(let gaussian):
            total = closedFormKL(gaussian, gamma: gamma, out: out, mel: mel, other: other, train: train,
                                 terms: &terms, gradients: &gradients)
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
                              mel: Tensor, other: Tensor?, streams: inout [Philox],
                              train: Bool, terms: inout [String: Double], gradients: inout OutputGradients) -> Double {
        let rows = out.x.count
        // Cross-entropy with the teacher on the student's own waveform.
        let entropy = DensityDistillation.entropy(logScale: out.logScale)
        let (params, teacherBackward) = teacher.parametersWithBackward(audio: out.x, mel: mel)
        var ceStreams = streams
        let ce = estimator.crossEntropy(mean: out.mean, logScale: out.logScale, teacherParams: params,
                                        weight: train ? klWeight : 0, streams: &ceStreams)
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
        if let other, contrastiveGamma != 0 {
            let (otherParams, otherBackward) = teacher.parametersWithBackward(audio: out.x, mel: other)
            var otherStreams = streams  // the same K samples for both conditionings: lower variance
            let ceOther = estimator.crossEntropy(mean: out.mean, logScale: out.logScale, teacherParams: otherParams,
                                                 weight: train ? -klWeight * contrastiveGamma : 0,
                                                 streams: &otherStreams)
            terms["kl_mismatched"] = ceOther.value - entropy
            objective = ce.value - Double(contrastiveGamma) * ceOther.value - Double(1 - contrastiveGamma) * entropy
            if train {
                Ops.axpy(1, ceOther.mean, &gradients.mean)
                Ops.axpy(1, ceOther.logScale, &gradients.logScale)
                Ops.axpy(1, otherBackward(ceOther.params), &gradients.x)
            }
        }
        streams = ceStreams
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
                              mel: Tensor, other: Tensor?, train: Bool,
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
        if let other, contrastiveGamma != 0 {
            let (otherParams, otherBackward) = teacher.parametersWithBackward(audio: out.x, mel: other)
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
}
