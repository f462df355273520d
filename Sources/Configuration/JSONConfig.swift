import Foundation

/// Configs as JSON text: how model and feature configs travel inside checkpoint metadata.
public enum JSONConfig {
    /// Sorted keys, no whitespace: equal configs give equal strings.
    public static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes and validates a config stored as JSON in `source` (a file, for messages).
    public static func decode<T: Decodable>(_ type: T.Type, from json: String, source: String) throws -> T {
        do {
            let value = try JSONDecoder().decode(T.self, from: Data(json.utf8))
            if let v = value as? ValidatableConfig { try v.validate(path: "") }
            return value
        } catch var error as ConfigError {
            error.file = source
            throw error
        } catch let error as DecodingError {
            var e = YAMLConfigLoader.configError(from: error)
            e.file = source
            throw e
        }
    }
}
