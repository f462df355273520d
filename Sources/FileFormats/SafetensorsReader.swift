import Foundation

extension SafetensorsFile {
    /// Header lengths above this are rejected before anything is allocated (the reference
    /// implementation uses the same limit: 100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// Reads and validates a safetensors file. Never traps on malformed input: every problem is
    /// a `SafetensorsError` naming the file and, where there is one, the tensor.
    public init(contentsOf url: URL) throws(SafetensorsError) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw .cannotRead(file: url.path, reason: FileReadFailure.reason(url, error))
        }
        try self.init(decoding: data, source: url.path)
    }

    /// Validates and decodes a whole file held in memory. Checks, in order: the length field
    /// and the header fit in the file; the header is strict JSON (no duplicate names) of the
    /// expected form; each dtype is supported; shape × element size equals the byte range;
    /// every range lies inside the data section; and the ranges, sorted, tile the data section
    /// exactly (no gap, no overlap, no trailing bytes). Tensors come back in data order.
    public init(decoding data: Data, source: String = "<memory>") throws(SafetensorsError) {
        let decoded = data.withUnsafeBytes { raw in
            Result { () throws(SafetensorsError) -> SafetensorsFile in try Self.decode(raw, source: source) }
        }
        self = try decoded.get()
    }

    /// One entry of the header, before its data is read.
    private struct Entry {
        var name: String
        var dtype: SafetensorsDType
        var shape: [Int]
        var begin: Int
        var end: Int
        var headerIndex: Int
    }

    private static func decode(_ raw: UnsafeRawBufferPointer, source: String) throws(SafetensorsError) -> SafetensorsFile {
        guard raw.count >= 8 else { throw .shorterThanLengthField(file: source, size: raw.count) }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(raw[i]) }
        guard length <= UInt64(maximumHeaderLength) else {
            throw .headerLengthTooLarge(file: source, length: length, limit: maximumHeaderLength)
        }
        let headerLength = Int(length)
        guard headerLength <= raw.count - 8 else {
            throw .headerBeyondFile(file: source, length: length, fileSize: raw.count)
        }
        let headerBytes = Array(raw[8..<(8 + headerLength)])
        let dataStart = 8 + headerLength
        let dataSize = raw.count - dataStart

        let (entries, metadata) = try parseHeader(headerBytes, source: source)
        for entry in entries where entry.end > dataSize {
            throw .dataOutOfBounds(file: source, tensor: entry.name, begin: entry.begin, end: entry.end, dataSize: dataSize)
        }
        let ordered = entries.sorted { ($0.begin, $0.end, $0.headerIndex) < ($1.begin, $1.end, $1.headerIndex) }
        var expectedBegin = 0
        var previous: String?
        for entry in ordered {
            guard entry.begin == expectedBegin else {
                throw .dataNotContiguous(file: source, tensor: entry.name, begin: entry.begin,
                                         expectedBegin: expectedBegin, previous: previous)
            }
            expectedBegin = entry.end
            previous = entry.name
        }
        guard expectedBegin == dataSize else {
            throw .dataNotCovered(file: source, coveredBytes: expectedBegin, dataSize: dataSize)
        }

        let tensors = ordered.map { entry in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)])
            var tensor = SafetensorsTensor(name: entry.name, shape: entry.shape,
                                           scalars: convertToFloat(bytes, from: entry.dtype))
            tensor.storedDType = entry.dtype
            return tensor
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata, source: source)
    }

    private static func parseHeader(_ bytes: [UInt8], source: String)
        throws(SafetensorsError) -> (entries: [Entry], metadata: [String: String]) {
        let json: StrictJSONValue
        do {
            json = try StrictJSONParser.parse(bytes)
        } catch {
            if case let .duplicateKey(key, depth, _) = error, depth == 1, key != "__metadata__" {
                throw .duplicateTensor(file: source, name: key)
            }
            throw .invalidHeader(file: source, reason: "not valid JSON: \(error)")
        }
        guard case let .object(members) = json else {
            throw .invalidHeader(file: source, reason: "expected a JSON object, found \(json.kindName)")
        }
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (index, member) in members.enumerated() {
            if member.key == "__metadata__" {
                metadata = try parseMetadata(member.value, source: source)
            } else {
                entries.append(try parseEntry(name: member.key, member.value, index: index, source: source))
            }
        }
        return (entries, metadata)
    }

    private static func parseMetadata(_ value: StrictJSONValue, source: String) throws(SafetensorsError) -> [String: String] {
        guard case let .object(pairs) = value else {
            throw .invalidHeader(file: source, reason: "__metadata__ must be an object of strings, found \(value.kindName)")
        }
        var metadata: [String: String] = [:]
        for (key, value) in pairs {
            guard case let .string(text) = value else {
                throw .invalidHeader(file: source, reason: "__metadata__ value for '\(key)' must be a string, found \(value.kindName)")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseEntry(name: String, _ value: StrictJSONValue, index: Int, source: String)
        throws(SafetensorsError) -> Entry {
        func bad(_ reason: String) -> SafetensorsError {
            .invalidHeader(file: source, reason: "tensor '\(name)': \(reason)")
        }
        guard case let .object(fields) = value else { throw bad("expected an object, found \(value.kindName)") }
        var dtypeName: String?
        var shapeValues: [StrictJSONValue]?
        var offsetValues: [StrictJSONValue]?
        for (key, field) in fields {
            switch (key, field) {
            case let ("dtype", .string(text)): dtypeName = text
            case let ("shape", .array(values)): shapeValues = values
            case let ("data_offsets", .array(values)): offsetValues = values
            case ("dtype", _): throw bad("dtype must be a string, found \(field.kindName)")
            case ("shape", _), ("data_offsets", _): throw bad("\(key) must be an array, found \(field.kindName)")
            default: throw bad("unknown field '\(key)' (allowed: dtype, shape, data_offsets)")
            }
        }
        guard let dtypeName else { throw bad("missing field 'dtype'") }
        guard let shapeValues else { throw bad("missing field 'shape'") }
        guard let offsetValues else { throw bad("missing field 'data_offsets'") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw .unsupportedDType(file: source, tensor: name, dtype: dtypeName)
        }
        var shape: [Int] = []
        for dimension in shapeValues {
            guard let n = dimension.nonNegativeInteger else {
                throw bad("shape must hold non-negative integers, found \(Self.text(shapeValues))")
            }
            shape.append(n)
        }
        let offsets = offsetValues.compactMap(\.nonNegativeInteger)
        guard offsetValues.count == 2, offsets.count == 2 else {
            throw bad("data_offsets must be two non-negative integers [begin, end], found \(Self.text(offsetValues))")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw bad("data_offsets [\(begin), \(end)] end before they begin") }
        var expectedBytes = dtype.byteSize
        var overflow = false
        for dimension in shape where !overflow {
            (expectedBytes, overflow) = expectedBytes.multipliedReportingOverflow(by: dimension)
        }
        guard !overflow, expectedBytes == end - begin else {
            throw .byteSizeMismatch(file: source, tensor: name, dtype: dtypeName, shape: shape,
                                    expectedBytes: overflow ? Int.max : expectedBytes, begin: begin, end: end)
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end, headerIndex: index)
    }

    /// A JSON-like rendering of an array for messages: `[2.0, "x"]`.
    private static func text(_ values: [StrictJSONValue]) -> String {
        "[" + values.map(text).joined(separator: ", ") + "]"
    }

    private static func text(_ value: StrictJSONValue) -> String {
        switch value {
        case let .number(text): return text
        case let .string(text): return JSONStringLiteral.encode(text)
        default: return value.kindName
        }
    }

    /// Little-endian bytes of `dtype` to float32. F32 is a bit-exact copy (NaN payloads kept);
    /// F16 and BF16 widen exactly; F64 rounds to nearest.
    private static func convertToFloat(_ bytes: UnsafeRawBufferPointer, from dtype: SafetensorsDType) -> [Float] {
        let count = bytes.count / dtype.byteSize
        switch dtype {
        case .f32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                #if _endian(little)
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                #else
                for i in 0..<count {
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
                #endif
                initialized = count
            }
        case .f16:
            return (0..<count).map { i in
                halfToFloat(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bf16:
            return (0..<count).map { i in
                Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
            }
        case .f64:
            return (0..<count).map { i in
                Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        }
    }

    /// IEEE 754 binary16 to binary32 (exact), written out so it works where `Float16` is unavailable.
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)  // Inf, NaN (payload kept)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
