import Foundation

/// Markup for the experiment report. Everything is written as XHTML-compatible HTML: every
/// element closed (`<img ... />`, `<audio ...></audio>`), attributes quoted, and only the XML
/// entities (`&amp; &lt; &gt; &quot; &#39;`, numeric ones otherwise), so that an XML parser can
/// check the very file a browser reads.
enum Markup {
    /// Text or an attribute value with the five XML-special characters escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// `<name a="v" ...>content</name>`; `content` is markup (escape text first).
    static func element(_ name: String, _ attributes: [(String, String)] = [], _ content: String) -> String {
        "<\(name)\(attributeText(attributes))>\(content)</\(name)>"
    }

    /// `<name a="v" ... />` for the void elements (img, meta, br).
    static func void(_ name: String, _ attributes: [(String, String)] = []) -> String {
        "<\(name)\(attributeText(attributes)) />"
    }

    private static func attributeText(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// A relative URL for a path under the report's directory: each component percent-encoded
    /// (a space or `#` in an utterance id must not break the link).
    static func href(_ relativePath: String) -> String {
        relativePath.split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#;"))) ?? String($0)
        }.joined(separator: "/")
    }

    /// `<a href="path">label</a>` for a file next to the report.
    static func link(_ relativePath: String, _ label: String? = nil) -> String {
        element("a", [("href", href(relativePath))], escape(label ?? relativePath))
    }

    /// A table: `header` cells are text, `rows` cells are markup.
    static func table(header: [String], rows: [[String]], className: String? = nil) -> String {
        let head = element("tr", [], header.map { element("th", [], escape($0)) }.joined())
        let body = rows.map { row in element("tr", [], row.map { element("td", [], $0) }.joined()) }.joined(separator: "\n")
        return element("table", className.map { [("class", $0)] } ?? [], "\n" + element("thead", [], head) + "\n" + element("tbody", [], "\n" + body + "\n") + "\n")
    }

    /// A paragraph saying what is missing and why (styled so it stands out).
    static func missing(_ text: String) -> String {
        element("p", [("class", "missing")], escape(text))
    }

    /// A figure for tables: 4 significant digits, integers without a fraction, NaN and
    /// infinities spelled out.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.4g", value)
    }
}

/// A JSON value as read from the experiment's files. Decoded with `JSONDecoder`, which keeps
/// `true` apart from `1` (JSONSerialization on Linux does not), and which reads any file the
/// stages wrote, old or new: the report must show what is there, not what a type expects.
indirect enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// Reads a JSON file; nil when it does not exist, an error naming it when it does not parse.
    static func read(_ url: URL) throws -> JSONValue? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        } catch {
            throw PipelineError.badInput("\(url.path): not readable as JSON (\(error))")
        }
    }

    subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members[key] }
        return nil
    }

    /// A number, or a number the encoders wrote as a string ("nan", "inf", "-inf").
    var double: Double? {
        switch self {
        case let .number(value): return value
        case let .string(text): return ["nan": Double.nan, "inf": .infinity, "-inf": -.infinity][text]
        default: return nil
        }
    }

    var string: String? { if case let .string(text) = self { return text } else { return nil } }
    var array: [JSONValue]? { if case let .array(items) = self { return items } else { return nil } }
    var object: [String: JSONValue]? { if case let .object(members) = self { return members } else { return nil } }

    /// Compact text for a table cell (objects and arrays as one-line JSON, keys sorted).
    var text: String {
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .number(value): return Markup.number(value)
        case let .string(text): return text
        case let .array(items): return "[" + items.map(\.quotedText).joined(separator: ", ") + "]"
        case let .object(members):
            return "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value.quotedText)" }.joined(separator: ", ") + "}"
        }
    }

    private var quotedText: String {
        if case let .string(text) = self { return "\"\(text)\"" }
        return text
    }
}
