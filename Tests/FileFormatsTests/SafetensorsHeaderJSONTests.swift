import Testing
@testable import FileFormats

/// The strict JSON parser behind safetensors headers.
@Suite struct SafetensorsHeaderJSONTests {
    private func parse(_ text: String) throws(StrictJSONError) -> StrictJSONValue {
        try StrictJSONParser.parse(Array(text.utf8))
    }

    @Test func keepsOrderAndExactNumbers() throws {
        let value = try parse(#"  {"b": [1, -0.5e3, 18446744073709551616], "a": {"x": null, "y": true}}  "#)
        #expect(value == .object([
            (key: "b", value: .array([.number("1"), .number("-0.5e3"), .number("18446744073709551616")])),
            (key: "a", value: .object([(key: "x", value: .null), (key: "y", value: .bool(true))])),
        ]))
        #expect(StrictJSONValue.number("123").nonNegativeInteger == 123)
        #expect(StrictJSONValue.number("18446744073709551616").nonNegativeInteger == nil)
        #expect(StrictJSONValue.number("1e3").nonNegativeInteger == nil)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d\n\té😀"))
    }

    @Test func stringLiteralEncodingRoundTrips() throws {
        for text in ["plain", "quote\" and \\ backslash", "ctrl \u{01}\u{1F} nl\n", "ünïcødé ✓ 😀", ""] {
            #expect(try parse(JSONStringLiteral.encode(text)) == .string(text), "\(text)")
        }
    }

    @Test(arguments: [
        "{\"a\": 1,}", "[1,]", "01", "1.", "-", "+1", "NaN", "{'a': 1}", "\"\\x\"", "\"\\ud800\"",
        "\"tab\there\"", "{\"a\" 1}", "[1 2]", "tru", "{} {}", "// c\n{}",
    ])
    func rejectsNonJSON(text: String) {
        #expect(throws: StrictJSONError.self) { try parse(text) }
    }

    @Test func reportsDuplicateKeysWithDepth() {
        #expect(throws: StrictJSONError.duplicateKey(key: "a", depth: 1, offset: 9)) { try parse(#"{"a": 1, "a": 2}"#) }
        #expect(throws: StrictJSONError.duplicateKey(key: "k", depth: 2, offset: 15)) {
            try parse(#"{"o": {"k": 1, "k": 2}}"#)
        }
    }
}
