/// In-memory form of a safetensors file (DESIGN §6): named float32 tensors in data order plus a
/// string-to-string metadata map.
///
/// Layout on disk: 8-byte little-endian header length N, N bytes of JSON header (padded with
/// spaces to a multiple of 8 so the data starts 8-byte aligned), then the tensors' raw
/// little-endian bytes, back to back in the order given. See docs/checkpoint-format.md.
///
/// This module knows nothing about `Tensor` or `Parameter`: it works on names, shapes and
/// `[Float]`, so it stays a foundation module; the Optimization module maps parameters to it.
public struct SafetensorsFile: Sendable, Equatable {
    /// Tensors in the order of their data in the file.
    public var tensors: [SafetensorsTensor]
    /// The `__metadata__` map (omitted from the header when empty).
    public var metadata: [String: String]
    /// Where the file came from (a path, or `<memory>`): used in error messages.
    public var source: String

    public init(tensors: [SafetensorsTensor] = [], metadata: [String: String] = [:], source: String = "<memory>") {
        self.tensors = tensors
        self.metadata = metadata
        self.source = source
    }

    public var names: [String] { tensors.map(\.name) }

    /// The tensor called `name`, or nil.
    public subscript(name: String) -> SafetensorsTensor? {
        tensors.first { $0.name == name }
    }

    /// The tensor called `name`; throws `missingTensors` naming it and the file.
    public func tensor(named name: String) throws(SafetensorsError) -> SafetensorsTensor {
        guard let tensor = self[name] else { throw .missingTensors(file: source, names: [name]) }
        return tensor
    }

    /// Metadata value for `key`; throws `missingMetadata` naming the key and the file.
    public func metadataValue(_ key: String) throws(SafetensorsError) -> String {
        guard let value = metadata[key] else { throw .missingMetadata(file: source, key: key) }
        return value
    }
}

/// One named tensor: a row-major shape and its float32 scalars.
public struct SafetensorsTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var scalars: [Float]
    /// The dtype the tensor had in the file it was read from (F16/BF16/F64 are widened or
    /// narrowed to float32 on reading). The writer always writes F32.
    public internal(set) var storedDType: SafetensorsDType = .f32

    /// The writer checks that `scalars.count` is the product of `shape`.
    public init(name: String, shape: [Int], scalars: [Float]) {
        self.name = name
        self.shape = shape
        self.scalars = scalars
    }

    /// Equality compares scalars by bit pattern, so NaN payloads and -0 count.
    public static func == (a: SafetensorsTensor, b: SafetensorsTensor) -> Bool {
        a.name == b.name && a.shape == b.shape && a.storedDType == b.storedDType
            && a.scalars.count == b.scalars.count
            && zip(a.scalars, b.scalars).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}

/// Element types the reader accepts. Everything is held as float32 in memory; the other
/// floating types are converted on reading so that weights exported by other frameworks in
/// half precision or double still load. Integer and 8-bit float types are rejected.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case f64 = "F64"

    public var byteSize: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .f64: return 8
        }
    }

    /// Dtype names of the format that this reader does not convert (named in errors).
    static let knownButUnsupported: Set<String> = [
        "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64",
        "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64",
    ]
}
