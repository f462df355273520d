import Foundation
import Testing
@testable import FileFormats

/// Malformed files must be rejected with a message that says what is wrong, and never crash.
@Suite struct SafetensorsRejectionTests {
    private let eightBytes = [UInt8](repeating: 0, count: 8)

    /// Decodes `data`, expecting a failure whose message contains every fragment.
    private func expectRejected(_ data: Data, mentioning fragments: [String],
                                sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = SafetensorsFixture.decodingError(data) else {
            Issue.record("malformed file was accepted", sourceLocation: sourceLocation)
            return
        }
        for fragment in fragments + ["test.safetensors"] {
            #expect(error.description.contains(fragment), "message \"\(error)\" lacks \"\(fragment)\"",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func wrongShapeOnLoadNamesTensorExpectedAndFound() throws {
        let file = try SafetensorsFile(decoding: SafetensorsFixture.sample().encoded(), source: "m.safetensors")
        do {
            _ = try file.tensors(matching: [
                SafetensorsTensorSpec(name: "layer.weight", shape: [3, 2]),
                SafetensorsTensorSpec(name: "layer.bias", shape: [3]),
            ])
            Issue.record("shape mismatch accepted")
        } catch {
            #expect(error == .shapeMismatch(file: "m.safetensors", tensor: "layer.weight", expected: [3, 2], found: [2, 3]))
            #expect(error.description == "m.safetensors: tensor 'layer.weight' has shape [2, 3], expected [3, 2]")
        }
    }

    @Test func missingAndUnexpectedTensorsAreListed() throws {
        let file = SafetensorsFixture.sample()
        #expect(throws: SafetensorsError.missingTensors(file: "<memory>", names: ["layer.gain"])) {
            try file.tensors(matching: [
                SafetensorsTensorSpec(name: "layer.weight", shape: [2, 3]),
                SafetensorsTensorSpec(name: "layer.bias", shape: [3]),
                SafetensorsTensorSpec(name: "layer.gain", shape: [3]),
            ])
        }
        do {
            _ = try file.tensors(matching: [SafetensorsTensorSpec(name: "layer.weight", shape: [2, 3])])
            Issue.record("extra tensor accepted")
        } catch {
            #expect(error.description.contains("unexpected tensor 'layer.bias'"), "\(error)")
        }
        let lenient = try file.tensors(matching: [SafetensorsTensorSpec(name: "layer.weight", shape: [2, 3])],
                                       allowingExtra: true)
        #expect(lenient.count == 1)
    }

    @Test func everyTruncationIsRejectedWithoutCrashing() throws {
        let full = try SafetensorsFixture.sample().encoded()
        for length in 0..<full.count {
            let error = SafetensorsFixture.decodingError(full.prefix(length))
            #expect(error != nil, "file cut to \(length) of \(full.count) bytes was accepted")
        }
        // Cut inside the data section: names the tensor and says the file is truncated.
        expectRejected(full.prefix(full.count - 4), mentioning: ["truncated", "layer.bias"])
        expectRejected(Data([1, 2, 3]), mentioning: ["truncated", "3 bytes"])
    }

    @Test func headerLengthBeyondFileSize() {
        expectRejected(SafetensorsFixture.file(declaredLength: 1000, rest: Array("{}".utf8)),
                       mentioning: ["header length 1000", "past the end of the file (10 bytes)"])
    }

    @Test(arguments: [UInt64(1) << 63, UInt64.max, 100_000_001])
    func absurdHeaderLengthIsRejectedBeforeAllocating(length: UInt64) {
        expectRejected(SafetensorsFixture.file(declaredLength: length, rest: Array("{}".utf8)),
                       mentioning: ["header length \(length)", "exceeds the limit"])
    }

    @Test(arguments: [
        (#"{"a": {"dtype": "F32","#, "not valid JSON"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8],}}"#, "not valid JSON"),
        (#"["a"]"#, "expected a JSON object"),
        ("", "not valid JSON"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}   \u{0}"#, "not valid JSON"),
        (#"{"a": {"shape": [2], "data_offsets": [0, 8]}}"#, "tensor 'a': missing field 'dtype'"),
        (#"{"a": {"dtype": "F32", "data_offsets": [0, 8]}}"#, "tensor 'a': missing field 'shape'"),
        (#"{"a": {"dtype": "F32", "shape": [2]}}"#, "tensor 'a': missing field 'data_offsets'"),
        (#"{"a": {"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}}"#, "non-negative integers, found [2.0]"),
        (#"{"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#, "non-negative integers"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 9]}}"#, "two non-negative integers"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}"#, "end before they begin"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 99999999999999999999]}}"#, "two non-negative integers"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "extra": 1}}"#, "unknown field 'extra'"),
        (#"{"__metadata__": {"k": 1}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#,
         "value for 'k' must be a string"),
        (#"{"a": 5}"#, "tensor 'a': expected an object"),
    ])
    func badHeaderIsRejected(header: String, fragment: String) {
        expectRejected(SafetensorsFixture.file(header: header, data: eightBytes), mentioning: ["invalid safetensors header", fragment])
    }

    @Test func invalidUTF8AndDeepNestingAreRejected() {
        var header = Array(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "X": 1}"#.utf8)
        if let x = header.firstIndex(of: UInt8(ascii: "X")) { header[x] = 0xFF }  // never valid in UTF-8
        var data = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header + eightBytes)
        expectRejected(data, mentioning: ["not valid UTF-8"])

        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        expectRejected(SafetensorsFixture.file(header: deep, data: []), mentioning: ["nesting deeper than"])
    }

    @Test func unsupportedDTypeNamesTensorAndDType() {
        for dtype in ["I64", "Q7"] {
            let header = #"{"ids": {"dtype": "\#(dtype)", "shape": [1], "data_offsets": [0, 8]}}"#
            expectRejected(SafetensorsFixture.file(header: header, data: eightBytes),
                           mentioning: ["tensor 'ids'", "dtype '\(dtype)'", "not supported", "F32"])
        }
    }

    @Test func shapeThatDisagreesWithByteRange() {
        let header = #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#
        expectRejected(SafetensorsFixture.file(header: header, data: eightBytes),
                       mentioning: ["tensor 'w'", "shape [3]", "needs 12 bytes", "span 8 bytes"])
        let huge = #"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}}"#
        expectRejected(SafetensorsFixture.file(header: huge, data: eightBytes), mentioning: ["tensor 'w'"])
    }

    @Test func offsetsOutOfBounds() {
        let header = #"{"w": {"dtype": "F32", "shape": [100], "data_offsets": [0, 400]}}"#
        expectRejected(SafetensorsFixture.file(header: header, data: eightBytes),
                       mentioning: ["tensor 'w'", "[0, 400]", "past the end of the data section (8 bytes)"])
    }

    @Test func overlappingGappedAndUncoveredData() {
        let overlap = #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "#
            + #""b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#
        expectRejected(SafetensorsFixture.file(header: overlap, data: [UInt8](repeating: 0, count: 12)),
                       mentioning: ["tensor 'b'", "after tensor 'a'", "overlaps"])
        let gap = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "#
            + #""b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}"#
        expectRejected(SafetensorsFixture.file(header: gap, data: [UInt8](repeating: 0, count: 12)),
                       mentioning: ["tensor 'b'", "gap"])
        let notAtStart = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#
        expectRejected(SafetensorsFixture.file(header: notAtStart, data: eightBytes),
                       mentioning: ["tensor 'a'", "at the start of the data section"])
        let trailing = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#
        expectRejected(SafetensorsFixture.file(header: trailing, data: eightBytes),
                       mentioning: ["cover only 4", "4 trailing bytes"])
    }

    @Test func duplicateNamesAreRejected() {
        let header = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "#
            + #""a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#
        expectRejected(SafetensorsFixture.file(header: header, data: eightBytes),
                       mentioning: ["tensor 'a' appears twice"])
    }

    /// Seeded random corruption of a valid file: every result is a clean decode or a
    /// `SafetensorsError`, never a trap (a trap would kill the test process).
    @Test func randomCorruptionNeverCrashes() throws {
        let valid = try [UInt8](SafetensorsFixture.sample().encoded())
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var rejected = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<(1 + next() % 3) {
                let position = next() % bytes.count
                switch next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: next())
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8(truncatingIfNeeded: next()), at: position)
                }
            }
            if SafetensorsFixture.decodingError(Data(bytes)) != nil { rejected += 1 }
        }
        #expect(rejected > 1000, "most corruptions should be caught, got \(rejected) of 3000")
    }
}
