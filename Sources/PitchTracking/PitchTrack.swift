/// One analysis frame of a `PitchTrack`.
public struct PitchFrame: Sendable, Equatable {
    /// Centre of the frame (s from the start of the signal).
    public var time: Double
    /// aubio's f0 estimate (Hz); 0 where it found none or the input was silent. Only meaningful
    /// where `voiced`.
    public var f0Hz: Double
    /// YIN's confidence 1 - d'(tau), at most 1 (1 for a perfectly periodic frame).
    public var confidence: Double
    /// The voicing decision (see `PitchTracker`).
    public var voiced: Bool

    public init(time: Double, f0Hz: Double, confidence: Double, voiced: Bool) {
        self.time = time
        self.f0Hz = f0Hz
        self.confidence = confidence
        self.voiced = voiced
    }

    /// f0 (Hz) of a voiced frame, nil for an unvoiced one.
    public var voicedF0Hz: Double? { voiced ? f0Hz : nil }
}

/// The frames of `PitchTracker.track`: frame t is centred at t * hopLength / sampleRate seconds.
public struct PitchTrack: Sendable, Equatable {
    public var sampleRate: Int
    public var hopLength: Int
    public var frames: [PitchFrame]

    public init(sampleRate: Int, hopLength: Int, frames: [PitchFrame]) {
        self.sampleRate = sampleRate
        self.hopLength = hopLength
        self.frames = frames
    }

    /// Voiced frames as a percentage of all frames (0 for an empty track).
    public var voicedPercent: Double {
        frames.isEmpty ? 0 : 100 * Double(frames.count(where: \.voiced)) / Double(frames.count)
    }

    /// The median f0 (Hz) of the voiced frames (the mean of the middle two for an even count),
    /// nil when no frame is voiced.
    public var medianVoicedF0Hz: Double? {
        let f0 = frames.compactMap(\.voicedF0Hz).sorted()
        guard !f0.isEmpty else { return nil }
        let middle = f0.count / 2
        return f0.count % 2 == 1 ? f0[middle] : (f0[middle - 1] + f0[middle]) / 2
    }
}
