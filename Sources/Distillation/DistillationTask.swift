import Corpus
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
///     L = w_kl * [ H(P_S, P_T(c)) - gamma * H(P_S, P_T(c')) - (1 - gamma) H(P_S) ]
///       + sum_j w_j * L_j(x_student, x_real)
///
/// where c' is another crop's conditioning (the contrastive term; gamma = 0 disables it, and
/// then the bracket is KL(P_S || P_T)) and L_j are the spectral losses (power, multi-resolution
/// STFT). Every term is logged separately.
public struct DistillationTask: TrainingTask {
    public let student: IAFStudent
    public let teacher: DistillationTeacher
    public let features: FeatureConfig
    public let estimator: DensityDistillation
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

    public init(student: IAFStudent, teacher: DistillationTeacher, features: FeatureConfig,
                klWeight: Float, klSamples: Int, contrastiveGamma: Float,
                spectralLosses: [(weight: Float, loss: any SpectralLoss)],
                training: [Utterance], validation: [Utterance], batchSize: Int, cropSamples: Int,
                validationSamples: Int = 16_000, log: @escaping (String) -> Void = { _ in }) {
        self.student = student
        self.teacher = teacher
        self.features = features
        estimator = DensityDistillation(distribution: teacher.distribution, samples: klSamples)
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
        var noise = Tensor(shape: audio.shape)
        noise.withUnsafeMutableBufferPointer { rng.fillLogistic($0) }
        let (out, cache) = student.forward(noise: noise, mel: mel)
        var terms: [String: Double] = [:]
        var dX = Tensor(shape: out.x.shape)
        var dMean = Tensor(shape: out.mean.shape)
        var dLogScale = Tensor(shape: out.logScale.shape)
        let rows = out.x.count
        var total = 0.0

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
            Ops.axpy(1, ce.mean, &dMean)
            Ops.axpy(1, ce.logScale, &dLogScale)
            Ops.axpy(1, teacherBackward(ce.params), &dX)
        }
        if contrastiveGamma != 0 {
            precondition(mel.shape[0] >= 2, "the contrastive loss needs a batch of at least 2")
            let other = Self.rolled(mel)
            let (otherParams, otherBackward) = teacher.parametersWithBackward(audio: out.x, mel: other)
            var otherRNG = rng  // the same K samples for both conditionings: lower variance
            let ceOther = estimator.crossEntropy(mean: out.mean, logScale: out.logScale, teacherParams: otherParams,
                                                 weight: train ? -klWeight * contrastiveGamma : 0, rng: &otherRNG)
            terms["kl_mismatched"] = ceOther.value - entropy
            objective = ce.value - Double(contrastiveGamma) * ceOther.value - Double(1 - contrastiveGamma) * entropy
            if train {
                Ops.axpy(1, ceOther.mean, &dMean)
                Ops.axpy(1, ceOther.logScale, &dLogScale)
                Ops.axpy(1, otherBackward(ceOther.params), &dX)
            }
        }
        rng = ceRNG
        total += Double(klWeight) * objective
        if train {
            // d/d log s_tot of -(1 - gamma) * w * mean(log s_tot).
            let g = -klWeight * (1 - contrastiveGamma) / Float(rows)
            dLogScale.withMutablePointer { p in for r in 0..<rows { p[r] += g } }
        }

        for term in spectralLosses {
            if train {
                let result = try term.loss.evaluate(student: out.x, real: audio)
                terms[term.loss.name] = result.value
                for part in result.terms { terms["\(term.loss.name).\(part.name)"] = part.value }
                total += Double(term.weight) * result.value
                Ops.axpy(term.weight, result.gradient, &dX)
            } else {
                let value = try term.loss.value(student: out.x, real: audio)
                terms[term.loss.name] = value
                total += Double(term.weight) * value
            }
        }
        terms["loss"] = total
        if train {
            student.backward(x: dX, mean: dMean, logScale: dLogScale, cache: cache)
        }
        return terms
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
            let n = min(u.samples.count, validationSamples) / features.hopLength * features.hopLength
            guard n > 0 else { continue }
            let frames = n / features.hopLength + 1
            let x = Tensor(shape: [1, n, 1], scalars: Array(u.samples[0..<n]))
            let mel = Tensor(shape: [1, frames, u.melBands], scalars: Array(u.mel[0..<(frames * u.melBands)]))
            var rng = Philox(seed: 0x5EED, stream: UInt64(i))
            let terms = try objective(audio: x, mel: mel, rng: &rng, train: false)
            for (k, v) in terms where k != "kl_mismatched" { sums[k, default: 0] += v }
            count += 1
            var synthRNG = Philox(seed: 0x5EED, stream: UInt64(i))
            var z = Tensor(shape: [1, n, 1])
            z.withUnsafeMutableBufferPointer { synthRNG.fillLogistic($0) }
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
