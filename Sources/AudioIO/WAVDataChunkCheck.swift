import Foundation

/// Detects truncated RIFF/WAVE files.
///
/// When a WAV's data chunk claims more bytes than the file holds, libsndfile silently shortens
/// the frame count to what is there, so a half-copied file would read as a shorter, valid one.
/// This walks the RIFF chunks itself and compares the declared data size with the bytes present.
/// Other containers are checked by comparing frames decoded with the header's frame count.
enum WAVDataChunkCheck {
    static func verify(_ url: URL) throws(AudioIOError) {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return }
        defer { try? handle.close() }
        guard let fileSize = try? handle.seekToEnd(),
              (try? handle.seek(toOffset: 0)) != nil,
              let header = try? handle.read(upToCount: 12), header.count == 12,
              header.prefix(4) == Data("RIFF".utf8), header.suffix(4) == Data("WAVE".utf8) else {
            return  // Not a plain RIFF/WAVE file (RF64, W64, FLAC, ...): nothing to check here.
        }
        var offset: UInt64 = 12
        var blockAlign = 0
        while offset + 8 <= fileSize {
            guard (try? handle.seek(toOffset: offset)) != nil,
                  let chunkHeader = try? handle.read(upToCount: 8), chunkHeader.count == 8 else { return }
            let id = String(decoding: chunkHeader.prefix(4), as: UTF8.self)
            let size = UInt64(littleEndianUInt32(chunkHeader, at: 4))
            let body = offset + 8
            if id == "fmt ", size >= 14,
               let fmt = try? handle.read(upToCount: 14), fmt.count == 14 {
                blockAlign = Int(fmt[fmt.startIndex + 12]) | Int(fmt[fmt.startIndex + 13]) << 8
            }
            if id == "data" {
                // 0 and 0xFFFFFFFF mean "length unknown" (streaming writers), not truncation.
                guard size != 0, size != 0xFFFF_FFFF, blockAlign > 0 else { return }
                let present = fileSize - body
                if size > present {
                    throw .truncated(path: url.path,
                                     declaredFrames: Int(size) / blockAlign,
                                     availableFrames: Int(present) / blockAlign)
                }
                return
            }
            offset = body + size + (size & 1)  // chunks are padded to an even length
        }
    }

    private static func littleEndianUInt32(_ data: Data, at index: Int) -> UInt32 {
        let start = data.startIndex + index
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[start + $1]) << (8 * UInt32($1)) }
    }
}
