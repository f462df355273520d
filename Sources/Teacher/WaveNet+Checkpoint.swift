import Configuration
import FileFormats
import Foundation
import Optimization
import SignalProcessing

/// Teacher weights files: safetensors with `format = wavedistill.teacher.v1`, the model config
/// (`model_config`, WaveNetConfig JSON) and the feature config (`feature_config`), so that a
/// file alone rebuilds the model and names the features it expects.
extension WaveNet {
    public static let checkpointFormat = "wavedistill.teacher.v1"

    public func metadata(features: FeatureConfig, step: Int) -> CheckpointMetadata {
        CheckpointMetadata(format: Self.checkpointFormat, modelConfig: JSONConfig.encode(config),
                           featureConfig: features.canonicalJSON, step: step)
    }

    /// Loads a teacher file: rebuilds the model from its config, then checks and loads every
    /// tensor. Returns the model, the features it was trained on and its step.
    public static func load(from url: URL) throws -> (model: WaveNet, features: FeatureConfig, step: Int) {
        let file = try SafetensorsFile(contentsOf: url)
        let metadata = try CheckpointMetadata(from: file)
        try metadata.requireFormat(checkpointFormat, file: url.path)
        let config = try JSONConfig.decode(WaveNetConfig.self, from: metadata.modelConfig, source: url.path)
        let features = try JSONConfig.decode(FeatureConfig.self, from: metadata.featureConfig, source: url.path)
        let model = try WaveNet(config: config, conditionChannels: features.melBandCount, hop: features.hopLength, seed: 0,
                                features: features)
        try model.parameters.assign(from: file)
        return (model, features, metadata.step)
    }
}
