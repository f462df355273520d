import HarmonicSource
import Randomness
import Teacher
import Tensors
import Testing

/// LPCNet's voiced sampling: a temperature per sample from a voicing track.
@Suite struct VoicedSamplingTests {
    /// Frames 0-1 unvoiced, 2-4 voiced, 5 unvoiced; hop 4: the nearest frame decides, so samples
    /// 6...17 (round(t / 4) in 2...4) are voiced.
    @Test func temperaturesFollowTheNearestFrame() throws {
        let frames: [SourceFrame] = [.unvoiced, .unvoiced, .init(f0Hz: 200, voiced: true), .init(f0Hz: 210, voiced: true),
                                     .init(f0Hz: 220, voiced: true), .unvoiced]
        let options = WaveNet.SamplingOptions.voiced([frames, [SourceFrame](repeating: .unvoiced, count: 6)], hop: 4, length: 24,
                                                     voiced: 0.5, unvoiced: 0.9)
        let temperatures = try #require(options.temperatures)
        #expect(temperatures[0] == (0..<24).map { (6...17).contains($0) ? 0.5 : 0.9 })
        #expect(temperatures[1] == [Float](repeating: 0.9, count: 24))
    }

    /// Per-sample temperatures reach both samplers alike (cached = naive), a constant track is the
    /// scalar temperature, and a track that changes mid-way changes exactly the samples from there on.
    @Test func bothSamplersDrawEachSampleAtItsTemperature() throws {
        let net = try lpcTeacher(head: .mol, seed: 5)
        let mel = steadyMel(batch: 2, length: 40, seed: 6)
        let c = net.condition(mel: mel, length: 40).condition
        let prediction = net.prediction(mel: mel, length: 40)
        func cached(_ options: WaveNet.SamplingOptions) -> [Float] {
            var rng = Philox(seed: 77)
            return net.sampleCached(condition: c, prediction: prediction, rng: &rng, options: options).scalars
        }
        let track = (0..<2).map { _ in (0..<40).map { $0 < 25 ? Float(1) : 0.3 } }
        var rng = Philox(seed: 77)
        let naive = net.sampleNaive(condition: c, prediction: prediction, rng: &rng, options: .init(temperatures: track)).scalars
        let mixed = cached(.init(temperatures: track))
        let worst = zip(mixed, naive).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "max |cached - naive| = \(worst)")

        let constant = cached(.init(temperatures: [[Float]](repeating: [Float](repeating: 0.3, count: 40), count: 2)))
        #expect(constant == cached(.init(temperature: 0.3)))
        let full = cached(.init(temperature: 1))
        for b in 0..<2 {
            #expect(Array(mixed[(b * 40)..<(b * 40 + 25)]) == Array(full[(b * 40)..<(b * 40 + 25)]))
            #expect(Array(mixed[(b * 40 + 25)..<(b * 40 + 40)]) != Array(full[(b * 40 + 25)..<(b * 40 + 40)]))
        }
    }
}
