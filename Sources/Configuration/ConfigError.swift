/// A configuration problem, located by its key path (`teacher.layers`) and, when the config came
/// from a YAML file, by file and line.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case unknownKey(allowed: [String])
        case missingKey
        case wrongType(expected: String)
        case outOfRange(requirement: String)
        case invalidYAML(reason: String)
        case other(String)
    }

    public var kind: Kind
    /// Dotted key path, e.g. `student.flows.2.layers`; empty for the document itself.
    public var path: String
    public var file: String?
    public var line: Int?

    public init(_ kind: Kind, path: String, file: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.path = path
        self.file = file
        self.line = line
    }

    public var description: String {
        var location = file ?? "config"
        if let line { location += ":\(line)" }
        let key = path.isEmpty ? "" : " '\(path)'"
        switch kind {
        case .unknownKey(let allowed):
            return "\(location): unknown key\(key) (allowed here: \(allowed.sorted().joined(separator: ", ")))"
        case .missingKey:
            return "\(location): missing required key\(key)"
        case .wrongType(let expected):
            return "\(location): key\(key) has the wrong type (expected \(expected))"
        case .outOfRange(let requirement):
            return "\(location): key\(key) is out of range: \(requirement)"
        case .invalidYAML(let reason):
            return "\(location): not valid YAML: \(reason)"
        case .other(let message):
            return "\(location):\(key) \(message)"
        }
    }
}
