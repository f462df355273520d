/// Problems with checkpoint files and directories beyond the safetensors container itself
/// (those are `SafetensorsError`). Messages name the file and what was expected.
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file's `format` metadata is not the one the caller loads (e.g. a student checkpoint
    /// handed to the teacher).
    case formatMismatch(file: String, expected: String, found: String)
    case invalidMetadata(file: String, key: String, value: String, reason: String)
    /// `extra` metadata tried to set a key the checkpoint layer owns.
    case reservedMetadataKey(key: String)
    case invalidStateFile(file: String, reason: String)
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case let .formatMismatch(file, expected, found):
            // Name the kinds: "this is a student checkpoint; a teacher checkpoint is needed here".
            func kind(_ format: String) -> String? {
                ["teacher", "student"].first { format.hasPrefix("wavedistill.\($0).") }
            }
            if let have = kind(found), let want = kind(expected) {
                return "\(file): this is a \(have) checkpoint, a \(want) checkpoint is needed here: format is '\(found)', expected '\(expected)'"
            }
            return "\(file): checkpoint format is '\(found)', expected '\(expected)'"
        case let .invalidMetadata(file, key, value, reason):
            return "\(file): metadata '\(key)' = '\(value)' is invalid: \(reason)"
        case let .reservedMetadataKey(key):
            return "metadata key '\(key)' is reserved for the checkpoint layer"
        case let .invalidStateFile(file, reason):
            return "\(file): invalid training state: \(reason)"
        case let .fileSystem(path, reason):
            return "\(path): \(reason)"
        }
    }
}
