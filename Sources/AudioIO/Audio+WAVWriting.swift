import CSndFile
import FileFormats
import Foundation

extension Audio {
    /// Writes this audio as a mono WAV file (16-bit PCM unless asked for float32).
    ///
    /// The write is atomic (`AtomicFile.replace`): on any failure nothing is left under `url`
    /// and an existing file there is untouched. Samples outside [-1, 1] are clipped for PCM and
    /// counted in the report; NaN or infinite samples are refused (`.nonFiniteSamples`).
    public func writeWAV(to url: URL, encoding: WAVEncoding = .pcm16) throws(AudioIOError) -> WAVWriteReport {
        let path = url.path
        guard sampleRate > 0, sampleRate <= Int(Int32.max) else {
            throw .cannotWrite(path: path, reason: "invalid sample rate \(sampleRate) Hz")
        }
        let nonFinite = samples.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        if nonFinite > 0 { throw .nonFiniteSamples(path: path, count: nonFinite) }

        var clipped = 0
        let pcm: [Int16]
        switch encoding {
        case .pcm16:
            clipped = samples.reduce(0) { $0 + (abs($1) > 1 ? 1 : 0) }
            pcm = samples.map(PCM16.quantize)
        case .float32:
            pcm = []
        }
        do {
            try AtomicFile.replace(url) { temporary in
                try writeFile(at: temporary.path, displayPath: path, encoding: encoding, pcm: pcm)
            }
        } catch let error as AudioIOError {
            throw error
        } catch {
            throw .cannotWrite(path: path, reason: String(describing: error))
        }
        return WAVWriteReport(path: path, frameCount: samples.count, encoding: encoding,
                              clippedSampleCount: clipped)
    }

    private func writeFile(at temporaryPath: String, displayPath: String, encoding: WAVEncoding,
                           pcm: [Int16]) throws(AudioIOError) {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        info.format = Int32(SF_FORMAT_WAV | (encoding == .pcm16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT))
        let opened: Result<OpaquePointer, AudioIOError> = soundFileOpenLock.withLock { _ in
            if let handle = sf_open(temporaryPath, Int32(SFM_WRITE), &info) { return .success(handle) }
            return .failure(.cannotWrite(path: displayPath, reason: String(cString: sf_strerror(nil))))
        }
        let handle = try opened.get()
        let written: Int
        switch encoding {
        case .pcm16:
            written = pcm.withUnsafeBufferPointer { Int(sf_write_short(handle, $0.baseAddress, sf_count_t($0.count))) }
        case .float32:
            written = samples.withUnsafeBufferPointer { Int(sf_write_float(handle, $0.baseAddress, sf_count_t($0.count))) }
        }
        let writeError = String(cString: sf_strerror(handle))
        let closeStatus = sf_close(handle)
        guard written == samples.count else {
            throw .cannotWrite(path: displayPath, reason: "wrote \(written) of \(samples.count) samples: \(writeError)")
        }
        guard closeStatus == 0 else {
            throw .cannotWrite(path: displayPath, reason: "closing failed: \(String(cString: sf_error_number(closeStatus)))")
        }
    }
}
