import Foundation

/// A float32 array read from or written to a NumPy `.npy` file: C (row-major) order.
public struct NPYArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// Problems with `.npy` files. Every message names the file.
public enum NPYError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotRead(path: String, reason: String)
    case badMagic(path: String)
    case unsupportedVersion(path: String, major: Int, minor: Int)
    /// The header length field points past the end of the file.
    case headerBeyondFile(path: String, headerEnd: Int, fileSize: Int)
    case malformedHeader(path: String, reason: String)
    /// Only little-endian float32 ('<f4') and float64 ('<f8', converted) are read.
    case unsupportedDType(path: String, descr: String)
    case fortranOrder(path: String)
    case truncatedData(path: String, expectedBytes: Int, availableBytes: Int)
    case trailingData(path: String, extraBytes: Int)
    /// `values.count` is not the product of `shape` (or a dimension is negative).
    case shapeMismatch(path: String, shape: [Int], valueCount: Int)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .badMagic(path):
            return "\(path): not a .npy file (the magic string \\x93NUMPY is missing)"
        case let .unsupportedVersion(path, major, minor):
            return "\(path): unsupported .npy format version \(major).\(minor)"
        case let .headerBeyondFile(path, headerEnd, fileSize):
            return "\(path): corrupt .npy: the header would end at byte \(headerEnd) but the file has \(fileSize) bytes"
        case let .malformedHeader(path, reason):
            return "\(path): malformed .npy header: \(reason)"
        case let .unsupportedDType(path, descr):
            return "\(path): unsupported .npy dtype '\(descr)' (only '<f4' and '<f8' are read)"
        case let .fortranOrder(path):
            return "\(path): Fortran-order .npy arrays are not supported (save with C order)"
        case let .truncatedData(path, expected, available):
            return "\(path): truncated .npy: the shape needs \(expected) data bytes but only \(available) are present"
        case let .trailingData(path, extra):
            return "\(path): corrupt .npy: \(extra) unexpected bytes after the array data"
        case let .shapeMismatch(path, shape, count):
            return "\(path): shape \(shape) does not hold \(count) values"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}

/// NumPy's `.npy` format (version 1.0): the magic "\x93NUMPY", version bytes, a little-endian
/// header length, a Python-literal dict header `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (T, C), }` padded with spaces and a newline so the data starts at a multiple of 64
/// bytes, then the raw little-endian values. Features are stored this way so numpy, torch and
/// librosa users can read them with `np.load`.
public enum NPY {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    private static let alignment = 64

    /// Writes `values` with `shape` as float32 `.npy`, atomically (no partial file under `url`).
    public static func write(_ values: [Float], shape: [Int], to url: URL) throws(NPYError) {
        let data = try encode(values, shape: shape, path: url.path)
        do {
            try AtomicFile.write(data, to: url)
        } catch let error as AtomicFileError {
            throw .cannotWrite(path: url.path, reason: error.description)
        } catch {
            throw .cannotWrite(path: url.path, reason: String(describing: error))
        }
    }

    public static func write(_ array: NPYArray, to url: URL) throws(NPYError) {
        try write(array.values, shape: array.shape, to: url)
    }

    /// The bytes of a version 1.0 float32 `.npy` file. `path` is only used in errors.
    public static func encode(_ values: [Float], shape: [Int], path: String = "<memory>") throws(NPYError) -> Data {
        guard let count = elementCount(shape), count == values.count else {
            throw .shapeMismatch(path: path, shape: shape, valueCount: values.count)
        }
        let dimensions = shape.map(String.init)
        let shapeText = shape.count == 1 ? "(\(dimensions[0]),)" : "(\(dimensions.joined(separator: ", ")))"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (alignment - unpadded % alignment) % alignment) + "\n"
        guard header.utf8.count <= Int(UInt16.max) else {
            throw .shapeMismatch(path: path, shape: shape, valueCount: values.count)
        }
        var data = Data(magic)
        data.append(contentsOf: [1, 0])
        let headerLength = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.reserveCapacity(data.count + 4 * values.count)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// Reads a C-order `.npy` file of '<f4' or '<f8' values (the latter converted to Float).
    public static func read(from url: URL) throws(NPYError) -> NPYArray {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .cannotRead(path: url.path, reason: FileReadFailure.reason(url, error))
        }
        return try decode(data, path: url.path)
    }

    /// Parses `.npy` bytes; never traps on malformed input. `path` is only used in errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws(NPYError) -> NPYArray {
        let bytes = [UInt8](data)
        guard bytes.count >= magic.count + 2, Array(bytes[0..<magic.count]) == magic else {
            throw .badMagic(path: path)
        }
        let major = Int(bytes[6]), minor = Int(bytes[7])
        let lengthFieldSize: Int
        switch major {
        case 1: lengthFieldSize = 2
        case 2, 3: lengthFieldSize = 4
        default: throw .unsupportedVersion(path: path, major: major, minor: minor)
        }
        let headerStart = 8 + lengthFieldSize
        guard bytes.count >= headerStart else {
            throw .headerBeyondFile(path: path, headerEnd: headerStart, fileSize: bytes.count)
        }
        var headerLength = 0
        for i in 0..<lengthFieldSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw .headerBeyondFile(path: path, headerEnd: dataStart, fileSize: bytes.count)
        }
        guard let headerText = String(bytes: bytes[headerStart..<dataStart], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw .malformedHeader(path: path, reason: "the header is not text")
        }
        let header: NPYHeader
        do {
            header = try NPYHeader(parsing: headerText)
        } catch {
            throw .malformedHeader(path: path, reason: error.reason)
        }
        if header.fortranOrder { throw .fortranOrder(path: path) }
        let itemSize: Int
        switch header.descr {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        default: throw .unsupportedDType(path: path, descr: header.descr)
        }
        guard let count = elementCount(header.shape) else {
            throw .malformedHeader(path: path, reason: "invalid shape \(header.shape)")
        }
        let (expectedBytes, overflow) = count.multipliedReportingOverflow(by: itemSize)
        let available = bytes.count - dataStart
        guard !overflow, expectedBytes <= available else {
            throw .truncatedData(path: path, expectedBytes: overflow ? Int.max : expectedBytes, availableBytes: available)
        }
        guard expectedBytes == available else {
            throw .trailingData(path: path, extraBytes: available - expectedBytes)
        }
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            if itemSize == 4 {
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: dataStart + 4 * i, as: UInt32.self)
                    values[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            } else {
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: dataStart + 8 * i, as: UInt64.self)
                    values[i] = Float(Double(bitPattern: UInt64(littleEndian: bits)))
                }
            }
        }
        return NPYArray(shape: header.shape, values: values)
    }

    /// Product of the dimensions, or nil if one is negative or the product overflows.
    private static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}

/// The three fields of a `.npy` header dict, parsed from its Python literal text. Only the
/// literal forms numpy writes are accepted: quoted strings, True/False, tuples of integers.
private struct NPYHeader {
    struct ParseError: Error { let reason: String }

    var descr = ""
    var fortranOrder = false
    var shape: [Int] = []

    init(parsing text: String) throws(ParseError) {
        var scanner = LiteralScanner(text)
        var seen = Set<String>()
        try scanner.expect("{")
        while !scanner.consume("}") {
            let key = try scanner.string()
            try scanner.expect(":")
            switch key {
            case "descr": descr = try scanner.string()
            case "fortran_order": fortranOrder = try scanner.bool()
            case "shape": shape = try scanner.integerTuple()
            default: throw ParseError(reason: "unexpected key '\(key)'")
            }
            seen.insert(key)
            if !scanner.consume(",") {
                try scanner.expect("}")
                break
            }
        }
        for key in ["descr", "fortran_order", "shape"] where !seen.contains(key) {
            throw ParseError(reason: "missing key '\(key)'")
        }
        guard scanner.atEnd else { throw ParseError(reason: "unexpected text after the dict") }
    }

    /// Reads the small Python-literal subset of `.npy` headers, skipping whitespace.
    private struct LiteralScanner {
        private let characters: [Character]
        private var index = 0

        init(_ text: String) { characters = Array(text) }

        var atEnd: Bool {
            mutating get { skipSpace(); return index == characters.count }
        }

        private mutating func skipSpace() {
            while index < characters.count, characters[index].isWhitespace { index += 1 }
        }

        mutating func consume(_ token: Character) -> Bool {
            skipSpace()
            guard index < characters.count, characters[index] == token else { return false }
            index += 1
            return true
        }

        mutating func expect(_ token: Character) throws(ParseError) {
            guard consume(token) else { throw ParseError(reason: "expected '\(token)' at character \(index)") }
        }

        mutating func string() throws(ParseError) -> String {
            skipSpace()
            guard index < characters.count, characters[index] == "'" || characters[index] == "\"" else {
                throw ParseError(reason: "expected a quoted string at character \(index)")
            }
            let quote = characters[index]
            index += 1
            let start = index
            while index < characters.count, characters[index] != quote { index += 1 }
            guard index < characters.count else { throw ParseError(reason: "unterminated string") }
            defer { index += 1 }
            return String(characters[start..<index])
        }

        mutating func bool() throws(ParseError) -> Bool {
            skipSpace()
            for (word, value) in [("True", true), ("False", false)] {
                let end = index + word.count
                if end <= characters.count, String(characters[index..<end]) == word {
                    index = end
                    return value
                }
            }
            throw ParseError(reason: "expected True or False at character \(index)")
        }

        mutating func integerTuple() throws(ParseError) -> [Int] {
            try expect("(")
            var values: [Int] = []
            while !consume(")") {
                skipSpace()
                let start = index
                while index < characters.count, characters[index].isASCII, characters[index].isNumber { index += 1 }
                guard index > start, let value = Int(String(characters[start..<index])) else {
                    throw ParseError(reason: "expected a non-negative integer in the shape at character \(start)")
                }
                values.append(value)
                if !consume(",") {
                    try expect(")")
                    break
                }
            }
            return values
        }
    }
}
