import Foundation

/// Voicing and f0 of a synthesized signal against its reference, over frames aligned one to one
/// (the first min(count) frames of two tracks with the same rate and hop):
///
///     vde_percent               100 * #(frames whose voiced/unvoiced decisions differ) / frames
///     f0_rmse_cents             sqrt(mean over frames voiced in both of (1200 log2(f_syn / f_ref))^2),
///                               null when no frame is voiced in both
///     voiced_percent            100 * #(voiced frames of the synthesized signal) / frames
///     reference_voiced_percent  100 * #(voiced frames of the reference) / frames
///     frames_voiced_in_both     the frame count behind f0_rmse_cents
///     frames                    frames compared
///
/// VDE is symmetric, 0 for identical decisions; an octave error in every voiced frame gives an
/// RMSE of 1200 cents. Computed in Double.
public struct VoicingComparison: Codable, Sendable, Equatable {
    public var frames: Int
    public var vdePercent: Double
    public var f0RMSECents: Double?
    public var voicedPercent: Double
    public var referenceVoicedPercent: Double
    public var framesVoicedInBoth: Int

    enum CodingKeys: String, CodingKey {
        case frames
        case vdePercent = "vde_percent"
        case f0RMSECents = "f0_rmse_cents"
        case voicedPercent = "voiced_percent"
        case referenceVoicedPercent = "reference_voiced_percent"
        case framesVoicedInBoth = "frames_voiced_in_both"
    }

    /// Writes `f0_rmse_cents` as null when no frame is voiced in both (the synthesized encoder would
    /// leave the key out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(frames, forKey: .frames)
        try c.encode(vdePercent, forKey: .vdePercent)
        try c.encode(f0RMSECents, forKey: .f0RMSECents)
        try c.encode(voicedPercent, forKey: .voicedPercent)
        try c.encode(referenceVoicedPercent, forKey: .referenceVoicedPercent)
        try c.encode(framesVoicedInBoth, forKey: .framesVoicedInBoth)
    }

    /// Compares two tracks of the same sample rate and hop over their common frames.
    public init(reference: PitchTrack, synthesized: PitchTrack) throws(PitchTrackingError) {
        guard reference.sampleRate == synthesized.sampleRate && reference.hopLength == synthesized.hopLength else {
            throw .incompatibleTracks("reference at \(reference.sampleRate) Hz, hop \(reference.hopLength); "
                + "synthesized at \(synthesized.sampleRate) Hz, hop \(synthesized.hopLength)")
        }
        let count = min(reference.frames.count, synthesized.frames.count)
        guard count > 0 else { throw .incompatibleTracks("a track has no frames") }
        var mismatches = 0, voiced = 0, referenceVoiced = 0, both = 0
        var squaredCents = 0.0
        for t in 0..<count {
            let r = reference.frames[t], s = synthesized.frames[t]
            if r.voiced != s.voiced { mismatches += 1 }
            if s.voiced { voiced += 1 }
            if r.voiced { referenceVoiced += 1 }
            if r.voiced && s.voiced {
                let cents = 1200 * log2(s.f0Hz / r.f0Hz)
                squaredCents += cents * cents
                both += 1
            }
        }
        self.init(frames: count, mismatches: mismatches, voiced: voiced, referenceVoiced: referenceVoiced,
                  voicedInBoth: both, squaredCents: squaredCents)
    }

    /// The figures from frame counts and the sum of squared cents over the frames voiced in both.
    init(frames: Int, mismatches: Int, voiced: Int, referenceVoiced: Int, voicedInBoth: Int, squaredCents: Double) {
        let n = Double(frames)
        self.frames = frames
        vdePercent = 100 * Double(mismatches) / n
        voicedPercent = 100 * Double(voiced) / n
        referenceVoicedPercent = 100 * Double(referenceVoiced) / n
        framesVoicedInBoth = voicedInBoth
        f0RMSECents = voicedInBoth > 0 ? (squaredCents / Double(voicedInBoth)).squareRoot() : nil
    }

    /// The comparison of all frames of several utterances pooled (each frame weighs the same, so a
    /// long utterance counts more than a short one; the RMSE is over all frames voiced in both).
    /// nil for an empty list.
    public static func pooled(_ comparisons: [VoicingComparison]) -> VoicingComparison? {
        guard !comparisons.isEmpty else { return nil }
        // Counts come back from the percentages exactly (up to rounding of the division).
        func count(_ percent: Double, of frames: Int) -> Int { Int((percent * Double(frames) / 100).rounded()) }
        return VoicingComparison(
            frames: comparisons.reduce(0) { $0 + $1.frames },
            mismatches: comparisons.reduce(0) { $0 + count($1.vdePercent, of: $1.frames) },
            voiced: comparisons.reduce(0) { $0 + count($1.voicedPercent, of: $1.frames) },
            referenceVoiced: comparisons.reduce(0) { $0 + count($1.referenceVoicedPercent, of: $1.frames) },
            voicedInBoth: comparisons.reduce(0) { $0 + $1.framesVoicedInBoth },
            squaredCents: comparisons.reduce(0.0) { $0 + ($1.f0RMSECents.map { $0 * $0 } ?? 0) * Double($1.framesVoicedInBoth) })
    }
}
