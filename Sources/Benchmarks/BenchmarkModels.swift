import Foundation
import SignalProcessing
import Student
import Teacher

/// The teacher and student a benchmark runs: checkpoints, or freshly initialised models of a
/// named preset (random weights cost the same FLOPs as trained ones, so no training is needed).
public struct BenchmarkModels {
    public let teacher: WaveNet
    public let student: IAFStudent
    /// The features both models expect (a checkpoint's, or the defaults).
    public let features: FeatureConfig
    /// Where each model came from, for the log.
    public let description: String

    /// Preset names accepted by `make` (the same for teacher and student).
    public static let presetNames = WaveNetConfig.Preset.allCases.map(\.rawValue)

    /// Loads `teacherFile` / `studentFile` when given, and builds the other model(s) from
    /// `preset` with the features of the checkpoint (or the default features). Two checkpoints
    /// must agree on their features.
    public static func make(preset: String, teacherFile: URL?, studentFile: URL?, seed: UInt64 = 1) throws -> BenchmarkModels {
        guard let teacherPreset = WaveNetConfig.Preset(rawValue: preset),
              let studentPreset = StudentConfig.Preset(rawValue: preset) else {
            throw BenchmarkError.invalidOption("preset", "must be one of \(presetNames.joined(separator: ", ")), got '\(preset)'")
        }
        let loadedTeacher = try teacherFile.map { try WaveNet.load(from: $0) }
        let loadedStudent = try studentFile.map { try IAFStudent.load(from: $0) }
        if let t = loadedTeacher, let s = loadedStudent, t.features != s.features {
            throw BenchmarkError.mismatch("\(teacherFile!.path) and \(studentFile!.path) were trained on different features "
                                          + "(\(t.features.canonicalJSON) vs \(s.features.canonicalJSON))")
        }
        let features = loadedTeacher?.features ?? loadedStudent?.features ?? FeatureConfig()
        let teacher = try loadedTeacher?.model
            ?? WaveNet(config: .preset(teacherPreset), conditionChannels: features.melBandCount, hop: features.hopLength, seed: seed)
        let student = try loadedStudent?.model
            ?? IAFStudent(config: .preset(studentPreset), conditionChannels: features.melBandCount, hop: features.hopLength,
                          seed: seed)
        let teacherSource = loadedTeacher.map { "teacher \(teacherFile!.path) (step \($0.step))" } ?? "teacher preset \(preset) (random weights)"
        let studentSource = loadedStudent.map { "student \(studentFile!.path) (step \($0.step))" } ?? "student preset \(preset) (random weights)"
        return BenchmarkModels(teacher: teacher, student: student, features: features,
                               description: teacherSource + ", " + studentSource)
    }
}
