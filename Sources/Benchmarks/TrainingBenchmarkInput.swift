import AudioIO
import Corpus
import Foundation
import SignalProcessing
import Teacher
import Training

/// The audio the training benchmark crops its batches from, and the teacher's step path.
public enum TrainingBenchmarkInput {
    /// The bundled utterances (relative to the repository root).
    public static let defaultDirectory = "audio/speech/ru_nsh"
    /// Utterances read (the first in name order): enough to draw varied crops, few enough to
    /// load in a second or two.
    public static let defaultUtteranceCount = 6

    /// The first `limit` `.wav` files of `directory` (name order) as utterances with their
    /// log-mel frames under `features`, as the prepare stage makes them.
    public static func utterances(directory: URL, features: FeatureConfig,
                                  limit: Int = defaultUtteranceCount) throws -> [Utterance] {
        guard limit >= 1 else { throw BenchmarkError.invalidOption("utterances", "must be at least 1, got \(limit)") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw BenchmarkError.invalidInput("\(directory.path): cannot list the directory (\(error.localizedDescription))")
        }
        let wavs = names.filter { $0.lowercased().hasSuffix(".wav") }.sorted().prefix(limit)
        guard !wavs.isEmpty else { throw BenchmarkError.invalidInput("\(directory.path): no .wav files to crop batches from") }
        let extractor = try LogMelExtractor(config: features)
        return try wavs.map { name in
            let url = directory.appendingPathComponent(name)
            let audio = try Audio(contentsOf: url, sampleRate: features.sampleRate)
            let spectrogram: Spectrogram
            do {
                spectrogram = try extractor.features(of: audio.samples)
            } catch {
                throw BenchmarkError.invalidInput("\(url.path): \(error)")
            }
            return Utterance(id: String(name.dropLast(4)), samples: audio.samples, mel: spectrogram.values,
                             frames: spectrogram.frameCount, melBands: spectrogram.binCount)
        }
    }
}

extension TrainingStepPath {
    /// The teacher's maximum-likelihood step (`TeacherTrainingTask` and the optimiser, as
    /// `TrainingLoop` runs them) on a freshly initialised teacher of `config`, whose upsampler
    /// is standardised on `utterances` as the train-teacher stage does.
    public static func teacher(model name: String, config: WaveNetConfig, features: FeatureConfig,
                               settings: TrainingSettings, utterances: [Utterance], seed: UInt64,
                               group: any ProcessGroup = SingleProcess()) throws -> TrainingStepPath {
        guard let statistics = ConditioningStatistics(utterances: utterances) else {
            throw BenchmarkError.invalidInput("no mel frames to standardise the teacher's conditioning with")
        }
        let model = try WaveNet(config: config, conditionChannels: features.melBandCount, hop: features.hopLength,
                                seed: seed, features: features)
        model.upsampler.standardizeInput(mean: statistics.mean, std: statistics.std)
        let task = TeacherTrainingTask(model: model, features: features, training: utterances, validation: [],
                                       batchSize: settings.batchSize, cropSamples: settings.cropSamples)
        let stepper = try TaskStepper(task: task, settings: settings, seed: seed, group: group)
        let crop = task.sampler.cropLength, frames = crop / features.hopLength + 1
        var path = TrainingStepPath(
            path: "teacher_step", model: name, batch: settings.batchSize, cropSamples: crop, frames: frames,
            flops: TrainingFLOPCount.teacherStep(config, conditionChannels: features.melBandCount, hop: features.hopLength,
                                                 batch: settings.batchSize, cropSamples: crop, frames: frames),
            parameterCount: model.parameters.scalarCount
        ) { afterGradients in
            try stepper.step(afterGradients: afterGradients)
            try stepper.requireFiniteLoss(path: "\(name) teacher_step")
        }
        path.lastAllreduceSeconds = { stepper.lastAllreduceSeconds }
        return path
    }
}

extension TaskStepper {
    /// Throws when the last step's loss was not finite: a benchmark of a diverged step would
    /// time the skip, not the update.
    public func requireFiniteLoss(path: String) throws {
        let loss = lastLosses["loss"] ?? .nan
        guard loss.isFinite, skippedSteps == 0 else {
            throw BenchmarkError.mismatch("\(path): the step's loss is \(loss) (\(skippedSteps) step(s) skipped)")
        }
    }
}
