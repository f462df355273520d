/// A coding key for any string: used to list the keys a config actually contains.
public struct AnyCodingKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Throws `ConfigError.unknownKey` for the first key of this object that is not in `allowed`.
    ///
    /// Configs reject unknown keys so that a typo (`learning_rate` vs `lr`) is an error instead of
    /// a silently ignored setting. Call it first thing in `init(from:)`.
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let allowed = Set(Keys.allCases.map(\.stringValue))
        let container = try self.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw ConfigError(.unknownKey(allowed: Array(allowed)),
                              path: dottedPath(codingPath + [key]))
        }
    }
}

/// `a.b.3.c` for a coding path.
public func dottedPath(_ codingPath: [any CodingKey]) -> String {
    codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
}

/// Range checks that name the offending key (the YAML loader adds file and line).
public enum Require {
    public static func that(_ condition: Bool, _ path: String, _ requirement: @autoclosure () -> String) throws {
        if !condition { throw ConfigError(.outOfRange(requirement: requirement()), path: path) }
    }
}

/// A config section that can check its own values. `path` is the section's dotted key path,
/// so errors name the full key (`student.channels`).
public protocol ValidatableConfig {
    func validate(path: String) throws
}

extension ValidatableConfig {
    /// `path` + `.` + `key`, or `key` at the top level.
    public func key(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `defaultValue` when the key is absent.
    public func value<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? defaultValue
    }
}
