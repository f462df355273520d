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
        } catch {
            throw ConfigError(.invalidYAML(reason: String(describing: error)), path: "", file: file)
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
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError(.other("cannot read config file: \(error.localizedDescription)"), path: "", file: url.path)
        }
        return try decode(type, from: text, file: url.path)
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
