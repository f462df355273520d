import Foundation

extension SafetensorsFile {
    /// The file's bytes: length, JSON header padded with spaces to a multiple of 8 (as the
    /// reference writer does, so the data section starts 8-byte aligned), then each tensor's
    /// float32 little-endian bytes in `tensors` order. `__metadata__` comes first in the header
    /// with keys sorted, so the same content always gives the same bytes.
    public func encoded() throws(SafetensorsError) -> Data {
        var names = Set<String>()
        var header = "{"
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { key in
                JSONStringLiteral.encode(key) + ":" + JSONStringLiteral.encode(metadata[key] ?? "")
            }
            members.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in tensors {
            try Self.checkWritable(tensor)
            guard names.insert(tensor.name).inserted else {
                throw .invalidTensor(name: tensor.name, reason: "duplicate name")
            }
            let (bytes, overflow) = tensor.scalars.count.multipliedReportingOverflow(by: 4)
            guard !overflow else { throw .invalidTensor(name: tensor.name, reason: "too large") }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            members.append(JSONStringLiteral.encode(tensor.name)
                + ":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        header += members.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        let padding = (8 - headerBytes.count % 8) % 8
        headerBytes += [UInt8](repeating: UInt8(ascii: " "), count: padding)

        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for tensor in tensors {
            Self.appendLittleEndian(tensor.scalars, to: &data)
        }
        return data
    }

    /// Writes the file atomically (temporary file, fsync, rename): a crash leaves either the
    /// old file or the complete new one.
    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url)
    }

    private static func checkWritable(_ tensor: SafetensorsTensor) throws(SafetensorsError) {
        guard !tensor.name.isEmpty else { throw .invalidTensor(name: tensor.name, reason: "empty name") }
        guard tensor.name != "__metadata__" else {
            throw .invalidTensor(name: tensor.name, reason: "the name is reserved for the metadata map")
        }
        guard tensor.shape.allSatisfy({ $0 >= 0 }) else {
            throw .invalidTensor(name: tensor.name, reason: "negative dimension in shape \(tensor.shape)")
        }
        var count = 1
        for dimension in tensor.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .invalidTensor(name: tensor.name, reason: "shape \(tensor.shape) is too large") }
            count = product
        }
        guard count == tensor.scalars.count else {
            throw .invalidTensor(name: tensor.name,
                                 reason: "shape \(tensor.shape) needs \(count) scalars, found \(tensor.scalars.count)")
        }
    }

    /// Appends the scalars' bit patterns in little-endian order (a plain copy on little-endian hosts).
    private static func appendLittleEndian(_ scalars: [Float], to data: inout Data) {
        #if _endian(little)
        scalars.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
        let swapped = scalars.map { $0.bitPattern.littleEndian }
        swapped.withUnsafeBytes { data.append(contentsOf: $0) }
        #endif
    }
}
