import Foundation
import PitchTracking
import Randomness
import SignalProcessing
import Testing
@testable import HarmonicSource

/// A harmonic tone whose f0 moves linearly from f0Start to f0End (Hz), harmonics up to 4 kHz
/// with 1/k amplitudes, at 16 kHz, peak about 0.3.
private func harmonicTone(seconds: Double, f0Start: Double, f0End: Double) -> [Float] {
    let n = Int(seconds * 16000)
    var phase = 0.0
    var out = [Float](repeating: 0, count: n)
    for i in 0..<n {
        let f0 = f0Start + (f0End - f0Start) * Double(i) / Double(n)
        phase += 2 * Double.pi * f0 / 16000
        var s = 0.0
        for k in 1...Int(4000 / f0) { s += sin(Double(k) * phase) / Double(k) }
        out[i] = Float(0.15 * s)
    }
    return out
}

private func cents(_ a: Double, _ b: Double) -> Double { 1200 * log2(a / b) }

@Suite struct PulseTrainTests {
    @Test func unitPowerAndPeriodicAtConstantF0() {
        let frames = [SourceFrame](repeating: SourceFrame(f0Hz: 160, voiced: true), count: 40)
        let (p, v) = PulseTrain.samples(frames: frames, hop: 256, sampleRate: 16000, length: 39 * 256,
                                        maximumHarmonicHz: 7200)
        #expect(v.allSatisfy { $0 == 1 })
        let power = p.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(p.count)
        #expect(abs(power - 1) < 0.02)
        // Period 100 samples: the signal repeats; half a period later it does not.
        var same = 0.0, half = 0.0
        for n in 0..<(p.count - 100) {
            same += Double(p[n] - p[n + 100]) * Double(p[n] - p[n + 100])
            half += Double(p[n] - p[n + 50]) * Double(p[n] - p[n + 50])
        }
        #expect(same / half < 1e-6)
        // Harmonic 45 (7200 Hz) is present, 46 is not: a DFT at those frequencies over 1 s.
        func dft(_ hz: Double) -> Double {
            var re = 0.0, im = 0.0
            for n in 0..<8000 {
                re += Double(p[n]) * cos(2 * Double.pi * hz * Double(n) / 16000)
                im += Double(p[n]) * sin(2 * Double.pi * hz * Double(n) / 16000)
            }
            return (re * re + im * im).squareRoot() / 8000
        }
        #expect(dft(160 * 45) > 0.05)
        #expect(dft(160 * 46) < 1e-3)
        #expect(dft(160 * 10.5) < 1e-3)
    }

    @Test func unvoicedFramesAreSilent() {
        var frames = [SourceFrame](repeating: SourceFrame(f0Hz: 120, voiced: true), count: 10)
        for t in 4..<7 { frames[t] = .unvoiced }
        let (p, v) = PulseTrain.samples(frames: frames, hop: 100, sampleRate: 16000, length: 1000,
                                        maximumHarmonicHz: 4000)
        // Samples nearest to frames 4, 5, 6: 350 ..< 650.
        #expect(p[350..<650].allSatisfy { $0 == 0 } && v[350..<650].allSatisfy { $0 == 0 })
        #expect(v[0..<350].allSatisfy { $0 == 1 } && v[650...].allSatisfy { $0 == 1 })
        #expect(p[0..<350].contains { $0 != 0 })
    }
}

@Suite struct MelPitchEstimatorTests {
    let features = FeatureConfig()

    func estimate(_ signal: [Float]) throws -> [SourceFrame] {
        let mel = try LogMelExtractor(config: features).features(of: signal)
        return try MelPitchEstimator(features: features, config: HarmonicSourceConfig())
            .estimate(logMel: mel.values, frameCount: mel.frameCount)
    }

    @Test func followsAGlidingToneFromItsMel() throws {
        let seconds = 1.5
        let frames = try estimate(harmonicTone(seconds: seconds, f0Start: 110, f0End: 190))
        // Interior frames (away from the signal's edges): voiced, f0 within 30 cents of the truth.
        let interior = 4..<(frames.count - 4)
        var errors: [Double] = []
        for t in interior {
            let truth = 110 + 80 * Double(t * 256) / (seconds * 16000)
            #expect(frames[t].voiced, "frame \(t) unvoiced")
            if frames[t].voiced { errors.append(abs(cents(frames[t].f0Hz, truth))) }
        }
        #expect(!errors.isEmpty && errors.max()! < 30, "largest error \(errors.max() ?? -1) cents")
    }

    @Test func whiteNoiseIsUnvoiced() throws {
        var rng = Philox(seed: 3)
        let noise = (0..<16000).map { _ in 0.1 * rng.nextNormal() }
        let frames = try estimate(noise)
        #expect(Double(frames.count(where: \.voiced)) / Double(frames.count) < 0.1)
    }

    @Test func shortInputIsUnvoiced() throws {
        let frames = try MelPitchEstimator(features: features, config: HarmonicSourceConfig())
            .estimate(logMel: [Float](repeating: -3, count: 3 * 80), frameCount: 3)
        #expect(frames == [SourceFrame](repeating: .unvoiced, count: 3))
    }

    @Test func blipsAreRemoved() {
        var frames = (0..<20).map { _ in SourceFrame(f0Hz: 120, voiced: true) }
        frames[12] = .unvoiced
        MelPitchEstimator.removeBlips(&frames)
        #expect(frames[12].voiced && abs(frames[12].f0Hz - 120) < 1e-9)
        var lone = [SourceFrame](repeating: .unvoiced, count: 5)
        lone[2] = SourceFrame(f0Hz: 150, voiced: true)
        MelPitchEstimator.removeBlips(&lone)
        #expect(!lone.contains { $0.voiced })
    }
}
