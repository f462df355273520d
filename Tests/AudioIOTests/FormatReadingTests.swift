import CSndFile
import Foundation
import Testing
@testable import AudioIO

@Suite struct FormatReadingTests {
    /// 24-bit values v read as exactly v / 2^23, in WAV and FLAC.
    @Test(arguments: [(SF_FORMAT_WAV, "WAV PCM_24"), (SF_FORMAT_FLAC, "FLAC PCM_24")])
    func reads24BitExactly(container: Int, format: String) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("x24")
        let values: [Int32] = [0, 1, -1, 8_388_607, -8_388_608, 1234567, -7654321] + (0..<1000).map { Int32($0 * 8000 - 4_000_000) }
        try Fixture.writeInts(values.map { $0 << 8 }, channels: 1, sampleRate: 48000,
                              format: container | SF_FORMAT_PCM_24, to: url)
        let info = try AudioFileInfo(contentsOf: url)
        #expect(info.format == format)
        #expect(info.frameCount == values.count && info.sampleRate == 48000)
        let audio = try Audio(contentsOf: url)
        #expect(audio.samples == values.map { Float($0) / 8_388_608 })
    }

    @Test func readsFLAC16() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("x.flac")
        let values: [Int16] = [0, 1, -1, .max, .min, 300, -12345]
        try Fixture.writeInts(values.map { Int32($0) << 16 }, channels: 1, sampleRate: 16000,
                              format: SF_FORMAT_FLAC | SF_FORMAT_PCM_16, to: url)
        #expect(try AudioFileInfo(contentsOf: url).format == "FLAC PCM_16")
        #expect(try Audio(contentsOf: url).samples == values.map { Float($0) / 32768 })
    }

    @Test(.enabled(if: Fixture.canWrite(format: SF_FORMAT_OGG | SF_FORMAT_VORBIS)))
    func readsOggVorbis() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("x.ogg")
        let samples = sine(frequency: 440, sampleRate: 16000, count: 16000)
        try Fixture.writeFloats(samples, channels: 1, sampleRate: 16000, format: SF_FORMAT_OGG | SF_FORMAT_VORBIS, to: url)
        #expect(try AudioFileInfo(contentsOf: url).format == "OGG VORBIS")
        let audio = try Audio(contentsOf: url)
        #expect(audio.samples.count == 16000)
        let rms = (audio.samples.reduce(0.0) { $0 + Double($1 * $1) } / 16000).squareRoot()
        #expect(abs(rms - 0.5 / 2.0.squareRoot()) < 0.02)
    }

    /// Stereo is averaged per frame; 3 channels too.
    @Test(arguments: [2, 3])
    func downmixIsTheMeanOfTheChannels(channels: Int) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("multi.wav")
        let frames = 500
        let interleaved = (0..<(frames * channels)).map { i -> Float in
            let frame = i / channels, channel = i % channels
            return Float(channel + 1) * 0.1 * sin(Float(frame) * 0.05 * Float(channel + 1))
        }
        try Fixture.writeFloats(interleaved, channels: channels, sampleRate: 16000,
                                format: SF_FORMAT_WAV | SF_FORMAT_FLOAT, to: url)
        #expect(try AudioFileInfo(contentsOf: url).channelCount == channels)
        let audio = try Audio(contentsOf: url)
        #expect(audio.samples.count == frames)
        for frame in [0, 1, 77, 499] {
            var sum = 0.0
            for channel in 0..<channels { sum += Double(interleaved[frame * channels + channel]) }
            #expect(abs(Double(audio.samples[frame]) - sum / Double(channels)) < 1e-7)
        }
    }

    /// A stereo file with opposite channels downmixes to silence (not to one of the channels).
    @Test func oppositeChannelsCancel() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("cancel.wav")
        let left = sine(frequency: 300, sampleRate: 8000, count: 800)
        let interleaved = left.flatMap { [$0, -$0] }
        try Fixture.writeFloats(interleaved, channels: 2, sampleRate: 8000, format: SF_FORMAT_WAV | SF_FORMAT_FLOAT, to: url)
        #expect(try Audio(contentsOf: url).samples.allSatisfy { $0 == 0 })
    }
}
