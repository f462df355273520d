import CSndFile
import Foundation
import Testing
@testable import AudioIO

@Suite struct WAVRoundTripTests {
    /// Every int16 value survives float -> 16-bit WAV -> float bit for bit, and is stored as
    /// exactly that int16 (checked through libsndfile's integer reader, no float path).
    @Test func pcm16RoundTripIsBitExactForAllValues() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("all.wav")
        let ints = (Int(Int16.min)...Int(Int16.max)).map { Int16($0) }
        let samples = ints.map { Float($0) / 32768 }
        let report = try Audio(samples: samples, sampleRate: 16000).writeWAV(to: url)
        #expect(report.clippedSampleCount == 0)
        #expect(report.frameCount == 65536)

        #expect(try Fixture.readShorts(url) == ints)
        let back = try Audio(contentsOf: url)
        #expect(back.sampleRate == 16000)
        #expect(back.samples.count == samples.count)
        let mismatches = zip(back.samples, samples).filter { $0.0.bitPattern != $0.1.bitPattern }.count
        #expect(mismatches == 0, "\(mismatches) of 65536 int16 values changed in the round trip")
    }

    @Test func float32RoundTripIsExactAndNeverClipped() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("float.wav")
        var generator = SystemRandomNumberGenerator()
        let samples = (0..<5000).map { _ in Float.random(in: -2...2, using: &generator) } + [0, -0.0, 1, -1, .leastNonzeroMagnitude]
        let report = try Audio(samples: samples, sampleRate: 22050).writeWAV(to: url, encoding: .float32)
        #expect(report.clippedSampleCount == 0)
        let back = try Audio(contentsOf: url)
        #expect(back.sampleRate == 22050)
        #expect(back.samples.map(\.bitPattern) == samples.map(\.bitPattern))
        #expect(try AudioFileInfo(contentsOf: url).format == "WAV FLOAT")
    }

    @Test func pcm16ClippingIsCountedAndClamped() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("clip.wav")
        let samples: [Float] = [0, 0.5, 1, -1, 1.5, -2, 1.0001, -1.0001]
        let report = try Audio(samples: samples, sampleRate: 8000).writeWAV(to: url)
        #expect(report.clippedSampleCount == 4)
        #expect(report.warning?.contains(url.path) == true)
        #expect(report.warning?.contains("4 of 8") == true)
        #expect(try Fixture.readShorts(url) == [0, 16384, 32767, -32768, 32767, -32768, 32767, -32768])
    }

    @Test func noWarningWithoutClipping() throws {
        let directory = try TemporaryDirectory()
        let report = try Audio(samples: [0.25, -0.25], sampleRate: 8000).writeWAV(to: directory.file("a.wav"))
        #expect(report.warning == nil)
    }

    @Test func infoDescribesAWrittenFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("info.wav")
        _ = try Audio(samples: [Float](repeating: 0.1, count: 24000), sampleRate: 16000).writeWAV(to: url)
        let info = try AudioFileInfo(contentsOf: url)
        #expect(info == AudioFileInfo(path: url.path, sampleRate: 16000, channelCount: 1,
                                      frameCount: 24000, format: "WAV PCM_16"))
        #expect(info.duration == 1.5)
    }

    /// A failed write leaves nothing under the requested name and keeps an existing file.
    @Test func failedWriteLeavesNoFileAndKeepsTheOldOne() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("keep.wav")
        _ = try Audio(samples: [0.5], sampleRate: 8000).writeWAV(to: url)
        let before = try Data(contentsOf: url)
        #expect(throws: AudioIOError.nonFiniteSamples(path: url.path, count: 2)) {
            _ = try Audio(samples: [0, .nan, .infinity], sampleRate: 8000).writeWAV(to: url)
        }
        #expect(try Data(contentsOf: url) == before)

        let missing = directory.file("no-such-dir/out.wav")
        let error = #expect(throws: AudioIOError.self) {
            _ = try Audio(samples: [0.5], sampleRate: 8000).writeWAV(to: missing)
        }
        guard case .cannotWrite(let path, _)? = error else {
            Issue.record("expected cannotWrite, got \(String(describing: error))")
            return
        }
        #expect(path == missing.path)
        #expect(directory.contents == ["keep.wav"])
    }
}
