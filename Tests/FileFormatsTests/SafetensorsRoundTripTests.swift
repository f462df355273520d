import Foundation
import Testing
@testable import FileFormats

@Suite struct SafetensorsRoundTripTests {
    /// Values that a float conversion or a text round trip would damage.
    static let awkwardBits: [UInt32] = [
        0x7FC0_0001,  // quiet NaN with a payload
        0x7F80_0001,  // signalling NaN
        0xFFC1_2345,  // negative NaN with a payload
        0x8000_0000,  // -0
        0x0000_0001,  // smallest denormal
        0x807F_FFFF,  // largest negative denormal
        0x7F80_0000, 0xFF80_0000,  // +-inf
        0x7F7F_FFFF,  // largest finite
        0x3DCC_CCCD,  // 0.1
    ]

    @Test func roundTripIsBitExactWithMetadata() throws {
        let directory = try SafetensorsFixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = SafetensorsFile(
            tensors: [
                SafetensorsTensor(name: "teacher.layers.3.dilated.weight", shape: [2, 5],
                                  scalars: Self.awkwardBits.map(Float.init(bitPattern:))),
                SafetensorsTensor(name: "scalar", shape: [], scalars: [42]),
                SafetensorsTensor(name: "empty", shape: [0, 3], scalars: []),
                SafetensorsTensor(name: "a \"quoted\" name/é", shape: [1], scalars: [-0.0]),
            ],
            metadata: [
                "format": "wavedistill.teacher.v1",
                "model_config": #"{"layers": 10, "name": "a\"b"}"#,
                "notes": "line one\nline two\ttab \u{01} ✓",
            ])
        let url = directory.appendingPathComponent("model.safetensors")
        try original.write(to: url)
        let read = try SafetensorsFile(contentsOf: url)

        #expect(read.metadata == original.metadata)
        #expect(read.names == original.names, "tensors must come back in the order written")
        for (a, b) in zip(read.tensors, original.tensors) {
            #expect(a.shape == b.shape, "\(a.name)")
            #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern), "\(a.name) is not bit-exact")
        }
        #expect(read == SafetensorsFile(tensors: original.tensors, metadata: original.metadata, source: url.path))
    }

    @Test func encodingIsDeterministic() throws {
        let a = try SafetensorsFixture.sample().encoded()
        let b = try SafetensorsFixture.sample().encoded()
        #expect(a == b)
    }

    @Test func lookupByNameAndMissingName() throws {
        let file = try SafetensorsFile(decoding: SafetensorsFixture.sample().encoded(), source: "x.safetensors")
        #expect(file["layer.bias"]?.scalars == [-1, 0.5, 0.25])
        #expect(file["nope"] == nil)
        #expect(throws: SafetensorsError.missingTensors(file: "x.safetensors", names: ["nope"])) {
            try file.tensor(named: "nope")
        }
        #expect(try file.metadataValue("step") == "12")
    }

    @Test func writerRejectsInconsistentTensors() {
        let cases: [(SafetensorsTensor, String)] = [
            (SafetensorsTensor(name: "w", shape: [2, 2], scalars: [1, 2, 3]), "needs 4 scalars, found 3"),
            (SafetensorsTensor(name: "", shape: [1], scalars: [1]), "empty name"),
            (SafetensorsTensor(name: "__metadata__", shape: [1], scalars: [1]), "reserved"),
            (SafetensorsTensor(name: "n", shape: [-1], scalars: []), "negative dimension"),
        ]
        for (tensor, fragment) in cases {
            do {
                _ = try SafetensorsFile(tensors: [tensor]).encoded()
                Issue.record("writer accepted \(tensor)")
            } catch {
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
        let duplicate = SafetensorsTensor(name: "d", shape: [1], scalars: [1])
        #expect(throws: SafetensorsError.invalidTensor(name: "d", reason: "duplicate name")) {
            try SafetensorsFile(tensors: [duplicate, duplicate]).encoded()
        }
    }

    @Test func expectationsReturnTensorsInExpectedOrder() throws {
        let file = SafetensorsFixture.sample()
        let found = try file.tensors(matching: [
            SafetensorsTensorSpec(name: "layer.bias", shape: [3]),
            SafetensorsTensorSpec(name: "layer.weight", shape: [2, 3]),
        ])
        #expect(found.map(\.name) == ["layer.bias", "layer.weight"])
    }

    @Test func halfBfloatAndDoubleAreConverted() throws {
        // F16: 1.5, -2, 65504 (max), 2^-24 (smallest subnormal); BF16: 1.0, -0.5; F64: 0.1, -3.
        let f16: [UInt16] = [0x3E00, 0xC000, 0x7BFF, 0x0001]
        let bf16: [UInt16] = [0x3F80, 0xBF00]
        let f64: [Double] = [0.1, -3]
        var data: [UInt8] = []
        for h in f16 { withUnsafeBytes(of: h.littleEndian) { data += $0 } }
        for h in bf16 { withUnsafeBytes(of: h.littleEndian) { data += $0 } }
        for d in f64 { withUnsafeBytes(of: d.bitPattern.littleEndian) { data += $0 } }
        let header = #"{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"#
            + #""d":{"dtype":"F64","shape":[2,1],"data_offsets":[12,28]}}"#
        let file = try SafetensorsFile(decoding: SafetensorsFixture.file(header: header, data: data))
        #expect(file["h"]?.scalars == [1.5, -2, 65504, 0x1p-24])
        #expect(file["h"]?.storedDType == .f16)
        #expect(file["b"]?.scalars == [1, -0.5])
        #expect(file["d"]?.scalars == [Float(0.1), -3])
        #expect(file["d"]?.shape == [2, 1])
    }
}
