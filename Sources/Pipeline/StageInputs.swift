import Configuration
import Foundation
import SignalProcessing
import Student
import Teacher
import Training

/// Everything one stage reads from the pipeline config, and nothing else. A stage body gets
/// only its inputs value and the stage directories (`StageDirectories`), never the whole
/// `PipelineConfig`, so a key it reads is a field here, and every field is in the stage's hash
/// (`Experiment.hash`: the value's canonical JSON). A stage cannot read a key its cache does not
/// cover. Coding keys are the keys' paths in the recipe, so `config.json` in a stage directory
/// names them as the recipe does. (`StageInputsTests` perturbs every leaf key of a recipe and
/// checks which stages' inputs change.)
public protocol StageInputs: Encodable, Sendable {}

extension StageInputs {
    /// Sorted keys, no whitespace: equal inputs give equal strings.
    public var canonicalJSON: String { JSONConfig.encode(self) }
}

/// Stage 1 (prepare).
public struct PrepareInputs: StageInputs, Equatable {
    public var data: DataConfig
    public var features: FeatureConfig

    public init(_ config: PipelineConfig) {
        data = config.data
        features = config.features
    }
}

/// Stage 2 (train-teacher).
public struct TrainTeacherInputs: StageInputs, Equatable {
    public var seed: UInt64
    public var features: FeatureConfig
    public var teacher: WaveNetConfig
    public var training: TrainingSettings
    /// The validation NLL is measured on this many seconds per held-out utterance, as evaluate does.
    public var scoreMaxSeconds: Double

    enum CodingKeys: String, CodingKey {
        case seed, features, teacher
        case training = "training.teacher"
        case scoreMaxSeconds = "evaluation.score_max_seconds"
    }

    public init(_ config: PipelineConfig) {
        seed = config.seed
        features = config.features
        teacher = config.teacher
        training = config.training.teacher
        scoreMaxSeconds = config.evaluation.scoreMaxSeconds
    }
}

/// Stage 3 (distill).
public struct DistillInputs: StageInputs, Equatable {
    public var seed: UInt64
    public var features: FeatureConfig
    public var student: StudentConfig
    public var losses: LossesConfig
    public var training: TrainingSettings
    /// The validation KL is measured on this many seconds per held-out utterance, as evaluate does.
    public var scoreMaxSeconds: Double

    enum CodingKeys: String, CodingKey {
        case seed, features, student, losses
        case training = "training.student"
        case scoreMaxSeconds = "evaluation.score_max_seconds"
    }

    public init(_ config: PipelineConfig) {
        seed = config.seed
        features = config.features
        student = config.student
        losses = config.losses
        training = config.training.student
        scoreMaxSeconds = config.evaluation.scoreMaxSeconds
    }
}

/// Stage 4 (synthesize).
public struct SynthesizeInputs: StageInputs, Equatable {
    public var features: FeatureConfig
    public var synthesis: SynthesisConfig

    public init(_ config: PipelineConfig) {
        features = config.features
        synthesis = config.synthesis
    }
}

/// Stage 5 (evaluate).
public struct EvaluateInputs: StageInputs, Equatable {
    public var features: FeatureConfig
    /// The teacher's NLL and the student's KL are measured on this many seconds per utterance.
    public var scoreMaxSeconds: Double
    /// The student's KL is estimated as distill estimates it.
    public var klSamples: Int
    public var gaussianKLLambda: Double
    /// Seeds the teacher's self-consistency sample.
    public var synthesisSeed: UInt64

    enum CodingKeys: String, CodingKey {
        case features
        case scoreMaxSeconds = "evaluation.score_max_seconds"
        case klSamples = "losses.kl_samples"
        case gaussianKLLambda = "losses.gaussian_kl_lambda"
        case synthesisSeed = "synthesis.seed"
    }

    public init(_ config: PipelineConfig) {
        features = config.features
        scoreMaxSeconds = config.evaluation.scoreMaxSeconds
        klSamples = config.losses.klSamples
        gaussianKLLambda = config.losses.gaussianKLLambda
        synthesisSeed = config.synthesis.seed
    }
}

/// Stage 6 (bench).
public struct BenchInputs: StageInputs, Equatable {
    public var features: FeatureConfig
    public var benchmark: BenchmarkConfig
    /// The student is timed in the chunks synthesize uses.
    public var chunkSamples: Int

    enum CodingKeys: String, CodingKey {
        case features, benchmark
        case chunkSamples = "synthesis.chunk_samples"
    }

    public init(_ config: PipelineConfig) {
        features = config.features
        benchmark = config.benchmark
        chunkSamples = config.synthesis.chunkSamples
    }
}

extension PipelineConfig {
    /// The inputs of `stage`, built from this config.
    public func inputs(_ stage: Stage) -> any StageInputs {
        switch stage {
        case .prepare: return PrepareInputs(self)
        case .trainTeacher: return TrainTeacherInputs(self)
        case .distill: return DistillInputs(self)
        case .synthesize: return SynthesizeInputs(self)
        case .evaluate: return EvaluateInputs(self)
        case .bench: return BenchInputs(self)
        }
    }
}

/// Where a stage writes and where the stages it reads wrote: all a stage body sees of the
/// experiment besides its inputs.
public struct StageDirectories: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// `exp/<name>/NN-<stage>/`.
    public func directory(_ stage: Stage) -> URL { root.appendingPathComponent(stage.directoryName) }
}
