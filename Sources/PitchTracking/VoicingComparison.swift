import Foundation

/// Voicing and f0 of a synthesized signal against its reference, over frames aligned one to one
/// (the first min(count) frames of two tracks with the same rate and hop):
///
///     vde_percent               100 * #(frames whose voiced/unvoiced decisions differ) / frames
///     f0_rmse_cents             sqrt(mean over frames voiced in both of (1200 log2(f_syn / f_ref))^2),
///                               null when no frame is voiced in both
///     voiced_percent            100 * #(voiced frames of the synthesized signal) / frames
///     reference_voiced_percent  100 * #(voiced frames of the reference) / frames
///     gross_pitch_error_percent 100 * #(frames voiced in both with |f_syn / f_ref - 1| > 0.2)
///                               / frames voiced in both (GPE), null when none is voiced in both
///     fine_f0_rmse_cents        the f0 RMSE over the frames voiced in both without a gross error,
///                               null when there is none
///     frames_voiced_in_both     the frame count behind f0_rmse_cents
///     frames                    frames compared
///
/// VDE is symmetric, 0 for identical decisions; an octave error in every voiced frame gives an
/// RMSE of 1200 cents. One octave error in 16 frames alone makes the RMSE 300 cents, so it
/// measures how often a tracker's octave choice differs more than how close the pitch is: GPE
/// (the share of such errors; the 20 % bound is the usual one of pitch-tracking studies) and the
/// fine RMSE (how close the rest is) separate the two. Computed in Double.
public struct VoicingComparison: Codable, Sendable, Equatable {
    public var frames: Int
    public var vdePercent: Double
    public var f0RMSECents: Double?
    public var voicedPercent: Double
    public var referenceVoicedPercent: Double
    public var grossPitchErrorPercent: Double?
    public var fineF0RMSECents: Double?
    public var framesVoicedInBoth: Int

    /// |f_syn / f_ref - 1| above this is a gross pitch error.
    public static let grossErrorRatio = 0.2

    enum CodingKeys: String, CodingKey {
        case frames
        case vdePercent = "vde_percent"
        case f0RMSECents = "f0_rmse_cents"
        case voicedPercent = "voiced_percent"
        case referenceVoicedPercent = "reference_voiced_percent"
        case grossPitchErrorPercent = "gross_pitch_error_percent"
        case fineF0RMSECents = "fine_f0_rmse_cents"
        case framesVoicedInBoth = "frames_voiced_in_both"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        frames = try c.decode(Int.self, forKey: .frames)
        vdePercent = try c.decode(Double.self, forKey: .vdePercent)
        f0RMSECents = try c.decodeIfPresent(Double.self, forKey: .f0RMSECents)
        voicedPercent = try c.decode(Double.self, forKey: .voicedPercent)
        referenceVoicedPercent = try c.decode(Double.self, forKey: .referenceVoicedPercent)
        grossPitchErrorPercent = try c.decodeIfPresent(Double.self, forKey: .grossPitchErrorPercent)
        fineF0RMSECents = try c.decodeIfPresent(Double.self, forKey: .fineF0RMSECents)
        framesVoicedInBoth = try c.decode(Int.self, forKey: .framesVoicedInBoth)
    }

    /// Writes the f0 figures as null when no frame is voiced in both (the synthesized encoder would
    /// leave the keys out).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(frames, forKey: .frames)
        try c.encode(vdePercent, forKey: .vdePercent)
        try c.encode(f0RMSECents, forKey: .f0RMSECents)
        try c.encode(voicedPercent, forKey: .voicedPercent)
        try c.encode(referenceVoicedPercent, forKey: .referenceVoicedPercent)
        try c.encode(grossPitchErrorPercent, forKey: .grossPitchErrorPercent)
        try c.encode(fineF0RMSECents, forKey: .fineF0RMSECents)
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
        var squaredCents = 0.0, gross = 0, fineSquaredCents = 0.0
        for t in 0..<count {
            let r = reference.frames[t], s = synthesized.frames[t]
            if r.voiced != s.voiced { mismatches += 1 }
            if s.voiced { voiced += 1 }
            if r.voiced { referenceVoiced += 1 }
            if r.voiced && s.voiced {
                let cents = 1200 * log2(s.f0Hz / r.f0Hz)
                squaredCents += cents * cents
                both += 1
                if abs(s.f0Hz / r.f0Hz - 1) > Self.grossErrorRatio { gross += 1 } else { fineSquaredCents += cents * cents }
            }
        }
        self.init(frames: count, mismatches: mismatches, voiced: voiced, referenceVoiced: referenceVoiced,
                  voicedInBoth: both, squaredCents: squaredCents, grossErrors: gross, fineSquaredCents: fineSquaredCents)
    }

    /// The figures from frame counts and the sums of squared cents over the frames voiced in both
    /// (all of them, and those without a gross error).
    init(frames: Int, mismatches: Int, voiced: Int, referenceVoiced: Int, voicedInBoth: Int, squaredCents: Double,
         grossErrors: Int, fineSquaredCents: Double) {
        let n = Double(frames)
        self.frames = frames
        vdePercent = 100 * Double(mismatches) / n
        voicedPercent = 100 * Double(voiced) / n
        referenceVoicedPercent = 100 * Double(referenceVoiced) / n
        framesVoicedInBoth = voicedInBoth
        f0RMSECents = voicedInBoth > 0 ? (squaredCents / Double(voicedInBoth)).squareRoot() : nil
        grossPitchErrorPercent = voicedInBoth > 0 ? 100 * Double(grossErrors) / Double(voicedInBoth) : nil
        let fine = voicedInBoth - grossErrors
        fineF0RMSECents = fine > 0 ? (fineSquaredCents / Double(fine)).squareRoot() : nil
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
            squaredCents: comparisons.reduce(0.0) { $0 + ($1.f0RMSECents.map { $0 * $0 } ?? 0) * Double($1.framesVoicedInBoth) },
            grossErrors: comparisons.reduce(0) { $0 + grossCount($1) },
            fineSquaredCents: comparisons.reduce(0.0) {
                $0 + ($1.fineF0RMSECents.map { $0 * $0 } ?? 0) * Double($1.framesVoicedInBoth - grossCount($1))
            })
    }

    private static func grossCount(_ c: VoicingComparison) -> Int {
        Int(((c.grossPitchErrorPercent ?? 0) * Double(c.framesVoicedInBoth) / 100).rounded())
    }
}
