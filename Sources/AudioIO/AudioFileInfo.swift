import Foundation

/// What `wavedistill info` shows about a file, read from its header without decoding the audio.
public struct AudioFileInfo: Sendable, Equatable {
    public var path: String
    public var sampleRate: Int
    public var channelCount: Int
    public var frameCount: Int
    /// Short format name: container then sample encoding, e.g. "WAV PCM_16", "FLAC PCM_24", "WAV FLOAT".
    public var format: String

    public var duration: Double { Double(frameCount) / Double(sampleRate) }

    public init(path: String, sampleRate: Int, channelCount: Int, frameCount: Int, format: String) {
        self.path = path
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.frameCount = frameCount
        self.format = format
    }

    /// Reads the header of `url`. A WAV whose data chunk claims more bytes than the file holds
    /// throws `.truncated`; a header with zero frames throws `.empty`; an Ogg stream whose end is
    /// missing (length unknown) throws `.corrupt`.
    public init(contentsOf url: URL) throws(AudioIOError) {
        let file = try SoundFile(reading: url)
        try ContainerLengthCheck.verify(url)
        guard let declared = file.declaredFrameCount else {
            throw .corrupt(path: url.path, reason: "the \(file.formatName) stream has no end, so its length is unknown")
        }
        guard declared > 0 else { throw .empty(path: url.path) }
        path = url.path
        sampleRate = file.sampleRate
        channelCount = file.channelCount
        frameCount = file.frameCount
        format = file.formatName
    }
}
