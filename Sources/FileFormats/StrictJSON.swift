/// A JSON value that keeps the order of object members and the exact text of numbers.
///
/// Foundation's `JSONSerialization` forgets member order, keeps the last of two duplicate keys
/// without a word, and turns large integers into doubles. Headers of untrusted files
/// (safetensors) need all three: order for error messages, duplicates rejected, offsets exact.
public indirect enum StrictJSONValue: Equatable, Sendable {
    case object([(key: String, value: StrictJSONValue)])
    case array([StrictJSONValue])
    case string(String)
    /// The number exactly as written (validated against the JSON grammar).
    case number(String)
    case bool(Bool)
    case null

    public static func == (a: StrictJSONValue, b: StrictJSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// The value as a non-negative integer when it is written as one (no fraction, no exponent)
    /// and fits in `Int`; nil otherwise.
    public var nonNegativeInteger: Int? {
        guard case let .number(text) = self, !text.isEmpty,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }

    /// A short name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

/// Why a JSON text was rejected; `offset` is the byte offset in the text.
public enum StrictJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidUTF8
    case syntax(offset: Int, message: String)
    /// An object has the same key twice; `depth` is 1 for members of the top-level object.
    case duplicateKey(key: String, depth: Int, offset: Int)
    case tooDeep(limit: Int, offset: Int)

    public var description: String {
        switch self {
        case .invalidUTF8: return "text is not valid UTF-8"
        case let .syntax(offset, message): return "\(message) at byte \(offset)"
        case let .duplicateKey(key, _, offset): return "duplicate key \"\(key)\" at byte \(offset)"
        case let .tooDeep(limit, offset): return "nesting deeper than \(limit) levels at byte \(offset)"
        }
    }
}

/// A strict RFC 8259 parser over UTF-8 bytes: no trailing commas, no comments, no NaN, no
/// duplicate keys, surrounding whitespace allowed (safetensors pads headers with spaces).
/// Nesting is bounded so a hostile file cannot overflow the stack.
public struct StrictJSONParser {
    public static let maximumDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    /// Parses one complete JSON document.
    public static func parse(_ bytes: [UInt8]) throws(StrictJSONError) -> StrictJSONValue {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .invalidUTF8 }
        var parser = StrictJSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw .syntax(offset: parser.index, message: "unexpected content after the JSON value")
        }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let c = current, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { index += 1 }
    }

    private func error(_ message: String) -> StrictJSONError { .syntax(offset: index, message: message) }

    private mutating func expect(_ literal: String) throws(StrictJSONError) {
        for byte in literal.utf8 {
            guard current == byte else { throw error("invalid literal, expected \(literal)") }
            index += 1
        }
    }

    private mutating func parseValue(depth: Int) throws(StrictJSONError) -> StrictJSONValue {
        guard let c = current else { throw error("unexpected end of text") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character '\(Character(Unicode.Scalar(c)))'")
        }
    }

    private mutating func parseObject(depth: Int) throws(StrictJSONError) -> StrictJSONValue {
        guard depth <= Self.maximumDepth else { throw .tooDeep(limit: Self.maximumDepth, offset: index) }
        index += 1  // {
        var members: [(key: String, value: StrictJSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyOffset = index
            let key = try parseString()
            guard seen.insert(key).inserted else {
                throw .duplicateKey(key: key, depth: depth, offset: keyOffset)
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            index += 1
            skipWhitespace()
            members.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(StrictJSONError) -> StrictJSONValue {
        guard depth <= Self.maximumDepth else { throw .tooDeep(limit: Self.maximumDepth, offset: index) }
        index += 1  // [
        var elements: [StrictJSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw error("expected ',' or ']' in array")
            }
        }
    }

    private mutating func parseNumber() throws(StrictJSONError) -> String {
        let start = index
        func digits(_ parser: inout StrictJSONParser) -> Int {
            var n = 0
            while let c = parser.current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { parser.index += 1; n += 1 }
            return n
        }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits(&self) > 0 else { throw error("invalid number") }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("invalid number: no digits after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("invalid number: no digits in exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func parseString() throws(StrictJSONError) -> String {
        index += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun(_ parser: StrictJSONParser, into scalars: inout String.UnicodeScalarView, upTo end: Int) {
            // The whole text was validated as UTF-8 up front, so a run of raw bytes decodes exactly.
            scalars.append(contentsOf: String(decoding: parser.bytes[runStart..<end], as: UTF8.self).unicodeScalars)
        }
        while true {
            guard let c = current else { throw error("unterminated string") }
            switch c {
            case UInt8(ascii: "\""):
                flushRun(self, into: &scalars, upTo: index)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flushRun(self, into: &scalars, upTo: index)
                index += 1
                scalars.append(try parseEscape())
                runStart = index
            case 0..<0x20:
                throw error("control character in string")
            default:
                index += 1
            }
        }
    }

    private mutating func parseEscape() throws(StrictJSONError) -> Unicode.Scalar {
        guard let c = current else { throw error("unterminated escape") }
        index += 1
        switch c {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try parseHex4()
            if (0xD800..<0xDC00).contains(first) {
                guard current == UInt8(ascii: "\\") else { throw error("unpaired surrogate in \\u escape") }
                index += 1
                guard current == UInt8(ascii: "u") else { throw error("unpaired surrogate in \\u escape") }
                index += 1
                let second = try parseHex4()
                guard (0xDC00..<0xE000).contains(second) else { throw error("unpaired surrogate in \\u escape") }
                let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                guard let scalar = Unicode.Scalar(value) else { throw error("invalid \\u escape") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(first) else { throw error("unpaired surrogate in \\u escape") }
            return scalar
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(c)))'")
        }
    }

    private mutating func parseHex4() throws(StrictJSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current else { throw error("unterminated \\u escape") }
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

/// Writes JSON string literals (quotes and escapes) for hand-built JSON such as headers.
public enum JSONStringLiteral {
    /// `text` as a JSON string literal; control characters are escaped, other text is kept as UTF-8.
    public static func encode(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
