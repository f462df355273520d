import CSndFile
import Foundation

/// A fresh directory under the system temporary directory, removed when released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("wavedistill-audioio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Names of the files left in the directory (to check that failed writes leave nothing).
    var contents: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.sorted() ?? []
    }
}

/// Writes fixture files through libsndfile directly, in formats `Audio.writeWAV` does not
/// produce (24-bit, FLAC, stereo, OGG), so the reader can be tested on them.
enum Fixture {
    struct WriteFailed: Error, CustomStringConvertible { let description: String }

    /// Writes interleaved int32 samples (full-scale 32-bit: a 24-bit value v is v << 8).
    static func writeInts(_ interleaved: [Int32], channels: Int, sampleRate: Int, format: Int, to url: URL) throws {
        let handle = try open(url, channels: channels, sampleRate: sampleRate, format: format)
        defer { sf_close(handle) }
        let written = interleaved.withUnsafeBufferPointer {
            sf_write_int(handle, $0.baseAddress, sf_count_t($0.count))
        }
        guard written == interleaved.count else { throw WriteFailed(description: "short write to \(url.path)") }
    }

    /// Writes interleaved floats as libsndfile converts them for `format`.
    static func writeFloats(_ interleaved: [Float], channels: Int, sampleRate: Int, format: Int, to url: URL) throws {
        let handle = try open(url, channels: channels, sampleRate: sampleRate, format: format)
        defer { sf_close(handle) }
        let written = interleaved.withUnsafeBufferPointer {
            sf_write_float(handle, $0.baseAddress, sf_count_t($0.count))
        }
        guard written == interleaved.count else { throw WriteFailed(description: "short write to \(url.path)") }
    }

    /// The int16 values stored in a 16-bit file, read without any float conversion.
    static func readShorts(_ url: URL) throws -> [Int16] {
        var info = SF_INFO()
        guard let handle = sf_open(url.path, Int32(SFM_READ), &info) else {
            throw WriteFailed(description: "cannot open \(url.path)")
        }
        defer { sf_close(handle) }
        var values = [Int16](repeating: 0, count: Int(info.frames) * Int(info.channels))
        let read = values.withUnsafeMutableBufferPointer { sf_read_short(handle, $0.baseAddress, sf_count_t($0.count)) }
        return Array(values.prefix(Int(read)))
    }

    static func canWrite(format: Int, channels: Int = 1, sampleRate: Int = 16000) -> Bool {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = Int32(format)
        return sf_format_check(&info) != 0
    }

    private static func open(_ url: URL, channels: Int, sampleRate: Int, format: Int) throws -> OpaquePointer {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = Int32(format)
        guard let handle = sf_open(url.path, Int32(SFM_WRITE), &info) else {
            throw WriteFailed(description: "cannot create \(url.path): \(String(cString: sf_strerror(nil)))")
        }
        return handle
    }
}

/// A sine of `frequency` Hz and peak `amplitude`, `count` samples at `sampleRate`.
func sine(frequency: Double, sampleRate: Int, count: Int, amplitude: Double = 0.5) -> [Float] {
    (0..<count).map { Float(amplitude * sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate))) }
}
