import Testing
@testable import Configuration

/// A two-level config to exercise key paths and line numbers.
private struct Inner: Decodable, Equatable {
    var channels: Int = 64
    var rate: Double = 0.5
    enum CodingKeys: String, CodingKey, CaseIterable { case channels, rate }
    init() {}
    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        channels = try c.decodeIfPresent(Int.self, forKey: .channels) ?? 64
        rate = try c.decodeIfPresent(Double.self, forKey: .rate) ?? 0.5
    }
}

private struct Outer: Decodable, ValidatableConfig {
    var name: String
    var inner: Inner
    enum CodingKeys: String, CodingKey, CaseIterable { case name, inner }
    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        inner = try c.decodeIfPresent(Inner.self, forKey: .inner) ?? Inner()
    }
    func validate(path: String) throws {
        try Require.that(inner.channels > 0, key(key(path, "inner"), "channels"), "must be positive")
    }
}

@Suite struct YAMLConfigLoaderTests {
    @Test func decodesWithDefaults() throws {
        let v = try YAMLConfigLoader.decode(Outer.self, from: "name: x\ninner:\n  rate: 0.25\n")
        #expect(v.name == "x" && v.inner.channels == 64 && v.inner.rate == 0.25)
    }

    @Test func unknownKeyNamesPathAndLine() {
        let yaml = "name: x\ninner:\n  channels: 3\n  chanels: 4\n"
        #expect {
            try YAMLConfigLoader.decode(Outer.self, from: yaml, file: "p.yaml")
        } throws: { error in
            guard let e = error as? ConfigError, case .unknownKey = e.kind else { return false }
            return e.path == "inner.chanels" && e.line == 4 && e.description.contains("p.yaml:4")
        }
    }

    @Test func wrongTypeNamesPath() {
        #expect {
            try YAMLConfigLoader.decode(Outer.self, from: "name: x\ninner:\n  channels: many\n")
        } throws: { error in
            guard let e = error as? ConfigError, case .wrongType = e.kind else { return false }
            return e.path == "inner.channels" && e.line == 3
        }
    }

    @Test func missingKeyAndRangeErrors() {
        #expect {
            try YAMLConfigLoader.decode(Outer.self, from: "inner: {}\n")
        } throws: { ($0 as? ConfigError)?.kind == .missingKey && ($0 as? ConfigError)?.path == "name" }
        #expect {
            try YAMLConfigLoader.decode(Outer.self, from: "name: x\ninner:\n  channels: -2\n")
        } throws: { error in
            guard let e = error as? ConfigError, case .outOfRange = e.kind else { return false }
            return e.path == "inner.channels" && e.line == 3
        }
    }

    @Test func invalidYAMLIsReported() {
        #expect(throws: ConfigError.self) {
            try YAMLConfigLoader.decode(Outer.self, from: "name: [unclosed\n")
        }
    }
}
