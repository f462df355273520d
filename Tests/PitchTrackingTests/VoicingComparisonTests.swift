import Foundation
import Testing
import PitchTracking

/// Voicing decision error and f0 RMSE: on tracked signals, and exactly on hand-made tracks.
@Suite struct VoicingComparisonTests {
    static let tone = Support.harmonicTone(f0: 150)

    @Test func identicalSignalsAgreeExactly() throws {
        let speech = try Support.bundledSpeech("ru_0001.wav")
        let c = try PitchTracker().compare(reference: speech, synthesized: speech)
        #expect(c.vdePercent == 0)
        #expect(c.f0RMSECents == 0)
        #expect(c.voicedPercent == c.referenceVoicedPercent)
        #expect(c.framesVoicedInBoth > 100)
    }

    /// The same tone an octave up: both voiced, every frame 1200 cents apart.
    @Test func anOctaveIs1200Cents() throws {
        let c = try PitchTracker().compare(reference: Self.tone, synthesized: Support.harmonicTone(f0: 300))
        let rmse = try #require(c.f0RMSECents)
        #expect(abs(rmse - 1200) < 2, "RMSE \(rmse) cents")
        #expect(c.vdePercent < 5, "VDE \(c.vdePercent) %")
        #expect(c.framesVoicedInBoth > 55)
    }

    /// A voiced tone against noise: the decisions differ wherever the tone is voiced.
    @Test func toneAgainstNoiseDisagreesOnTheTonesFrames() throws {
        let c = try PitchTracker().compare(reference: Self.tone, synthesized: Support.noise(count: 16000, seed: 5))
        #expect(c.referenceVoicedPercent > 95)
        #expect(c.voicedPercent < 5)
        #expect(abs(c.vdePercent - (c.referenceVoicedPercent - c.voicedPercent)) < 5, "VDE \(c.vdePercent) %")
        #expect(c.vdePercent > 90)
    }

    @Test func vdeIsSymmetric() throws {
        let speech = try Support.bundledSpeech("ru_0024.wav")
        let noisy = zip(speech, Support.noise(count: speech.count, seed: 7, scale: 0.05)).map { $0 + $1 }
        let tracker = try PitchTracker()
        let ab = try tracker.compare(reference: speech, synthesized: noisy)
        let ba = try tracker.compare(reference: noisy, synthesized: speech)
        #expect(ab.vdePercent == ba.vdePercent)
        #expect(ab.vdePercent > 0, "added noise changed no decision")
        #expect(ab.voicedPercent == ba.referenceVoicedPercent)
        #expect(ab.f0RMSECents == ba.f0RMSECents)
    }

    /// Hand-made tracks: every figure by its definition.
    static func track(_ frames: [(Bool, Double)]) -> PitchTrack {
        PitchTrack(sampleRate: 16000, hopLength: 256, frames: frames.enumerated().map { t, frame in
            PitchFrame(time: Double(t) * 0.016, f0Hz: frame.1, confidence: frame.0 ? 0.9 : 0.2, voiced: frame.0)
        })
    }

    @Test func figuresFollowTheirDefinitions() throws {
        // Frames: both voiced (0 and 1200 cents), ref only, syn only, neither.
        let reference = Self.track([(true, 100), (true, 100), (true, 120), (false, 0), (false, 0)])
        let synthesized = Self.track([(true, 100), (true, 200), (false, 0), (true, 90), (false, 0), (true, 90)])
        let c = try VoicingComparison(reference: reference, synthesized: synthesized)
        #expect(c.frames == 5)  // the common frames only
        #expect(c.vdePercent == 40)
        #expect(c.voicedPercent == 60)
        #expect(c.referenceVoicedPercent == 60)
        #expect(c.framesVoicedInBoth == 2)
        #expect(abs(try #require(c.f0RMSECents) - (1200 * 1200 / 2.0).squareRoot()) < 1e-9)
        // The octave is a gross error (1 of 2); the fine RMSE is that of the exact frame.
        #expect(c.grossPitchErrorPercent == 50)
        #expect(c.fineF0RMSECents == 0)
        // 19 % off is fine, 21 % off is gross: 110/100 and 121/100 -> 1 of 2 gross, fine RMSE 165 cents.
        let near = try VoicingComparison(reference: Self.track([(true, 100), (true, 100)]),
                                         synthesized: Self.track([(true, 119), (true, 121)]))
        #expect(near.grossPitchErrorPercent == 50)
        #expect(abs(try #require(near.fineF0RMSECents) - 1200 * log2(1.19)) < 1e-9)
        // No frame voiced in both: no f0 figures.
        let none = try VoicingComparison(reference: Self.track([(true, 100)]), synthesized: Self.track([(false, 0)]))
        #expect(none.f0RMSECents == nil && none.vdePercent == 100)
        #expect(none.grossPitchErrorPercent == nil && none.fineF0RMSECents == nil)
        // Only gross errors: a GPE of 100 % and no fine RMSE.
        let octave = try VoicingComparison(reference: Self.track([(true, 100)]), synthesized: Self.track([(true, 200)]))
        #expect(octave.grossPitchErrorPercent == 100 && octave.fineF0RMSECents == nil)
    }

    @Test func pooledEqualsTheComparisonOfAllFramesTogether() throws {
        let r1 = Self.track([(true, 100), (true, 100), (false, 0)])
        let s1 = Self.track([(true, 110), (false, 0), (false, 0)])
        let r2 = Self.track([(true, 200), (true, 210), (true, 190), (false, 0), (true, 150), (false, 0), (false, 0)])
        let s2 = Self.track([(true, 190), (true, 420), (false, 0), (true, 100), (true, 150), (false, 0), (true, 80)])
        let pooled = try #require(VoicingComparison.pooled([try VoicingComparison(reference: r1, synthesized: s1),
                                                             try VoicingComparison(reference: r2, synthesized: s2)]))
        let together = try VoicingComparison(reference: Self.track([(true, 100), (true, 100), (false, 0), (true, 200), (true, 210),
                                                                     (true, 190), (false, 0), (true, 150), (false, 0), (false, 0)]),
                                             synthesized: Self.track([(true, 110), (false, 0), (false, 0), (true, 190), (true, 420),
                                                                      (false, 0), (true, 100), (true, 150), (false, 0), (true, 80)]))
        #expect(pooled.frames == together.frames && pooled.framesVoicedInBoth == together.framesVoicedInBoth)
        #expect(abs(pooled.vdePercent - together.vdePercent) < 1e-12)
        #expect(abs(pooled.voicedPercent - together.voicedPercent) < 1e-12)
        #expect(abs(pooled.referenceVoicedPercent - together.referenceVoicedPercent) < 1e-12)
        #expect(abs(try #require(pooled.f0RMSECents) - (try #require(together.f0RMSECents))) < 1e-9)
        #expect(abs(try #require(pooled.grossPitchErrorPercent) - (try #require(together.grossPitchErrorPercent))) < 1e-9)
        #expect(abs(try #require(pooled.fineF0RMSECents) - (try #require(together.fineF0RMSECents))) < 1e-9)
        #expect(try #require(together.grossPitchErrorPercent) > 0)  // the pools include a gross error
        #expect(VoicingComparison.pooled([]) == nil)
    }

    @Test func tracksOfDifferentHopsAreRejected() throws {
        let a = Self.track([(true, 100)])
        var b = a
        b.hopLength = 128
        #expect(throws: PitchTrackingError.self) { try VoicingComparison(reference: a, synthesized: b) }
    }

    @Test func jsonUsesSnakeCaseKeysAndNullForAMissingRMSE() throws {
        let c = try VoicingComparison(reference: Self.track([(true, 100)]), synthesized: Self.track([(false, 0)]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(c), as: UTF8.self)
        #expect(json == #"{"f0_rmse_cents":null,"fine_f0_rmse_cents":null,"frames":1,"frames_voiced_in_both":0,"gross_pitch_error_percent":null,"reference_voiced_percent":100,"vde_percent":100,"voiced_percent":0}"#)
        #expect(try JSONDecoder().decode(VoicingComparison.self, from: Data(json.utf8)) == c)
    }
}
