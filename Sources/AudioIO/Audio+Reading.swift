import Foundation

extension Audio {
    /// Reads any file libsndfile can decode (WAV 16/24/32-bit integer or float, FLAC, OGG, ...),
    /// downmixes it to mono (the mean of the channels) and, if `sampleRate` is given and differs
    /// from the file's, resamples it (see `Resampler`).
    ///
    /// Throws `AudioIOError`: `.fileNotFound`, `.unreadable` (not audio, with libsndfile's reason),
    /// `.empty` (zero frames), `.truncated` (fewer frames than the header declares: an error, never
    /// a silently shorter file), `.corrupt` (the decoder failed, or an Ogg stream has no end),
    /// `.nonFiniteSamples` (NaN/Inf in a float file), `.unsupported` (also: resampling overflowed).
    public init(contentsOf url: URL, sampleRate targetRate: Int? = nil) throws(AudioIOError) {
        let file = try SoundFile(reading: url)
        try ContainerLengthCheck.verify(url)
        self = try Self.decode(file, path: url.path, sampleRate: targetRate)
    }

    /// The same as `init(contentsOf:sampleRate:)` for the bytes of an audio file held in memory
    /// (libsndfile's virtual I/O); `path` only names them in errors.
    public init(decoding data: Data, path: String = "<memory>", sampleRate targetRate: Int? = nil) throws(AudioIOError) {
        let file = try SoundFile(decoding: data, path: path)
        try ContainerLengthCheck.verify(data, path: path)
        self = try Self.decode(file, path: path, sampleRate: targetRate)
    }

    private static func decode(_ file: SoundFile, path: String, sampleRate targetRate: Int?) throws(AudioIOError) -> Audio {
        guard let declared = file.declaredFrameCount else {
            throw .corrupt(path: path, reason: "the \(file.formatName) stream has no end, so its length is unknown")
        }
        guard declared > 0 else { throw .empty(path: path) }
        let (interleaved, decoderError) = file.readAllInterleaved()
        let framesRead = interleaved.count / file.channelCount
        if framesRead < declared {
            throw .truncated(path: path, declaredFrames: declared, availableFrames: framesRead)
        }
        if let decoderError {
            throw .corrupt(path: path, reason: "the decoder stopped after \(framesRead) frames: \(decoderError)")
        }
        let nonFinite = interleaved.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        if nonFinite > 0 { throw .nonFiniteSamples(path: path, count: nonFinite) }

        var mono = Audio(samples: downmix(interleaved, channels: file.channelCount), sampleRate: file.sampleRate)
        if let targetRate, targetRate != file.sampleRate {
            do {
                mono = try mono.resampled(to: targetRate)
            } catch {
                throw .unsupported(path: path, reason: error.description)
            }
            // A few frames at a high rate can resample to nothing: that is not an audio file to use.
            if mono.samples.isEmpty {
                throw .unsupported(path: path, reason: "\(framesRead) frames at \(file.sampleRate) Hz leave no sample at \(targetRate) Hz")
            }
            // Finite samples near Float.greatestFiniteMagnitude can overflow in the filter.
            if mono.samples.contains(where: { !$0.isFinite }) {
                throw .unsupported(path: path, reason: "resampling \(file.sampleRate) -> \(targetRate) Hz overflows to infinity "
                                   + "(the samples are far outside [-1, 1])")
            }
        }
        return mono
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
