import CSndFile
import Foundation
import Testing
@testable import AudioIO

/// Issue 15: truncated or damaged files of every container are errors naming the file, never a
/// crash and never a silently shorter file.
@Suite struct TruncatedContainerTests {
    /// Writes a 2 s sine in `format`, then cuts the file to `fraction` of its bytes.
    static func cutFile(_ directory: TemporaryDirectory, _ name: String, format: Int, fraction: Double = 0.5,
                        count: Int = 32000) throws -> URL {
        let url = directory.file(name)
        // A sine plus deterministic noise, so that compressed formats span many pages.
        var state: UInt32 = 1
        let samples = sine(frequency: 440, sampleRate: 16000, count: count).map { value -> Float in
            state = state &* 1_664_525 &+ 1_013_904_223
            return value + 0.2 * (Float(state >> 8) / Float(1 << 24) - 0.5)
        }
        try Fixture.writeFloats(samples, channels: 1, sampleRate: 16000,
                                format: format, to: url)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64 ?? 0
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(Double(size) * fraction))
        try handle.close()
        return url
    }

    /// libsndfile reports SF_COUNT_MAX frames for an Ogg without its last page; the reader used
    /// to allocate that many samples and crashed.
    @Test(.enabled(if: Fixture.canWrite(format: SF_FORMAT_OGG | SF_FORMAT_VORBIS)))
    func truncatedOggVorbisIsAnErrorNotACrash() throws {
        let directory = try TemporaryDirectory()
        let url = try Self.cutFile(directory, "cut.ogg", format: SF_FORMAT_OGG | SF_FORMAT_VORBIS, count: 160_000)
        for read in [{ _ = try Audio(contentsOf: url) }, { _ = try AudioFileInfo(contentsOf: url) },
                     { _ = try Audio(decoding: Data(contentsOf: url), path: url.path) }] {
            let error = #expect(throws: AudioIOError.self) { try read() }
            guard case .corrupt(let path, _)? = error else {
                Issue.record("expected corrupt, got \(String(describing: error))")
                continue
            }
            #expect(path == url.path)
        }
    }

    @Test(.enabled(if: Fixture.canWrite(format: SF_FORMAT_OGG | SF_FORMAT_OPUS, sampleRate: 48000)))
    func truncatedOggOpusIsAnErrorNotACrash() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("cut.opus")
        try Fixture.writeFloats(sine(frequency: 440, sampleRate: 48000, count: 96000), channels: 1, sampleRate: 48000,
                                format: SF_FORMAT_OGG | SF_FORMAT_OPUS, to: url)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64 ?? 0
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: size / 2)
        try handle.close()
        #expect(throws: AudioIOError.self) { try Audio(contentsOf: url) }
    }

    /// AIFF, W64 and RF64 were read silently as shorter files.
    @Test(arguments: [("cut.aiff", SF_FORMAT_AIFF), ("cut.w64", SF_FORMAT_W64), ("cut.rf64", SF_FORMAT_RF64),
                      ("cut.wav", SF_FORMAT_WAV)])
    func truncatedPCMContainersAreErrors(name: String, container: Int) throws {
        let directory = try TemporaryDirectory()
        let url = try Self.cutFile(directory, name, format: container | SF_FORMAT_PCM_16)
        let error = #expect(throws: AudioIOError.self) { try Audio(contentsOf: url) }
        guard case .truncated(let path, let declared, let available)? = error else {
            Issue.record("\(name): expected truncated, got \(String(describing: error))")
            return
        }
        #expect(path == url.path && declared == 32000 && available < 20000, "\(declared) \(available)")
        #expect(throws: AudioIOError.self) { try AudioFileInfo(contentsOf: url) }
        #expect(throws: AudioIOError.self) { try Audio(decoding: Data(contentsOf: url), path: url.path) }
    }

    /// Complete files of the same containers still read in full, from a file and from memory.
    @Test(arguments: [("ok.aiff", SF_FORMAT_AIFF), ("ok.w64", SF_FORMAT_W64), ("ok.rf64", SF_FORMAT_RF64)])
    func completeContainersRead(name: String, container: Int) throws {
        let directory = try TemporaryDirectory()
        let url = try Self.cutFile(directory, name, format: container | SF_FORMAT_PCM_16, fraction: 1)
        let audio = try Audio(contentsOf: url)
        #expect(audio.samples.count == 32000)
        #expect(try Audio(decoding: Data(contentsOf: url), path: url.path) == audio)
    }

    /// 2.5e38 is finite, but resampling it overflows to infinity: an error, not inf samples.
    @Test func resamplingOverflowIsAnError() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("huge.wav")
        try Fixture.writeFloats([Float](repeating: 2.5e38, count: 4410), channels: 1, sampleRate: 44100,
                                format: SF_FORMAT_WAV | SF_FORMAT_FLOAT, to: url)
        let error = #expect(throws: AudioIOError.self) { try Audio(contentsOf: url, sampleRate: 16000) }
        #expect(error?.description.hasPrefix(url.path + ": ") == true && error?.description.contains("overflow") == true)
    }
}
