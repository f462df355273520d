import Foundation
@testable import FileFormats

/// Helpers shared by the safetensors tests: hand-built files and a scratch directory.
enum SafetensorsFixture {
    /// A file with the given raw header text and data bytes, length field computed (unpadded).
    static func file(header: String, data: [UInt8]) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(contentsOf: data)
        return bytes
    }

    /// A file whose 8-byte length field says `length`, followed by `rest`.
    static func file(declaredLength length: UInt64, rest: [UInt8]) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: length.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: rest)
        return bytes
    }

    /// The error from decoding `data`; nil if it decoded. Any non-safetensors error is a test failure
    /// reported through the returned description.
    static func decodingError(_ data: Data) -> SafetensorsError? {
        do {
            _ = try SafetensorsFile(decoding: data, source: "test.safetensors")
            return nil
        } catch {
            return error
        }
    }

    /// A fresh empty directory under the system temporary directory.
    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("wavedistill-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small two-tensor file with metadata, as written by our writer.
    static func sample() -> SafetensorsFile {
        SafetensorsFile(
            tensors: [
                SafetensorsTensor(name: "layer.weight", shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]),
                SafetensorsTensor(name: "layer.bias", shape: [3], scalars: [-1, 0.5, 0.25]),
            ],
            metadata: ["format": "wavedistill.test.v1", "step": "12"])
    }
}
