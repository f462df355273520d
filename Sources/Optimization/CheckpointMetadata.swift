import FileFormats

/// The metadata every wavedistill weights file carries (DESIGN §6), stored as safetensors
/// `__metadata__` strings: enough to rebuild the model and its features without the run's
/// config files.
///
/// | key              | value                                                   |
/// |------------------|---------------------------------------------------------|
/// | `format`         | what the file holds and its version: `wavedistill.teacher.v1` |
/// | `model_config`   | the model config, JSON                                  |
/// | `feature_config` | the feature (log-mel) config, JSON                      |
/// | `step`           | optimiser step of the weights, decimal                  |
/// | anything else    | `extra` (e.g. `ema_decay` in EMA files, `git_commit`)   |
public struct CheckpointMetadata: Sendable, Equatable {
    public static let reservedKeys: Set<String> = ["format", "model_config", "feature_config", "step"]

    public var format: String
    public var modelConfig: String
    public var featureConfig: String
    public var step: Int
    public var extra: [String: String]

    public init(format: String, modelConfig: String, featureConfig: String, step: Int, extra: [String: String] = [:]) {
        self.format = format
        self.modelConfig = modelConfig
        self.featureConfig = featureConfig
        self.step = step
        self.extra = extra
    }

    /// The `__metadata__` map; throws if `extra` tries to override a reserved key.
    public func dictionary() throws(CheckpointError) -> [String: String] {
        if let clash = extra.keys.sorted().first(where: Self.reservedKeys.contains) {
            throw .reservedMetadataKey(key: clash)
        }
        var map = extra
        map["format"] = format
        map["model_config"] = modelConfig
        map["feature_config"] = featureConfig
        map["step"] = String(step)
        return map
    }

    /// Reads the metadata of `file`, requiring every reserved key and a valid step.
    public init(from file: SafetensorsFile) throws {
        format = try file.metadataValue("format")
        modelConfig = try file.metadataValue("model_config")
        featureConfig = try file.metadataValue("feature_config")
        let stepText = try file.metadataValue("step")
        guard let step = Int(stepText), step >= 0 else {
            throw CheckpointError.invalidMetadata(file: file.source, key: "step", value: stepText,
                                                  reason: "expected a non-negative integer")
        }
        self.step = step
        extra = file.metadata.filter { !Self.reservedKeys.contains($0.key) }
    }

    /// Throws `formatMismatch` unless `format` is `expected`.
    public func requireFormat(_ expected: String, file: String) throws(CheckpointError) {
        guard format == expected else { throw .formatMismatch(file: file, expected: expected, found: format) }
    }
}
