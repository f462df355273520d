import Foundation

extension Audio {
    /// Reads any file libsndfile can decode (WAV 16/24/32-bit integer or float, FLAC, OGG, ...),
    /// downmixes it to mono (the mean of the channels) and, if `sampleRate` is given and differs
    /// from the file's, resamples it (see `Resampler`).
    ///
    /// Throws `AudioIOError`: `.fileNotFound`, `.unreadable` (not audio, with libsndfile's reason),
    /// `.empty` (zero frames), `.truncated` (fewer frames than the header declares: an error, never
    /// a silently shorter file), `.nonFiniteSamples` (NaN/Inf in a float file), `.unsupported`.
    public init(contentsOf url: URL, sampleRate targetRate: Int? = nil) throws(AudioIOError) {
        let file = try SoundFile(reading: url)
        try WAVDataChunkCheck.verify(url)
        guard file.frameCount > 0 else { throw .empty(path: url.path) }
        let interleaved = file.readAllInterleaved()
        let framesRead = interleaved.count / file.channelCount
        if framesRead < file.frameCount {
            throw .truncated(path: url.path, declaredFrames: file.frameCount, availableFrames: framesRead)
        }
        let nonFinite = interleaved.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        if nonFinite > 0 { throw .nonFiniteSamples(path: url.path, count: nonFinite) }

        var mono = Audio(samples: Self.downmix(interleaved, channels: file.channelCount),
                         sampleRate: file.sampleRate)
        if let targetRate, targetRate != file.sampleRate {
            do {
                mono = try mono.resampled(to: targetRate)
            } catch {
                throw .unsupported(path: url.path, reason: error.description)
            }
        }
        self = mono
    }

    /// Mean of the channels of each frame (so a signal duplicated on both channels is unchanged).
    static func downmix(_ interleaved: [Float], channels: Int) -> [Float] {
        guard channels > 1 else { return interleaved }
        let frames = interleaved.count / channels
        let scale = 1 / Float(channels)
        return (0..<frames).map { frame in
            var sum: Float = 0
            for channel in 0..<channels { sum += interleaved[frame * channels + channel] }
            return sum * scale
        }
    }
}
