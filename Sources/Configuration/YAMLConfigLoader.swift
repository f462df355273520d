import Foundation
import Yams

/// Decodes typed configs from YAML and turns every decoding or validation error into a
/// `ConfigError` that names the key path, the file and the line.
public enum YAMLConfigLoader {
    /// Decodes `T` from YAML `text`; `file` is only used in messages.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String? = nil) throws -> T {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (reason, line) = shortReason(error)
            throw ConfigError(.invalidYAML(reason: reason), path: "", file: file, line: line)
        } catch {
            throw ConfigError(.invalidYAML(reason: String(describing: error)), path: "", file: file)
        }
        // An empty file (or one of comments only) has no document at all; every config is a mapping.
        guard let root else {
            throw ConfigError(.other("the file is empty: a config is a YAML mapping of keys (e.g. `name: my-experiment`)"),
                              path: "", file: file)
        }
        guard root.mapping != nil else {
            throw ConfigError(.other("the top level must be a YAML mapping of keys (e.g. `name: my-experiment`), not a "
                                     + (root.sequence != nil ? "list" : "single value")), path: "", file: file, line: root.mark?.line)
        }
        // `.inf` and `.nan` decode as Double but cannot be checked by every range nor written back
        // as JSON (the stage configs): reject them wherever they are, with their key and line.
        if let (path, line, value) = firstNonFiniteNumber(in: root, path: []) {
            throw ConfigError(.outOfRange(requirement: "must be a finite number (got \(value))"), path: path, file: file, line: line)
        }
        do {
            let value = try YAMLDecoder().decode(T.self, from: text)
            if let validatable = value as? ValidatableConfig {
                try validatable.validate(path: "")
            }
            return value
        } catch var error as ConfigError {
            error.file = file
            error.line = error.line ?? line(of: error.path, in: root)
            throw error
        } catch let error as DecodingError {
            var located = configError(from: error)
            located.file = file
            located.line = line(of: located.path, in: root)
            throw located
        }
    }

    /// Reads and decodes a YAML file.
    public static func load<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let text: String
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue {
            throw ConfigError(.other("cannot read config file: it is a directory"), path: "", file: url.path)
        }
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError(.other("cannot read config file: \(error.localizedDescription)"), path: "", file: url.path)
        }
        return try decode(type, from: text, file: url.path)
    }

    /// A one-line reason and line for a YAML syntax error: Yams's own text repeats the whole
    /// enclosing mapping (2.7 kB for a duplicate key in a recipe).
    static func shortReason(_ error: YamlError) -> (String, Int?) {
        switch error {
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return ("duplicate key \(keys) (each key may appear once per mapping)", context.mark.line)
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ("\(problem) (column \(mark.column))", mark.line)
        default:
            return (String(describing: error), nil)
        }
    }

    /// The dotted path, line and text of the first `.inf`/`.nan` scalar under `node`.
    static func firstNonFiniteNumber(in node: Node, path: [String]) -> (String, Int?, String)? {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string.lowercased()
            let plain = scalar.style == .plain || scalar.style == .any
            if plain && [".inf", "+.inf", "-.inf", ".nan"].contains(text) {
                return (path.joined(separator: "."), node.mark?.line, scalar.string)
            }
            return nil
        case .mapping(let mapping):
            for (key, value) in mapping {
                if let found = firstNonFiniteNumber(in: value, path: path + [key.string ?? "?"]) { return found }
            }
            return nil
        case .sequence(let sequence):
            for (i, value) in sequence.enumerated() {
                if let found = firstNonFiniteNumber(in: value, path: path + [String(i)]) { return found }
            }
            return nil
        case .alias:
            return nil
        }
    }

    static func configError(from error: DecodingError) -> ConfigError {
        switch error {
        case let .keyNotFound(key, context):
            return ConfigError(.missingKey, path: dottedPath(context.codingPath + [key]))
        case let .typeMismatch(type, context):
            return ConfigError(.wrongType(expected: typeName(type)), path: dottedPath(context.codingPath))
        case let .valueNotFound(type, context):
            return ConfigError(.wrongType(expected: typeName(type)), path: dottedPath(context.codingPath))
        case let .dataCorrupted(context):
            if let underlying = context.underlyingError as? ConfigError {
                var e = underlying
                if e.path.isEmpty { e.path = dottedPath(context.codingPath) }
                return e
            }
            return ConfigError(.other(context.debugDescription), path: dottedPath(context.codingPath))
        @unknown default:
            return ConfigError(.other(String(describing: error)), path: "")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "a mapping" }
            return name
        }
    }

    /// The 1-based line of the node at `path`, or of its deepest existing ancestor.
    static func line(of path: String, in root: Node?) -> Int? {
        guard var node = root else { return nil }
        var best = node.mark?.line
        for component in path.split(separator: ".").map(String.init) {
            if let mapping = node.mapping {
                guard let (key, value) = mapping.first(where: { $0.key.string == component }) else { break }
                best = key.mark?.line ?? best
                node = value
            } else if let sequence = node.sequence, let i = Int(component), i >= 0, i < sequence.count {
                node = sequence[i]
                best = node.mark?.line ?? best
            } else {
                break
            }
        }
        return best
    }
}
