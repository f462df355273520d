import Configuration
import Training

/// YAML `training:`: one `TrainingSettings` block per trained model.
public struct TrainingSection: Codable, Sendable, Equatable, ValidatableConfig {
    public var teacher = TrainingSettings()
    public var student = TrainingSettings()

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case teacher, student }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        teacher = try c.value(.teacher, default: teacher)
        student = try c.value(.student, default: student)
    }

    public func validate(path: String) throws {
        try teacher.validate(path: key(path, "teacher"))
        try student.validate(path: key(path, "student"))
    }
}

/// YAML `synthesis:`: copy synthesis of the held-out utterances (the synthesize stage).
public struct SynthesisConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// Student noise temperature (1 = the trained distribution).
    public var studentTemperature: Double = 1
    /// Teacher sampling temperature.
    public var teacherTemperature: Double = 1
    /// With a value: the teacher's temperature in voiced frames (voicing estimated from the mel),
    /// `teacherTemperature` elsewhere (LPCNet's voiced sampling).
    public var teacherVoicedTemperature: Double?
    /// The student synthesises in chunks of this many samples (bounded memory; identical output).
    public var chunkSamples: Int = 32_000
    /// The teacher samples one step at a time: only the first this many seconds of each
    /// utterance (0: none).
    public var teacherMaxSeconds: Double = 2
    public var seed: UInt64 = 7
    /// Griffin-Lim iterations of the classical baseline (was `evaluation.griffin_lim_iterations`:
    /// synthesize is the stage that runs Griffin-Lim).
    public var griffinLimIterations: Int = 32

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case studentTemperature = "student_temperature"
        case teacherTemperature = "teacher_temperature"
        case teacherVoicedTemperature = "teacher_voiced_temperature"
        case chunkSamples = "chunk_samples"
        case teacherMaxSeconds = "teacher_max_seconds"
        case seed
        case griffinLimIterations = "griffin_lim_iterations"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        studentTemperature = try c.value(.studentTemperature, default: studentTemperature)
        teacherTemperature = try c.value(.teacherTemperature, default: teacherTemperature)
        teacherVoicedTemperature = try c.value(.teacherVoicedTemperature, default: teacherVoicedTemperature)
        chunkSamples = try c.value(.chunkSamples, default: chunkSamples)
        teacherMaxSeconds = try c.value(.teacherMaxSeconds, default: teacherMaxSeconds)
        seed = try c.value(.seed, default: seed)
        griffinLimIterations = try c.value(.griffinLimIterations, default: griffinLimIterations)
    }

    public func validate(path: String) throws {
        try Require.that(studentTemperature >= 0 && studentTemperature <= 2, key(path, "student_temperature"), "must be in [0, 2]")
        try Require.that(teacherTemperature >= 0 && teacherTemperature <= 2, key(path, "teacher_temperature"), "must be in [0, 2]")
        if let t = teacherVoicedTemperature {
            try Require.that(t >= 0 && t <= 2, key(path, "teacher_voiced_temperature"), "must be in [0, 2]")
        }
        // Upper bounds: these become sample counts, and 1e300 s traps in the conversion to Int.
        try Require.that(chunkSamples >= 256 && chunkSamples <= 1 << 30, key(path, "chunk_samples"), "must be in 256...\(1 << 30)")
        try Require.that(teacherMaxSeconds >= 0 && teacherMaxSeconds <= StageLimits.seconds, key(path, "teacher_max_seconds"),
                         "must be in 0...\(Int(StageLimits.seconds)) s")
        try Require.that(griffinLimIterations >= 1 && griffinLimIterations <= 1000, key(path, "griffin_lim_iterations"),
                         "must be in 1...1000")
    }
}

/// YAML `evaluation:`.
public struct EvaluationConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// The teacher's NLL and the student's KL are measured on at most this many seconds per
    /// utterance (read by evaluate, and by train-teacher and distill for their validation figures).
    public var scoreMaxSeconds: Double = 4

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case scoreMaxSeconds = "score_max_seconds"
    }

    /// Keys that lived here once, and where they live now.
    static let movedKeys = ["griffin_lim_iterations": "synthesis.griffin_lim_iterations"]

    public init(from decoder: any Decoder) throws {
        try decoder.rejectMovedKeys(Self.movedKeys)
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scoreMaxSeconds = try c.value(.scoreMaxSeconds, default: scoreMaxSeconds)
    }

    public func validate(path: String) throws {
        try Require.that(scoreMaxSeconds > 0 && scoreMaxSeconds <= StageLimits.seconds, key(path, "score_max_seconds"),
                         "must be in (0, \(Int(StageLimits.seconds))] s")
    }
}

/// YAML `benchmark:`: the `bench` stage (see `wavedistill bench`).
public struct BenchmarkConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// Audio lengths for the scaling table, seconds.
    public var audioSeconds: [Double] = [1, 4]
    /// Timed repetitions per measurement (the median is reported).
    public var repetitions: Int = 3
    /// Seconds of audio for the naive teacher (slow by design).
    public var naiveSeconds: Double = 0.05
    /// Batch sizes of batched cached teacher sampling.
    public var teacherBatches: [Int] = [1, 4]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case audioSeconds = "audio_seconds"
        case repetitions
        case naiveSeconds = "naive_seconds"
        case teacherBatches = "teacher_batches"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        audioSeconds = try c.value(.audioSeconds, default: audioSeconds)
        repetitions = try c.value(.repetitions, default: repetitions)
        naiveSeconds = try c.value(.naiveSeconds, default: naiveSeconds)
        teacherBatches = try c.value(.teacherBatches, default: teacherBatches)
    }

    public func validate(path: String) throws {
        try Require.that(!audioSeconds.isEmpty && audioSeconds.allSatisfy { $0 > 0 && $0 <= StageLimits.seconds }, key(path, "audio_seconds"),
                         "positive lengths of at most \(Int(StageLimits.seconds)) s")
        try Require.that(repetitions >= 1 && repetitions <= 100_000, key(path, "repetitions"), "must be in 1...100000")
        try Require.that(naiveSeconds > 0 && naiveSeconds <= StageLimits.seconds, key(path, "naive_seconds"),
                         "must be in (0, \(Int(StageLimits.seconds))] s")
        try Require.that(!teacherBatches.isEmpty && teacherBatches.allSatisfy { $0 >= 1 && $0 <= 1024 }, key(path, "teacher_batches"),
                         "batch sizes in 1...1024")
    }
}

extension Decoder {
    /// Refuses a key that has moved to another section, naming its new place, so a recipe written
    /// before the move fails with the fix rather than with "unknown key".
    func rejectMovedKeys(_ moved: [String: String]) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys {
            if let destination = moved[key.stringValue] {
                throw ConfigError(.other("has moved to \(destination) (the stage that reads it); move the line there"),
                                  path: dottedPath(codingPath + [key]))
            }
        }
    }
}

/// Bounds shared by the stage configs.
enum StageLimits {
    /// The longest audio a stage is asked to synthesise, score or time: a day.
    static let seconds = 86_400.0
}
