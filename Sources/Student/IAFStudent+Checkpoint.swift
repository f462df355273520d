import Configuration
import FileFormats
import Foundation
import Optimization
import SignalProcessing

/// Student weights files: safetensors with `format = wavedistill.student.v1`, the model config
/// (`model_config`, StudentConfig JSON), the feature config (`feature_config`, canonical JSON)
/// and the step, so that a file alone rebuilds the student and names the features it expects.
/// A teacher file (`wavedistill.teacher.v1`) is rejected with `CheckpointError.formatMismatch`.
extension IAFStudent {
    public static let checkpointFormat = "wavedistill.student.v1"

    public func metadata(features: FeatureConfig, step: Int) -> CheckpointMetadata {
        CheckpointMetadata(format: Self.checkpointFormat, modelConfig: JSONConfig.encode(config),
                           featureConfig: features.canonicalJSON, step: step)
    }

    /// Writes the weights atomically (`ParameterSet.save`).
    public func save(to url: URL, features: FeatureConfig, step: Int) throws {
        try parameters.save(to: url, metadata: metadata(features: features, step: step))
    }

    /// Loads a student file: checks the format, rebuilds the model from its config, then checks
    /// and loads every tensor. Returns the model, the features it was trained on and its step.
    public static func load(from url: URL) throws -> (model: IAFStudent, features: FeatureConfig, step: Int) {
        let file = try SafetensorsFile(contentsOf: url)
        let metadata = try CheckpointMetadata(from: file)
        try metadata.requireFormat(checkpointFormat, file: url.path)
        let config = try JSONConfig.decode(StudentConfig.self, from: metadata.modelConfig, source: url.path)
        let features = try JSONConfig.decode(FeatureConfig.self, from: metadata.featureConfig, source: url.path)
        let model = try IAFStudent(config: config, conditionChannels: features.melBandCount, hop: features.hopLength,
                                   seed: 0, features: features)
        try model.parameters.assign(from: file)
        return (model, features, metadata.step)
    }
}
