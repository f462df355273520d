import Benchmarks
import Configuration
import Corpus
import Distillation
import Foundation
import SignalProcessing
import Student
import Teacher
import Training

/// One set of models and step settings the training benchmark times: a preset (library
/// defaults for everything else) or a recipe's teacher, student, losses and training sections.
public struct TrainingBenchmarkModelSet: Equatable, Sendable {
    public var name: String
    /// "preset" or the recipe's path.
    public var source: String
    public var features: FeatureConfig
    public var teacher: WaveNetConfig
    public var student: StudentConfig
    public var losses: LossesConfig
    public var teacherTraining: TrainingSettings
    public var studentTraining: TrainingSettings

    /// Preset `name` for both models, with the default features, losses and training settings
    /// (batch 4, crop 8000, K 16, power loss only).
    public static func preset(_ name: String) throws -> TrainingBenchmarkModelSet {
        guard let teacher = WaveNetConfig.Preset(rawValue: name), let student = StudentConfig.Preset(rawValue: name) else {
            throw BenchmarkError.invalidOption("preset", "must be one of \(BenchmarkModels.presetNames.joined(separator: ", ")), got '\(name)'")
        }
        return TrainingBenchmarkModelSet(name: name, source: "preset", features: FeatureConfig(),
                                         teacher: .preset(teacher), student: .preset(student), losses: LossesConfig(),
                                         teacherTraining: TrainingSettings(), studentTraining: TrainingSettings())
    }

    /// The models, losses and batch/crop settings of a recipe (its `name` names the set).
    public static func recipe(_ url: URL) throws -> TrainingBenchmarkModelSet {
        let config = try PipelineConfig.load(url)
        return TrainingBenchmarkModelSet(name: config.name, source: url.relativePath, features: config.features,
                                         teacher: config.teacher, student: config.student, losses: config.losses,
                                         teacherTraining: config.training.teacher, studentTraining: config.training.student)
    }

    /// Equal when the same steps would be timed: the same features, models, losses, and the
    /// training settings a step depends on (batch, crop, Adam, whether it clips and averages;
    /// not the step counts, schedules or checkpoint intervals).
    func timesTheSameAs(_ other: TrainingBenchmarkModelSet) -> Bool {
        func step(_ s: TrainingSettings) -> [String] {
            [String(s.batchSize), String(s.cropSamples), JSONConfig.encode(s.adam), String(s.gradientClip > 0),
             String(s.emaDecay > 0)]
        }
        return features == other.features && teacher == other.teacher && student == other.student
            && losses == other.losses && step(teacherTraining) == step(other.teacherTraining)
            && step(studentTraining) == step(other.studentTraining)
    }

    var described: TrainingBenchmarkReport.ModelSet {
        .init(name: name, source: source, features: features, teacher: teacher, student: student,
              losses: ["kl_weight": losses.klWeight, "kl_samples": Double(losses.klSamples),
                       "power_weight": losses.powerWeight, "mr_stft_weight": losses.mrStftWeight,
                       "contrastive_gamma": losses.contrastiveGamma, "gaussian_kl_lambda": losses.gaussianKLLambda],
              teacherTraining: teacherTraining, studentTraining: studentTraining)
    }
}

/// Builds the training benchmark's paths (`TrainingStepPath`) for model sets: the teacher's step
/// (Benchmarks) and the distillation steps (`DistillationTask`, which the Benchmarks module
/// cannot see).
public enum TrainingBenchmarkSetup {
    /// Drops sets that time the same steps as an earlier one, recording them in its `same_as`.
    public static func deduplicated(_ sets: [TrainingBenchmarkModelSet])
        -> (sets: [TrainingBenchmarkModelSet], described: [TrainingBenchmarkReport.ModelSet]) {
        var kept: [TrainingBenchmarkModelSet] = [], described: [TrainingBenchmarkReport.ModelSet] = []
        for set in sets {
            if let i = kept.firstIndex(where: { $0.timesTheSameAs(set) }) {
                described[i].sameAs.append(set.name)
            } else {
                kept.append(set)
                described.append(set.described)
            }
        }
        return (kept, described)
    }

    /// The selected paths of one model set, on crops of `utterances` (whose mel must be the
    /// set's features; `utterances(for:)` reads them).
    /// In a process group each step computes this member's share and averages the gradients.
    public static func paths(for set: TrainingBenchmarkModelSet, utterances: [Utterance], selected: Set<String>,
                             seed: UInt64, group: any ProcessGroup = SingleProcess()) throws -> [TrainingStepPath] {
        var paths: [TrainingStepPath] = []
        if selected.contains("teacher_step") {
            paths.append(try .teacher(model: set.name, config: set.teacher, features: set.features,
                                      settings: set.teacherTraining, utterances: utterances, seed: seed,
                                      group: group))
        }
        if selected.contains("distill_step") {
            paths.append(try distillation(set, utterances: utterances, spectral: true, seed: seed, group: group))
        }
        if selected.contains("distill_step_no_spectral") {
            paths.append(try distillation(set, utterances: utterances, spectral: false, seed: seed, group: group))
        }
        return paths
    }

    /// One distillation step (`DistillationTask.computeGradients` and the optimiser) of a fresh
    /// student against a fresh frozen teacher, both standardised on `utterances` as the stages do.
    /// `spectral` false sets every spectral weight to 0 (the KL alone).
    static func distillation(_ set: TrainingBenchmarkModelSet, utterances: [Utterance], spectral: Bool,
                             seed: UInt64, group: any ProcessGroup) throws -> TrainingStepPath {
        let features = set.features
        guard let statistics = ConditioningStatistics(utterances: utterances) else {
            throw BenchmarkError.invalidInput("no mel frames to standardise the conditioning with")
        }
        let teacher = try WaveNet(config: set.teacher, conditionChannels: features.melBandCount, hop: features.hopLength,
                                  seed: seed, features: features)
        teacher.upsampler.standardizeInput(mean: statistics.mean, std: statistics.std)
        let student = try IAFStudent(config: set.student, conditionChannels: features.melBandCount,
                                     hop: features.hopLength, seed: seed &+ 1, features: features)
        student.upsampler.standardizeInput(mean: statistics.mean, std: statistics.std)
        var losses = set.losses
        if !spectral { (losses.powerWeight, losses.mrStftWeight) = (0, 0) }
        let terms = try DistillStage.spectralLosses(losses)
        let settings = set.studentTraining
        let task = try DistillationTask(
            student: student, teacher: teacher, features: features, klWeight: Float(losses.klWeight),
            klSamples: losses.klSamples, gaussianKLLambda: Float(losses.gaussianKLLambda),
            contrastiveGamma: Float(losses.contrastiveGamma), spectralLosses: terms, training: utterances,
            validation: [], batchSize: settings.batchSize, cropSamples: settings.cropSamples)
        let stepper = try TaskStepper(task: task, settings: settings, seed: seed &+ 1, group: group)
        let crop = task.sampler.cropLength, frames = crop / features.hopLength + 1
        let passes = losses.contrastiveGamma > 0 && settings.batchSize >= 2 ? 2 : 1
        let label = spectral ? "distill_step" : "distill_step_no_spectral"
        let monteCarlo: Bool
        if case .monteCarlo = task.divergence { monteCarlo = true } else { monteCarlo = false }
        var path = TrainingStepPath(
            path: label, model: set.name, batch: settings.batchSize, cropSamples: crop, frames: frames,
            flops: TrainingFLOPCount.distillationStep(teacher: set.teacher, student: set.student,
                                                      conditionChannels: features.melBandCount, hop: features.hopLength,
                                                      batch: settings.batchSize, cropSamples: crop, frames: frames,
                                                      teacherPasses: passes),
            parameterCount: student.parameters.scalarCount, klSamples: monteCarlo ? losses.klSamples : nil,
            teacherPasses: passes, spectralLosses: terms.map(\.loss.name)
        ) { afterGradients in
            try stepper.step(afterGradients: afterGradients)
            try stepper.requireFiniteLoss(path: "\(set.name) \(label)")
        }
        path.lastAllreduceSeconds = { stepper.lastAllreduceSeconds }
        return path
    }

    /// The bundled (or given) audio read under each distinct feature config of `sets`, keyed
    /// by the features' canonical JSON.
    public static func utterances(for sets: [TrainingBenchmarkModelSet], directory: URL,
                                  limit: Int = TrainingBenchmarkInput.defaultUtteranceCount) throws -> [String: [Utterance]] {
        var byFeatures: [String: [Utterance]] = [:]
        for set in sets where byFeatures[set.features.canonicalJSON] == nil {
            byFeatures[set.features.canonicalJSON] = try TrainingBenchmarkInput.utterances(directory: directory,
                                                                                           features: set.features, limit: limit)
        }
        return byFeatures
    }
}
