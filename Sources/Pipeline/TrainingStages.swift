import Corpus
import Distillation
import FileFormats
import Foundation
import NeuralLayers
import SignalProcessing
import SpectralLosses
import Student
import Teacher
import Training

/// What a training stage leaves behind besides its checkpoints (`result.json`).
struct TrainingResult: Codable {
    var finalStep: Int
    var resumedFrom: Int?
    var skippedSteps: Int
    var seconds: Double
    var lastLosses: [String: Double]
    var validation: [String: Double]

    init(_ s: TrainingLoop.Summary) {
        finalStep = s.finalStep
        resumedFrom = s.resumedFrom
        skippedSteps = s.skippedSteps
        seconds = s.seconds
        lastLosses = s.lastLosses.filter { $0.value.isFinite }
        validation = s.validation.filter { $0.value.isFinite }
    }

    enum CodingKeys: String, CodingKey {
        case finalStep = "final_step", resumedFrom = "resumed_from", skippedSteps = "skipped_steps", seconds
        case lastLosses = "last_losses", validation
    }

    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(self), to: url)
    }
}

/// Stage 2: maximum-likelihood training of the teacher. Output: `teacher.safetensors`
/// (EMA weights), checkpoints, `metrics.jsonl`, `result.json`.
public enum TrainTeacherStage {
    public static let weightsFile = "teacher.safetensors"
    public static let batchSizeKey = "training.teacher.batch_size"

    /// With a `group` of processes, each trains on its share of every batch; the primary writes.
    public static func run(_ config: TrainTeacherInputs, stages: StageDirectories, directory: URL,
                           sink: LogSink, group: any ProcessGroup = SingleProcess()) throws {
        let corpus = try PreparedCorpus(directory: stages.directory(.prepare), expecting: config.features)
        let training = try corpus.load(split: "train"), validation = try corpus.load(split: "valid")
        let features = config.features
        let model = try WaveNet(config: config.teacher, conditionChannels: features.melBandCount,
                                hop: features.hopLength, seed: config.seed, features: features)
        try standardizeConditioning(model.upsampler, training: training, label: "train-teacher", sink: sink)
        sink.line("train-teacher: \(model.parameters.scalarCount) parameters, receptive field \(config.teacher.receptiveField) samples, \(training.count) training utterances")
        let settings = config.training
        let task = TeacherTrainingTask(model: model, features: features, training: training, validation: validation,
                                       batchSize: settings.batchSize, cropSamples: settings.cropSamples,
                                       validationSamples: Int(config.scoreMaxSeconds * Double(features.sampleRate)))
        var loop = TrainingLoop(settings: settings, directory: directory, seed: config.seed, label: "train-teacher",
                                batchSizeKey: batchSizeKey)
        loop.sink = sink
        loop.group = group
        let summary = try loop.run(task, finalWeights: directory.appendingPathComponent(weightsFile))
        if group.isPrimary { try TrainingResult(summary).write(to: directory.appendingPathComponent("result.json")) }
    }
}

/// Stage 3: probability density distillation of the student from the trained teacher.
/// Output: `student.safetensors` (EMA weights), checkpoints, `metrics.jsonl`, `result.json`.
public enum DistillStage {
    public static let weightsFile = "student.safetensors"
    public static let batchSizeKey = "training.student.batch_size"

    /// Loads the stage-2 teacher and refuses one trained on other features than the pipeline's.
    public static func loadTeacher(_ stages: StageDirectories, features: FeatureConfig) throws -> WaveNet {
        let url = stages.directory(.trainTeacher).appendingPathComponent(TrainTeacherStage.weightsFile)
        return try loadTeacher(url, features: features)
    }

    /// Loads the stage-3 student and refuses one trained on other features than the pipeline's.
    public static func loadStudent(_ stages: StageDirectories, features: FeatureConfig) throws -> IAFStudent {
        let url = stages.directory(.distill).appendingPathComponent(weightsFile)
        let (student, studentFeatures, _) = try IAFStudent.load(from: url)
        guard studentFeatures == features else {
            throw PipelineError.featureMismatch(checkpoint: url.path, expected: features.canonicalJSON,
                                                found: studentFeatures.canonicalJSON)
        }
        return student
    }

    public static func loadTeacher(_ url: URL, features: FeatureConfig) throws -> WaveNet {
        let (teacher, teacherFeatures, _) = try WaveNet.load(from: url)
        guard teacherFeatures == features else {
            throw PipelineError.featureMismatch(checkpoint: url.path, expected: features.canonicalJSON,
                                                found: teacherFeatures.canonicalJSON)
        }
        return teacher
    }

    /// The spectral terms with a positive weight.
    static func spectralLosses(_ losses: LossesConfig) throws -> [(weight: Float, loss: any SpectralLoss)] {
        var terms: [(weight: Float, loss: any SpectralLoss)] = []
        if losses.powerWeight > 0 {
            terms.append((Float(losses.powerWeight), try PowerLoss(config: losses.power)))
        }
        if losses.mrStftWeight > 0 {
            terms.append((Float(losses.mrStftWeight), try MultiResolutionSTFTLoss(config: losses.mrStft)))
        }
        return terms
    }

    /// With a `group` of processes, each trains on its share of every batch; the primary writes.
    public static func run(_ config: DistillInputs, stages: StageDirectories, directory: URL, sink: LogSink,
                           group: any ProcessGroup = SingleProcess()) throws {
        let teacher = try loadTeacher(stages, features: config.features)
        // The recipe passed this check when it loaded; a teacher checkpoint is checked again.
        try DistillationPairing.check(studentBase: config.student.base, teacherHead: teacher.config.head.kind)
        let corpus = try PreparedCorpus(directory: stages.directory(.prepare), expecting: config.features)
        let training = try corpus.load(split: "train"), validation = try corpus.load(split: "valid")
        let features = config.features
        let student = try IAFStudent(config: config.student, conditionChannels: features.melBandCount,
                                     hop: features.hopLength, seed: config.seed &+ 1, features: features)
        try standardizeConditioning(student.upsampler, training: training, label: "distill", sink: sink)
        sink.line("distill: student \(student.parameters.scalarCount) parameters, \(config.student.flows.count) flows, \(config.student.base.rawValue) base; teacher \(teacher.parameters.scalarCount) parameters (frozen), \(teacher.config.head.kind.rawValue) head")
        let settings = config.training
        let task = try DistillationTask(
            student: student, teacher: teacher, features: features,
            klWeight: Float(config.losses.klWeight), klSamples: config.losses.klSamples,
            gaussianKLLambda: Float(config.losses.gaussianKLLambda),
            contrastiveGamma: Float(config.losses.contrastiveGamma),
            spectralLosses: try spectralLosses(config.losses),
            training: training, validation: validation, batchSize: settings.batchSize,
            cropSamples: settings.cropSamples,
            validationSamples: Int(config.scoreMaxSeconds * Double(features.sampleRate)),
            log: { sink.line("distill: " + $0) })
        var loop = TrainingLoop(settings: settings, directory: directory, seed: config.seed &+ 1, label: "distill",
                                batchSizeKey: batchSizeKey)
        loop.sink = sink
        loop.group = group
        let summary = try loop.run(task, finalWeights: directory.appendingPathComponent(weightsFile))
        if group.isPrimary { try TrainingResult(summary).write(to: directory.appendingPathComponent("result.json")) }
    }
}

/// Folds the training split's per-band mel statistics into a fresh model's upsampler (a
/// resumed run then overwrites these weights with the checkpoint's).
func standardizeConditioning(_ upsampler: ConditionUpsampler, training: [Utterance], label: String,
                             sink: LogSink) throws {
    guard let statistics = ConditioningStatistics(utterances: training) else {
        throw PipelineError.noAudio("the training split has no mel frames to standardise the conditioning with")
    }
    upsampler.standardizeInput(mean: statistics.mean, std: statistics.std)
    let range = { (v: [Float]) in "\(v.min() ?? 0)...\(v.max() ?? 0)" }
    sink.line("\(label): conditioning standardised with the statistics of \(statistics.frames) training frames (mean \(range(statistics.mean)), std \(range(statistics.std)))")
}
