import Configuration
import Distillation
import Foundation
import SignalProcessing
import Student
import Teacher

/// A pipeline file (`Pipelines/*.yaml`): everything one experiment needs, in typed sections.
/// Unknown keys, wrong types and out-of-range values are rejected with the key's path and line.
///
/// ```yaml
/// name: quickstart          # experiment name: outputs go to exp/<name>/
/// seed: 1
/// data: {...}               # DataConfig
/// features: {...}           # FeatureConfig (DESIGN §2)
/// teacher: {preset: small}  # WaveNetConfig
/// student: {preset: small}  # StudentConfig
/// losses: {...}             # LossesConfig
/// training: {teacher: {...}, student: {...}}   # TrainingSettings each
/// synthesis: {...}
/// evaluation: {...}
/// benchmark: {...}
/// ```
public struct PipelineConfig: Codable, Sendable, Equatable, ValidatableConfig {
    public var name: String
    public var seed: UInt64 = 1
    public var data = DataConfig()
    public var features = FeatureConfig()
    public var teacher = WaveNetConfig.preset(.small)
    public var student = StudentConfig.preset(.small)
    public var losses = LossesConfig()
    public var training = TrainingSection()
    public var synthesis = SynthesisConfig()
    public var evaluation = EvaluationConfig()
    public var benchmark = BenchmarkConfig()

    public init(name: String) { self.name = name }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, seed, data, features, teacher, student, losses, training, synthesis, evaluation, benchmark
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        seed = try c.value(.seed, default: seed)
        data = try c.value(.data, default: data)
        features = try c.value(.features, default: features)
        teacher = try c.value(.teacher, default: teacher)
        student = try c.value(.student, default: student)
        losses = try c.value(.losses, default: losses)
        training = try c.value(.training, default: training)
        synthesis = try c.value(.synthesis, default: synthesis)
        evaluation = try c.value(.evaluation, default: evaluation)
        benchmark = try c.value(.benchmark, default: benchmark)
    }

    public func validate(path: String) throws {
        try Require.that(!name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) },
                         "name", "must be a non-empty file-name-safe string (letters, digits, - _ .)")
        try data.validate(path: "data")
        try features.validate(path: "features")
        try teacher.validate(path: "teacher")
        try teacher.upsampler.validate(path: "teacher.upsampler", hop: features.hopLength)
        try student.validate(path: "student")
        try student.upsampler.validate(path: "student.upsampler", hop: features.hopLength)
        try losses.validate(path: "losses")
        try Self.requirePairing(student: student.base, teacherHead: teacher.head.kind)
        try Require.that(losses.contrastiveGamma == 0 || training.student.batchSize >= 2, "training.student.batch_size",
                         "must be >= 2 with losses.contrastive_gamma > 0 (c' is another batch item's conditioning)")
        try training.validate(path: "training")
        try synthesis.validate(path: "synthesis")
        try evaluation.validate(path: "evaluation")
        try benchmark.validate(path: "benchmark")
    }

    /// `DistillationPairing`'s rule, at load: a recipe whose teacher cannot teach its student
    /// fails before the teacher trains, naming the key to change.
    static func requirePairing(student base: StudentBase, teacherHead kind: OutputHeadConfig.Kind) throws {
        do {
            try DistillationPairing.check(studentBase: base, teacherHead: kind)
        } catch .basePairing {
            try Require.that(false, "student.base",
                             "\(base.rawValue) does not pair with teacher.head.kind: \(kind.rawValue); a Gaussian "
                                 + "student is distilled with the closed-form KL, which needs a Gaussian teacher, "
                                 + "and a Gaussian teacher only that way (student.base and teacher.head.kind: both "
                                 + "gaussian, or logistic with mol)")
        } catch {
            try Require.that(false, "teacher.head.kind", "\(error)")
        }
    }

    /// Loads and validates a pipeline file.
    public static func load(_ url: URL) throws -> PipelineConfig {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ConfigError(.other("pipeline file not found"), path: "", file: url.path)
        }
        return try YAMLConfigLoader.load(PipelineConfig.self, from: url)
    }
}
