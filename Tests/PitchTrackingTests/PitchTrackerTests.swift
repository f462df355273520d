import Foundation
import Testing
import PitchTracking

/// aubio's YIN through `PitchTracker`: accuracy on harmonic tones, voicing of noise and speech,
/// frame timing, and parameter checks.
@Suite struct PitchTrackerTests {
    /// Frames whose whole analysis window lies inside a signal of `length` samples.
    static func interiorFrames(_ track: PitchTrack, tracker: PitchTracker, length: Int) -> ArraySlice<PitchFrame> {
        let half = tracker.windowLength / 2
        let first = (half + tracker.hopLength - 1) / tracker.hopLength
        let last = (length - half) / tracker.hopLength
        return track.frames[first...last]
    }

    @Test(arguments: [150.0, 220.0])
    func harmonicToneIsTrackedWithinACentAndVoiced(f0: Double) throws {
        let tracker = try PitchTracker()
        let tone = Support.harmonicTone(f0: f0)
        let track = try tracker.track(tone)
        #expect(track.frames.count == 1 + 16000 / 256)
        let interior = Self.interiorFrames(track, tracker: tracker, length: tone.count)
        #expect(interior.count > 55)
        #expect(interior.allSatisfy { $0.voiced }, "unvoiced frames inside the tone: \(interior.filter { !$0.voiced })")
        let worst = interior.map { abs(1200 * log2($0.f0Hz / f0)) }.max() ?? .infinity
        #expect(worst < 1, "largest error \(worst) cents")
        // Only frames reaching past the ends (zeros there) may be unvoiced.
        #expect(track.voicedPercent > 95, "voiced \(track.voicedPercent) %")
        #expect(abs((track.medianVoicedF0Hz ?? 0) - f0) < 0.1)
    }

    @Test func whiteNoiseIsUnvoiced() throws {
        let track = try PitchTracker().track(Support.noise(count: 32000, seed: 3))
        #expect(track.voicedPercent < 5, "voiced \(track.voicedPercent) %")
        #expect(track.frames.allSatisfy { $0.confidence < 0.5 }, "confidences up to \(track.frames.map(\.confidence).max() ?? 0)")
    }

    @Test func silenceIsUnvoiced() throws {
        let track = try PitchTracker().track([Float](repeating: 0, count: 8000))
        #expect(track.voicedPercent == 0)
        #expect(track.medianVoicedF0Hz == nil)
    }

    /// A tone starting at 0.5 s after silence: with frames centred on t hop, the first voiced frame
    /// is the first whose window holds mostly tone, 0.5 s up to a hop. A window ending at the
    /// frame time would start voicing only after 0.5 s + window/2 = 0.532 s, one starting there before 0.5 s.
    @Test func framesAreCentredOnTheirTime() throws {
        let tracker = try PitchTracker()
        let signal = [Float](repeating: 0, count: 8000) + Support.harmonicTone(f0: 150, seconds: 0.5)
        let track = try tracker.track(signal)
        #expect(track.frames.enumerated().allSatisfy { abs($1.time - Double($0 * 256) / 16000) < 1e-12 })
        let onset = try #require(track.frames.first { $0.voiced }).time
        #expect(onset >= 0.5 && onset <= 0.5 + 0.016, "first voiced frame at \(onset) s")
    }

    /// The bundled male speaker (f0 roughly 90-200 Hz): a plausible voiced share and median.
    @Test(arguments: ["ru_0001.wav", "ru_0024.wav"])
    func bundledSpeechHasAPlausibleVoicedShareAndMedianF0(name: String) throws {
        let track = try PitchTracker().track(Support.bundledSpeech(name))
        #expect(track.voicedPercent > 40 && track.voicedPercent < 90, "voiced \(track.voicedPercent) %")
        let median = try #require(track.medianVoicedF0Hz)
        #expect(median > 70 && median < 250, "median f0 \(median) Hz")
        // Voiced frames stay in the search range.
        #expect(track.frames.allSatisfy { !$0.voiced || ($0.f0Hz >= 60 && $0.f0Hz <= 500) })
    }

    /// f0 outside the search range is unvoiced: a clean 150 Hz tone with the range above it.
    @Test func f0OutsideTheRangeIsUnvoiced() throws {
        let tone = Support.harmonicTone(f0: 150)
        #expect(try PitchTracker(minimumHz: 200, maximumHz: 500).track(tone).voicedPercent == 0)
        #expect(try PitchTracker(minimumHz: 60, maximumHz: 140).track(tone).voicedPercent == 0)
    }

    @Test func defaultsScaleWithTheSampleRate() throws {
        let t16 = try PitchTracker()
        #expect(t16.hopLength == 256 && t16.windowLength == 1024)
        let t22 = try PitchTracker(sampleRate: 22050)
        #expect(t22.hopLength == 353 && t22.windowLength == 1412)
    }

    @Test func badSettingsAndSignalsAreNamed() throws {
        #expect(throws: PitchTrackingError.self) { try PitchTracker(hopLength: 0) }
        do {
            _ = try PitchTracker(windowLength: 256)
            Issue.record("a 256-sample window cannot hold two periods of 60 Hz")
        } catch {
            #expect(error.description.contains("window_length"), "\(error)")
        }
        #expect(throws: PitchTrackingError.self) { try PitchTracker(minimumHz: 300, maximumHz: 200) }
        #expect(throws: PitchTrackingError.self) { try PitchTracker(maximumHz: 9000) }
        #expect(throws: PitchTrackingError.self) { try PitchTracker(confidenceThreshold: 1.5) }
        #expect(throws: PitchTrackingError.emptySignal) { try PitchTracker().track([]) }
        var signal = Support.harmonicTone(f0: 150, seconds: 0.1)
        signal[17] = .nan
        #expect(throws: PitchTrackingError.nonFiniteSample(index: 17)) { try PitchTracker().track(signal) }
    }
}
