import Foundation
import Testing
@testable import FileFormats

@Suite struct NPYTests {
    final class TemporaryDirectory {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-npy-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// The header text of an encoded file (between the length field and the data).
    static func headerText(_ data: Data) -> String {
        let length = Int(data[8]) | Int(data[9]) << 8
        return String(decoding: data[10..<(10 + length)], as: UTF8.self)
    }

    @Test(arguments: [[2, 3], [5], [0, 80], [], [3, 1, 2], [1005, 80]])
    func roundTrip(shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let values = (0..<count).map { Float($0) * 0.37 - 11 } + []
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("a.npy")
        try NPY.write(values, shape: shape, to: url)
        let back = try NPY.read(from: url)
        #expect(back == NPYArray(shape: shape, values: values))
    }

    @Test func specialValuesSurviveBitForBit() throws {
        let values: [Float] = [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let back = try NPY.decode(try NPY.encode(values, shape: [6]))
        #expect(back.values.map(\.bitPattern) == values.map(\.bitPattern))
    }

    /// numpy's layout: magic, version 1.0, header dict ending in a newline, data at a multiple of 64.
    @Test(arguments: [[2, 3], [7], [], [1234, 80, 3]])
    func headerIsNumpyStyleAndAligned(shape: [Int]) throws {
        let data = try NPY.encode([Float](repeating: 1, count: shape.reduce(1, *)), shape: shape)
        #expect(Array(data.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let header = Self.headerText(data)
        #expect((10 + header.utf8.count) % 64 == 0)
        #expect(header.hasSuffix("\n"))
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"))
        #expect(data.count == 10 + header.utf8.count + 4 * shape.reduce(1, *))
    }

    @Test func float64IsReadAndConverted() throws {
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
        header += String(repeating: " ", count: 64 - (10 + header.utf8.count + 1) % 64) + "\n"
        data.append(contentsOf: [UInt8(header.utf8.count), 0])
        data.append(contentsOf: Array(header.utf8))
        for value in [1.5, -2.25, 1e-3] {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        let array = try NPY.decode(data)
        #expect(array.shape == [3])
        #expect(array.values == [1.5, -2.25, Float(1e-3)])
    }

    /// A valid file with its header dict replaced (same length, so offsets stay right).
    static func withHeader(_ replacement: String) throws -> Data {
        let valid = try NPY.encode([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let original = headerText(valid)
        let padded = replacement + String(repeating: " ", count: original.utf8.count - replacement.utf8.count - 1) + "\n"
        var data = Data(valid.prefix(10))
        data.append(contentsOf: Array(padded.utf8))
        data.append(valid.suffix(24))
        return data
    }

    @Test func rejectsFortranOrder() throws {
        let data = try Self.withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }")
        #expect(throws: NPYError.fortranOrder(path: "f.npy")) { try NPY.decode(data, path: "f.npy") }
    }

    @Test(arguments: ["<i4", ">f4", "<f2", "|u1"])
    func rejectsOtherDTypes(descr: String) throws {
        let data = try Self.withHeader("{'descr': '\(descr)', 'fortran_order': False, 'shape': (2, 3), }")
        #expect(throws: NPYError.unsupportedDType(path: "d.npy", descr: descr)) { try NPY.decode(data, path: "d.npy") }
    }

    @Test(arguments: [
        "{'descr': '<f4', 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }",
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}",
        "not a dict at all",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)",
    ])
    func rejectsMalformedHeaders(header: String) throws {
        let data = try Self.withHeader(header)
        let error = #expect(throws: NPYError.self) { try NPY.decode(data, path: "m.npy") }
        guard case .malformedHeader(let path, _)? = error else {
            Issue.record("expected malformedHeader for \(header), got \(String(describing: error))")
            return
        }
        #expect(path == "m.npy")
    }

    @Test func rejectsBadMagic() throws {
        var data = try NPY.encode([1], shape: [1])
        data[1] = UInt8(ascii: "X")
        #expect(throws: NPYError.badMagic(path: "b.npy")) { try NPY.decode(data, path: "b.npy") }
        #expect(throws: NPYError.badMagic(path: "b.npy")) { try NPY.decode(Data(), path: "b.npy") }
        #expect(throws: NPYError.badMagic(path: "b.npy")) { try NPY.decode(Data("hello".utf8), path: "b.npy") }
    }

    @Test func rejectsTruncatedDataAndTrailingBytes() throws {
        let data = try NPY.encode([Float](repeating: 0.5, count: 12), shape: [3, 4])
        #expect(throws: NPYError.truncatedData(path: "t.npy", expectedBytes: 48, availableBytes: 47)) {
            try NPY.decode(data.prefix(data.count - 1), path: "t.npy")
        }
        #expect(throws: NPYError.truncatedData(path: "t.npy", expectedBytes: 48, availableBytes: 0)) {
            try NPY.decode(data.prefix(128), path: "t.npy")
        }
        #expect(throws: NPYError.trailingData(path: "t.npy", extraBytes: 2)) {
            try NPY.decode(data + Data([0, 0]), path: "t.npy")
        }
    }

    @Test func rejectsHeaderLengthBeyondFileSize() throws {
        var data = try NPY.encode([1, 2], shape: [2])
        data[8] = 0xFF
        data[9] = 0xFF
        #expect(throws: NPYError.headerBeyondFile(path: "h.npy", headerEnd: 10 + 0xFFFF, fileSize: data.count)) {
            try NPY.decode(data, path: "h.npy")
        }
    }

    @Test func rejectsHugeShapesWithoutTrapping() throws {
        let data = try Self.withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }")
        #expect(throws: NPYError.self) { try NPY.decode(data) }
    }

    /// Every prefix of a valid file, and random corruptions of it, throw instead of trapping.
    @Test func corruptInputsNeverTrap() throws {
        let valid = try NPY.encode((0..<30).map(Float.init), shape: [5, 6])
        for length in 0..<valid.count {
            #expect(throws: NPYError.self) { try NPY.decode(valid.prefix(length)) }
        }
        var state: UInt64 = 12345
        for _ in 0..<500 {
            var data = valid
            for _ in 0..<3 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                data[Int(state >> 33) % 128] = UInt8(truncatingIfNeeded: state >> 13)
            }
            _ = try? NPY.decode(data)
        }
    }

    @Test func writeChecksShapeAndIsAtomic() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("x.npy")
        #expect(throws: NPYError.shapeMismatch(path: url.path, shape: [2, 2], valueCount: 3)) {
            try NPY.write([1, 2, 3], shape: [2, 2], to: url)
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        let missing = directory.url.appendingPathComponent("nope/x.npy")
        let error = #expect(throws: NPYError.self) { try NPY.write([1], shape: [1], to: missing) }
        guard case .cannotWrite(let path, _)? = error else {
            Issue.record("expected cannotWrite, got \(String(describing: error))")
            return
        }
        #expect(path == missing.path)
        #expect(throws: NPYError.cannotRead(path: missing.path, reason: "no such file")) { try NPY.read(from: missing) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
    }
}
