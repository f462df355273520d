import CSndFile
import Foundation
import Synchronization

/// libsndfile reports open failures through a process-wide error slot (`sf_strerror(NULL)`), so
/// two failing opens on different threads could swap messages. Opens are rare: serialise them.
let soundFileOpenLock = Mutex<Void>(())

/// Bytes in memory that libsndfile reads through its virtual I/O callbacks (`sf_open_virtual`),
/// so that the decoder can run on data that is not a file (the fuzz targets feed it this way).
final class MemoryStream {
    let bytes: [UInt8]
    var position = 0
    init(_ data: Data) { bytes = [UInt8](data) }
}

private func stream(_ pointer: UnsafeMutableRawPointer?) -> MemoryStream? {
    pointer.map { Unmanaged<MemoryStream>.fromOpaque($0).takeUnretainedValue() }
}

private let memoryIO: SF_VIRTUAL_IO = {
    var io = SF_VIRTUAL_IO()
    io.get_filelen = { user in sf_count_t(stream(user)?.bytes.count ?? 0) }
    io.seek = { offset, whence, user in
        guard let s = stream(user) else { return -1 }
        let base: Int
        switch whence {
        case SEEK_CUR: base = s.position
        case SEEK_END: base = s.bytes.count
        default: base = 0
        }
        let (target, overflow) = base.addingReportingOverflow(Int(offset))
        guard !overflow, target >= 0 else { return -1 }
        s.position = target
        return sf_count_t(target)
    }
    io.read = { destination, count, user in
        guard let s = stream(user), let destination, count > 0, s.position < s.bytes.count else { return 0 }
        let n = min(Int(count), s.bytes.count - s.position)
        s.bytes.withUnsafeBytes { source in
            guard let base = source.baseAddress else { return }
            destination.copyMemory(from: base + s.position, byteCount: n)
        }
        s.position += n
        return sf_count_t(n)
    }
    io.write = { _, _, _ in 0 }
    io.tell = { user in sf_count_t(stream(user)?.position ?? 0) }
    return io
}()

/// An open libsndfile handle; closes itself when released.
final class SoundFile {
    let path: String
    let handle: OpaquePointer
    let info: SF_INFO
    /// Keeps the bytes of an in-memory file alive as long as the handle.
    private let memory: MemoryStream?

    /// Opens `url` for reading, turning every failure into an `AudioIOError` that names it.
    convenience init(reading url: URL) throws(AudioIOError) {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path)
        }
        if isDirectory.boolValue {
            throw .unreadable(path: path, reason: "it is a directory")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if size == 0 {
            throw .unreadable(path: path, reason: "the file is 0 bytes long")
        }
        var info = SF_INFO()
        let opened: Result<OpaquePointer, AudioIOError> = soundFileOpenLock.withLock { _ in
            if let handle = sf_open(path, Int32(SFM_READ), &info) {
                return .success(handle)
            }
            return .failure(.unreadable(path: path, reason: String(cString: sf_strerror(nil))))
        }
        try self.init(handle: opened.get(), info: info, path: path, memory: nil)
    }

    /// Opens audio file bytes held in memory; `path` only names them in errors.
    convenience init(decoding data: Data, path: String) throws(AudioIOError) {
        if data.isEmpty { throw .unreadable(path: path, reason: "the file is 0 bytes long") }
        let memory = MemoryStream(data)
        var info = SF_INFO()
        // libsndfile keeps pointers to the callbacks and the stream: both outlive the handle
        // (a global, and `memory` stored in self).
        nonisolated(unsafe) var io = memoryIO
        nonisolated(unsafe) let user = Unmanaged.passUnretained(memory).toOpaque()
        nonisolated(unsafe) var handle: OpaquePointer?
        let reason: String? = soundFileOpenLock.withLock { _ in
            handle = sf_open_virtual(&io, Int32(SFM_READ), &info, user)
            return handle == nil ? String(cString: sf_strerror(nil)) : nil
        }
        guard let handle else { throw .unreadable(path: path, reason: reason ?? "unknown libsndfile error") }
        try self.init(handle: handle, info: info, path: path, memory: memory)
    }

    private init(handle: OpaquePointer, info: SF_INFO, path: String, memory: MemoryStream?) throws(AudioIOError) {
        self.path = path
        self.handle = handle
        self.info = info
        self.memory = memory
        guard info.channels > 0 else {
            throw .unsupported(path: path, reason: "\(info.channels) channels")
        }
        // More channels than any real recording: a corrupt header (and a frame would not fit a buffer).
        guard info.channels <= 1024 else {
            throw .unsupported(path: path, reason: "\(info.channels) channels (at most 1024)")
        }
        // Above 768 kHz no recording exists: a corrupt header (resampling it leaves no samples).
        guard info.samplerate > 0 && info.samplerate <= SoundFile.maximumSampleRate else {
            throw .unsupported(path: path, reason: "sample rate \(info.samplerate) Hz (readable rates are 1...\(SoundFile.maximumSampleRate) Hz)")
        }
        guard info.frames >= 0 else {
            throw .unreadable(path: path, reason: "the header declares \(info.frames) frames")
        }
    }

    deinit { sf_close(handle) }

    static let maximumSampleRate: Int32 = 768_000

    /// The header's frame count, or nil when libsndfile could not determine it (it then reports
    /// SF_COUNT_MAX, e.g. for an Ogg stream without its final page).
    var declaredFrameCount: Int? { info.frames == sf_count_t.max ? nil : Int(info.frames) }
    var frameCount: Int { Int(info.frames) }
    var channelCount: Int { Int(info.channels) }
    var sampleRate: Int { Int(info.samplerate) }

    /// "WAV PCM_16", "FLAC PCM_24", "WAV FLOAT", ...
    var formatName: String { AudioFormatName.describe(format: info.format) }

    /// Reads frames as interleaved float32 until libsndfile reports the end of the data, in
    /// chunks: the header's frame count is never used to size a buffer, because a corrupt or
    /// truncated file can declare anything (an Ogg without its end page declares 2^63 - 1).
    /// libsndfile scales integer PCM by 1/2^(bits-1) (its default SFC_SET_NORM_FLOAT), so a
    /// 16-bit value v reads as exactly v / 32768. `decoderError` is libsndfile's complaint, if the
    /// decoder stopped on one (the caller decides whether a shortfall is a truncation).
    func readAllInterleaved() -> (samples: [Float], decoderError: String?) {
        // Both sized by samples, not frames: a header may claim 1024 channels.
        let chunkFrames = max(1, (1 << 16) / channelCount)
        let limit = declaredFrameCount ?? Int.max
        var samples: [Float] = []
        samples.reserveCapacity(min(limit, (1 << 22) / channelCount) * channelCount)
        var chunk = [Float](repeating: 0, count: chunkFrames * channelCount)
        var framesRead = 0
        while framesRead < limit {
            let want = min(chunkFrames, limit - framesRead)
            let got = chunk.withUnsafeMutableBufferPointer { buffer in
                Int(sf_readf_float(handle, buffer.baseAddress, sf_count_t(want)))
            }
            if got <= 0 { break }
            samples.append(contentsOf: chunk[0..<(got * channelCount)])
            framesRead += got
        }
        let status = sf_error(handle)
        return (samples, status == 0 ? nil : String(cString: sf_error_number(status)))
    }
}
