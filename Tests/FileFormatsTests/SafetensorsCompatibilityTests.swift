import Foundation
import Testing
@testable import FileFormats

/// Our files must be what the reference implementation writes and reads. The layout is checked
/// with an independent parser (Foundation's JSONSerialization), and against bytes produced by the
/// official `safetensors` Python package (0.8.0, `safetensors.numpy.save`), pasted here as base64
/// so the suite needs no Python.
@Suite struct SafetensorsCompatibilityTests {
    @Test func writtenBytesFollowTheReferenceLayout() throws {
        let file = SafetensorsFile(
            tensors: [
                SafetensorsTensor(name: "z.last.first", shape: [3], scalars: [1, -2, 3.5]),
                SafetensorsTensor(name: "a.weight", shape: [2, 1, 2], scalars: [0.25, -0.0, .infinity, Float(bitPattern: 0x0001_1234)]),
                SafetensorsTensor(name: "empty", shape: [0], scalars: []),
            ],
            metadata: ["format": "wavedistill.test.v1", "step": "3"])
        let bytes = [UInt8](try file.encoded())

        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0, "data section must start 8-byte aligned")
        let header = bytes[8..<(8 + headerLength)]
        let json = String(decoding: header, as: UTF8.self)
        #expect(json.hasPrefix("{"))
        #expect(json.trimmingCharacters(in: .init(charactersIn: " ")).hasSuffix("}"), "padding must be spaces only")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(header)) as? [String: Any])
        #expect(object["__metadata__"] as? [String: String] == ["format": "wavedistill.test.v1", "step": "3"])
        #expect(object.count == 4)

        let dataStart = 8 + headerLength
        var expectedBegin = 0
        for tensor in file.tensors {
            let entry = try #require(object[tensor.name] as? [String: Any], "\(tensor.name) missing from header")
            #expect(Set(entry.keys) == ["dtype", "shape", "data_offsets"])
            #expect(entry["dtype"] as? String == "F32")
            #expect(entry["shape"] as? [Int] == tensor.shape)
            let offsets = try #require(entry["data_offsets"] as? [Int])
            #expect(offsets == [expectedBegin, expectedBegin + 4 * tensor.scalars.count], "\(tensor.name) offsets")
            for (i, scalar) in tensor.scalars.enumerated() {
                let at = dataStart + offsets[0] + 4 * i
                let bits = bytes[at..<(at + 4)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
                #expect(bits == scalar.bitPattern, "\(tensor.name)[\(i)] little-endian bytes")
            }
            expectedBegin = offsets[1]
        }
        #expect(bytes.count == dataStart + expectedBegin, "no bytes after the last tensor")
    }

    /// `save({"decoder.bias": [0.5, -0.0, inf], "encoder.weight": [[1, 2], [3, -4.25]]},
    /// metadata={"format": "wavedistill.test.v1"})` with the official package.
    static let officialF32 = "uAAAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJ3YXZlZGlzdGlsbC50ZXN0LnYxIn0sImRlY29kZXIuYmlh"
        + "cyI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbM10sImRhdGFfb2Zmc2V0cyI6WzAsMTJdfSwiZW5jb2Rlci53ZWlnaHQiOnsiZHR5cGUi"
        + "OiJGMzIiLCJzaGFwZSI6WzIsMl0sImRhdGFfb2Zmc2V0cyI6WzEyLDI4XX19AAAAPwAAAIAAAIB/AACAPwAAAEAAAEBAAACIwA=="

    /// `save({"half": float16 [1.5, -2, 65504, 6e-8], "double": float64 [[0.1, -1e300]]})`.
    static let officialMixed = "eAAAAAAAAAB7ImRvdWJsZSI6eyJkdHlwZSI6IkY2NCIsInNoYXBlIjpbMSwyXSwiZGF0YV9vZmZzZXRzIjpbMCwxNl19"
        + "LCJoYWxmIjp7ImR0eXBlIjoiRjE2Iiwic2hhcGUiOls0XSwiZGF0YV9vZmZzZXRzIjpbMTYsMjRdfX2amZmZmZm5P5x1AIg85Df+AD4A"
        + "wP97AQA="

    @Test func readsAndReproducesTheOfficialWriterBytes() throws {
        let official = try #require(Data(base64Encoded: Self.officialF32))
        let file = try SafetensorsFile(decoding: official)
        #expect(file.metadata == ["format": "wavedistill.test.v1"])
        #expect(file.names == ["decoder.bias", "encoder.weight"])
        #expect(file["decoder.bias"]?.scalars.map(\.bitPattern) == [Float(0.5), -0.0, .infinity].map(\.bitPattern))
        #expect(file["encoder.weight"]?.shape == [2, 2])
        #expect(file["encoder.weight"]?.scalars == [1, 2, 3, -4.25])
        // Same content, same tensor order and a single metadata key: byte-identical output.
        #expect(try file.encoded() == official)
    }

    @Test func readsOfficialHalfAndDoubleTensors() throws {
        let file = try SafetensorsFile(decoding: try #require(Data(base64Encoded: Self.officialMixed)))
        #expect(file["double"]?.shape == [1, 2])
        #expect(file["double"]?.scalars == [Float(0.1), -.infinity], "-1e300 rounds to -inf in float32")
        let half = try #require(file["half"]?.scalars)
        // 6e-8 is stored as the nearest float16 subnormal, 1 * 2^-24.
        #expect(half == [1.5, -2, 65504, 0x1p-24])
    }
}
