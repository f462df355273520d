import CSndFile
import Foundation
import Synchronization

/// libsndfile reports open failures through a process-wide error slot (`sf_strerror(NULL)`), so
/// two failing opens on different threads could swap messages. Opens are rare: serialise them.
let soundFileOpenLock = Mutex<Void>(())

/// An open libsndfile handle; closes itself when released.
final class SoundFile {
    let path: String
    let handle: OpaquePointer
    let info: SF_INFO

    /// Opens `url` for reading, turning every failure into an `AudioIOError` that names it.
    init(reading url: URL) throws(AudioIOError) {
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
        let handle = try opened.get()
        self.path = path
        self.handle = handle
        self.info = info
        guard info.channels > 0 else {
            throw .unsupported(path: path, reason: "\(info.channels) channels")
        }
        guard info.samplerate > 0 else {
            throw .unsupported(path: path, reason: "sample rate \(info.samplerate) Hz")
        }
    }

    deinit { sf_close(handle) }

    var frameCount: Int { Int(info.frames) }
    var channelCount: Int { Int(info.channels) }
    var sampleRate: Int { Int(info.samplerate) }

    /// "WAV PCM_16", "FLAC PCM_24", "WAV FLOAT", ...
    var formatName: String { AudioFormatName.describe(format: info.format) }

    /// Reads every frame as interleaved float32. libsndfile scales integer PCM by 1/2^(bits-1)
    /// (its default SFC_SET_NORM_FLOAT), so a 16-bit value v reads as exactly v / 32768.
    /// Stops early only when the data ends before the header's frame count.
    func readAllInterleaved() -> [Float] {
        let total = frameCount * channelCount
        var samples = [Float](repeating: 0, count: total)
        var framesRead = 0
        samples.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let chunk = 1 << 16
            while framesRead < frameCount {
                let want = min(chunk, frameCount - framesRead)
                // Bounds: framesRead + want <= frameCount, so this stays inside the buffer.
                let got = Int(sf_readf_float(handle, base + framesRead * channelCount, sf_count_t(want)))
                if got <= 0 { break }
                framesRead += got
            }
        }
        if framesRead < frameCount {
            samples.removeLast((frameCount - framesRead) * channelCount)
        }
        return samples
    }
}
