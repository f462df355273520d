/// Everything that can be wrong with a safetensors file or with writing one. Each message names
/// the file, the tensor, and what was expected and found, so a failed load says what to fix.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: Reading the container
    case cannotRead(file: String, reason: String)
    /// The file is shorter than the 8-byte header length field.
    case shorterThanLengthField(file: String, size: Int)
    /// The header length is larger than any sane header (the reference library's limit).
    case headerLengthTooLarge(file: String, length: UInt64, limit: Int)
    /// The header length points past the end of the file.
    case headerBeyondFile(file: String, length: UInt64, fileSize: Int)
    /// The header is not valid JSON, or valid JSON of the wrong form.
    case invalidHeader(file: String, reason: String)
    case duplicateTensor(file: String, name: String)
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// The shape and dtype need `expectedBytes`, but `data_offsets` span another size.
    case byteSizeMismatch(file: String, tensor: String, dtype: String, shape: [Int],
                          expectedBytes: Int, begin: Int, end: Int)
    /// A tensor's data runs past the end of the file: truncated file or wrong offsets.
    case dataOutOfBounds(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Tensors must tile the data section without gaps or overlap.
    case dataNotContiguous(file: String, tensor: String, begin: Int, expectedBegin: Int, previous: String?)
    /// Bytes after the last tensor that no tensor claims.
    case dataNotCovered(file: String, coveredBytes: Int, dataSize: Int)

    // MARK: Writing
    case invalidTensor(name: String, reason: String)

    // MARK: Checking contents against expectations
    case missingTensors(file: String, names: [String])
    case unexpectedTensors(file: String, names: [String])
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    case missingMetadata(file: String, key: String)

    public var description: String {
        switch self {
        case let .cannotRead(file, reason):
            return "\(file): cannot read safetensors file: \(reason)"
        case let .shorterThanLengthField(file, size):
            return "\(file): file is truncated: \(size) bytes, shorter than the 8-byte header length"
        case let .headerLengthTooLarge(file, length, limit):
            return "\(file): header length \(length) bytes exceeds the limit of \(limit) bytes (not a safetensors file, or corrupt)"
        case let .headerBeyondFile(file, length, fileSize):
            return "\(file): file is truncated or corrupt: header length \(length) bytes runs past the end of the file (\(fileSize) bytes)"
        case let .invalidHeader(file, reason):
            return "\(file): invalid safetensors header: \(reason)"
        case let .duplicateTensor(file, name):
            return "\(file): tensor '\(name)' appears twice in the header"
        case let .unsupportedDType(file, tensor, dtype):
            let supported = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(file): tensor '\(tensor)' has dtype '\(dtype)', which is not supported (supported: \(supported))"
        case let .byteSizeMismatch(file, tensor, dtype, shape, expectedBytes, begin, end):
            return "\(file): tensor '\(tensor)' of shape \(shape) and dtype \(dtype) needs \(expectedBytes) bytes, "
                + "but data_offsets [\(begin), \(end)] span \(end - begin) bytes"
        case let .dataOutOfBounds(file, tensor, begin, end, dataSize):
            return "\(file): file is truncated or offsets are wrong: tensor '\(tensor)' data_offsets [\(begin), \(end)] "
                + "run past the end of the data section (\(dataSize) bytes)"
        case let .dataNotContiguous(file, tensor, begin, expectedBegin, previous):
            let after = previous.map { "after tensor '\($0)'" } ?? "at the start of the data section"
            let kind = begin < expectedBegin ? "overlaps the previous tensor" : "leaves a gap"
            return "\(file): tensor '\(tensor)' starts at byte \(begin) but \(after) the next tensor must start at byte "
                + "\(expectedBegin) (it \(kind))"
        case let .dataNotCovered(file, coveredBytes, dataSize):
            return "\(file): data section has \(dataSize) bytes but the tensors cover only \(coveredBytes) "
                + "(\(dataSize - coveredBytes) trailing bytes)"
        case let .invalidTensor(name, reason):
            return "cannot write tensor '\(name)': \(reason)"
        case let .missingTensors(file, names):
            return "\(file): missing tensor\(names.count == 1 ? "" : "s") \(Self.list(names))"
        case let .unexpectedTensors(file, names):
            return "\(file): unexpected tensor\(names.count == 1 ? "" : "s") \(Self.list(names)) (not in the model)"
        case let .shapeMismatch(file, tensor, expected, found):
            return "\(file): tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .missingMetadata(file, key):
            return "\(file): metadata key '\(key)' is missing"
        }
    }

    /// Quoted names, at most 10 of them, then a count of the rest.
    private static func list(_ names: [String]) -> String {
        let shown = names.prefix(10).map { "'\($0)'" }.joined(separator: ", ")
        return names.count > 10 ? "\(shown) and \(names.count - 10) more" : shown
    }
}
