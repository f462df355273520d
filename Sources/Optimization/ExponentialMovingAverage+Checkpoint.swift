import Foundation
import FileFormats
import Tensors

/// EMA weights on disk (`ema.safetensors`): a regular weights file (same tensor names and
/// metadata as `model.safetensors`, so `ParameterSet.load(from:)` reads it for synthesis) with
/// three more metadata keys to resume averaging: `ema_decay`, `ema_update_count`, `ema_warmup`
/// (`true`/`false`).
extension ExponentialMovingAverage {
    public static let metadataKeys: Set<String> = ["ema_decay", "ema_update_count", "ema_warmup"]

    /// Writes the averages atomically under the parameters' names, with `metadata` (usually the
    /// model file's) plus the EMA keys.
    public func save(to url: URL, metadata: CheckpointMetadata) throws {
        var metadata = metadata
        metadata.extra["ema_decay"] = String(decay)
        metadata.extra["ema_update_count"] = String(updateCount)
        metadata.extra["ema_warmup"] = String(warmsUp)
        let tensors = names.indices.map { SafetensorsTensor(name: names[$0], shape: shapes[$0], scalars: shadows[$0]) }
        try SafetensorsFile(tensors: tensors, metadata: metadata.dictionary()).write(to: url)
    }

    /// Reads averages saved for `parameters` (exact names and shapes) and the averaging state.
    public init(contentsOf url: URL, tracking parameters: ParameterSet) throws {
        let file = try SafetensorsFile(contentsOf: url)
        let tensors = try file.tensors(matching: parameters.tensorSpecs)
        let decayText = try file.metadataValue("ema_decay")
        let countText = try file.metadataValue("ema_update_count")
        let warmupText = try file.metadataValue("ema_warmup")
        guard let decay = Double(decayText), decay >= 0, decay <= 1 else {
            throw CheckpointError.invalidMetadata(file: file.source, key: "ema_decay", value: decayText,
                                                  reason: "expected a number in [0, 1]")
        }
        guard let count = Int(countText), count >= 0 else {
            throw CheckpointError.invalidMetadata(file: file.source, key: "ema_update_count", value: countText,
                                                  reason: "expected a non-negative integer")
        }
        guard let warmsUp = Bool(warmupText) else {
            throw CheckpointError.invalidMetadata(file: file.source, key: "ema_warmup", value: warmupText,
                                                  reason: "expected true or false")
        }
        self.init(tracking: parameters, decay: decay, warmsUp: warmsUp)
        updateCount = count
        shadows = tensors.map(\.scalars)
    }
}
