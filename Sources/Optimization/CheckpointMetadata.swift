import FileFormats
import Foundation

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

    /// The start of a metadata value, for a message.
    static func excerpt(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(40)) + "..."
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
        // The configs are decoded later, by the model that owns them; a broken one must still be
        // reported with its key, not as "The given data was not valid JSON.".
        for (key, text) in [("model_config", modelConfig), ("feature_config", featureConfig)] {
            do {
                guard try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any] else {
                    throw CheckpointError.invalidMetadata(file: file.source, key: key, value: Self.excerpt(text),
                                                          reason: "expected a JSON object")
                }
            } catch let error as CheckpointError {
                throw error
            } catch {
                throw CheckpointError.invalidMetadata(file: file.source, key: key, value: Self.excerpt(text),
                                                      reason: "not valid JSON")
            }
        }
        extra = file.metadata.filter { !Self.reservedKeys.contains($0.key) }
    }

    /// Throws `formatMismatch` unless `format` is `expected`.
    public func requireFormat(_ expected: String, file: String) throws(CheckpointError) {
        guard format == expected else { throw .formatMismatch(file: file, expected: expected, found: format) }
        // A student's config under a teacher's format tag (an edited or mislabelled file): say what
        // it is rather than "unknown key 'flows'" from the teacher's config decoder.
        if expected.contains(".teacher."), modelConfig.contains("\"flows\"") {
            throw .invalidMetadata(file: file, key: "model_config", value: Self.excerpt(modelConfig),
                                   reason: "this is a student checkpoint's config (it has the student key 'flows') under the format tag \(format)")
        }
    }
}
