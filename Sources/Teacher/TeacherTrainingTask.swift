import Corpus
import Foundation
import Optimization
import Randomness
import SignalProcessing
import Tensors
import Training

/// Maximum-likelihood training of the teacher with teacher forcing: each step draws random
/// aligned crops and minimises the mean negative log-likelihood (nats per sample) of the real
/// waveform under the teacher conditioned on its own mel frames.
public struct TeacherTrainingTask: TrainingTask {
    public let model: WaveNet
    public let features: FeatureConfig
    public let sampler: CropSampler
    public let batchSize: Int
    public let validation: [Utterance]
    /// Validation is scored on at most this many samples per utterance (the teacher's parallel
    /// forward is cheap, but whole long utterances cost memory).
    public let validationSamples: Int

    public init(model: WaveNet, features: FeatureConfig, training: [Utterance], validation: [Utterance],
                batchSize: Int, cropSamples: Int, validationSamples: Int = 32_000) {
        self.model = model
        self.features = features
        self.batchSize = batchSize
        self.validation = validation
        self.validationSamples = validationSamples
        sampler = CropSampler(utterances: training, hop: features.hopLength, cropLength: cropSamples,
                              silence: features.logSilence)
    }

    public var parameters: ParameterSet { model.parameters }

    public func metadata(step: Int) -> CheckpointMetadata { model.metadata(features: features, step: step) }

    public func computeGradients(step: Int, crops: Range<Int>, streams: CropStreams) throws -> StepResult {
        let batch = sampler.batch(crops: crops, streams: streams)
        let nll = model.negativeLogLikelihood(audio: batch.audio, mel: batch.mel, accumulateGradients: true)
        return StepResult(losses: ["loss": nll, "nll_bits_per_sample": nll / log(2)], samples: batch.audio.count)
    }

    /// Mean NLL over the validation utterances (each scored from its start, up to
    /// `validationSamples` samples), in nats and bits per sample.
    public func validate() throws -> [String: Double] {
        var total = 0.0, count = 0
        for u in validation {
            guard let span = u.leadingSpan(maxSamples: validationSamples, hop: features.hopLength) else { continue }
            let n = span.samples
            let nll = model.negativeLogLikelihood(audio: span.audio, mel: span.mel, accumulateGradients: false)
            total += nll * Double(n)
            count += n
        }
        let nll = count > 0 ? total / Double(count) : .nan
        return ["loss": nll, "nll_bits_per_sample": nll / log(2)]
    }
}

extension FeatureConfig {
    /// The log-mel value of silence: the log of the floor.
    public var logSilence: Float {
        switch logarithm {
        case .log10: return Float(log10(logFloor))
        default: return Float(log(logFloor))
        }
    }
}
