import Foundation

/// Detects truncated WAV, RF64, W64 and AIFF files.
///
/// When the data chunk of these containers claims more bytes than the file holds, libsndfile
/// silently shortens the frame count to what is there, so a half-copied file would read as a
/// shorter, valid one. This walks the chunks itself and compares the declared data size with
/// the bytes present. Other containers (FLAC, Ogg, MP3) are checked by comparing the frames
/// decoded with the header's frame count.
enum ContainerLengthCheck {
    static func verify(_ url: URL) throws(AudioIOError) {
        // Mapped, not read: only the chunk headers are touched.
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else { return }
        try verify(data, path: url.path)
    }

    static func verify(_ data: Data, path: String) throws(AudioIOError) {
        let bytes = Bytes(data: data)
        switch (bytes.tag(at: 0), bytes.tag(at: 8)) {
        case ("RIFF", "WAVE"): try walkRIFF(bytes, path: path, dataSize64: nil)
        case ("RF64", "WAVE"), ("BW64", "WAVE"): try walkRIFF(bytes, path: path, dataSize64: rf64DataSize(bytes))
        case ("FORM", "AIFF"), ("FORM", "AIFC"): try walkAIFF(bytes, path: path)
        default:
            if bytes.tag(at: 0) == "riff" && bytes.tag(at: 24) == "wave" { try walkW64(bytes, path: path) }
        }
    }

    /// RIFF/RF64 chunks: 4-byte id, 4-byte little-endian size, body padded to an even length.
    private static func walkRIFF(_ bytes: Bytes, path: String, dataSize64: UInt64?) throws(AudioIOError) {
        var offset = 12
        var blockAlign = 0
        while let id = bytes.tag(at: offset), let size32 = bytes.uint32LE(at: offset + 4) {
            let body = offset + 8
            if id == "fmt ", let align = bytes.uint16LE(at: body + 12) { blockAlign = Int(align) }
            if id == "data" {
                // RF64 keeps the real size in ds64; 0 and 0xFFFFFFFF in a plain WAV mean "length
                // unknown" (streaming writers), not truncation.
                let size = size32 == 0xFFFF_FFFF ? dataSize64 : (size32 == 0 ? nil : UInt64(size32))
                try compare(declared: size, present: bytes.count - body, blockAlign: blockAlign, path: path)
                return
            }
            offset = body + Int(size32) + Int(size32 & 1)
        }
    }

    /// The data size from an RF64 file's ds64 chunk (the first chunk), if present.
    private static func rf64DataSize(_ bytes: Bytes) -> UInt64? {
        guard bytes.tag(at: 12) == "ds64" else { return nil }
        return bytes.uint64LE(at: 20 + 8)
    }

    /// AIFF chunks: 4-byte id, 4-byte big-endian size, even padding. SSND starts with 8 bytes
    /// (offset, block size) before the samples; COMM gives channels and sample size.
    private static func walkAIFF(_ bytes: Bytes, path: String) throws(AudioIOError) {
        var offset = 12
        var blockAlign = 0
        while let id = bytes.tag(at: offset), let size = bytes.uint32BE(at: offset + 4) {
            let body = offset + 8
            if id == "COMM", let channels = bytes.uint16BE(at: body), let bits = bytes.uint16BE(at: body + 6) {
                blockAlign = Int(channels) * ((Int(bits) + 7) / 8)
            }
            if id == "SSND" {
                guard size >= 8 else { return }
                try compare(declared: UInt64(size - 8), present: bytes.count - body - 8, blockAlign: blockAlign, path: path)
                return
            }
            offset = body + Int(size) + Int(size & 1)
        }
    }

    /// Sony Wave64: 16-byte GUID ids (the first 4 bytes spell the name), 8-byte little-endian
    /// sizes that include the 24-byte chunk header, bodies padded to a multiple of 8.
    private static func walkW64(_ bytes: Bytes, path: String) throws(AudioIOError) {
        var offset = 40
        var blockAlign = 0
        while let id = bytes.tag(at: offset), let size = bytes.uint64LE(at: offset + 16) {
            let body = offset + 24
            guard size >= 24, size < UInt64(Int.max / 2) else { return }
            if id == "fmt ", let align = bytes.uint16LE(at: body + 12) { blockAlign = Int(align) }
            if id == "data" {
                try compare(declared: size - 24, present: bytes.count - body, blockAlign: blockAlign, path: path)
                return
            }
            offset += Int((size + 7) & ~7)
        }
    }

    private static func compare(declared: UInt64?, present: Int, blockAlign: Int, path: String) throws(AudioIOError) {
        guard let declared, blockAlign > 0, present >= 0 else { return }
        if declared > UInt64(present) {
            let frames = declared / UInt64(blockAlign)
            throw .truncated(path: path, declaredFrames: frames > UInt64(Int.max) ? Int.max : Int(frames),
                             availableFrames: present / blockAlign)
        }
    }

    /// Bounds-checked reads: every accessor returns nil past the end, never traps.
    private struct Bytes {
        let data: Data
        var count: Int { data.count }

        func tag(at i: Int) -> String? {
            guard i >= 0, i <= data.count - 4 else { return nil }
            let start = data.startIndex + i
            return String(decoding: data[start..<(start + 4)], as: UTF8.self)
        }

        func unsigned(at i: Int, width: Int, bigEndian: Bool) -> UInt64? {
            guard i >= 0, i <= data.count - width else { return nil }
            var value: UInt64 = 0
            for k in 0..<width {
                let b = UInt64(data[data.startIndex + i + (bigEndian ? k : width - 1 - k)])
                value = value << 8 | b
            }
            return value
        }

        func uint16LE(at i: Int) -> UInt16? { unsigned(at: i, width: 2, bigEndian: false).map { UInt16($0) } }
        func uint32LE(at i: Int) -> UInt32? { unsigned(at: i, width: 4, bigEndian: false).map { UInt32($0) } }
        func uint64LE(at i: Int) -> UInt64? { unsigned(at: i, width: 8, bigEndian: false) }
        func uint16BE(at i: Int) -> UInt16? { unsigned(at: i, width: 2, bigEndian: true).map { UInt16($0) } }
        func uint32BE(at i: Int) -> UInt32? { unsigned(at: i, width: 4, bigEndian: true).map { UInt32($0) } }
    }
}
