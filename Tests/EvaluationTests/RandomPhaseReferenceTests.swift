import Evaluation
import Foundation
import SignalProcessing
import Testing

@Suite struct RandomPhaseReferenceTests {
    /// The reference's magnitudes with random phases: same length, deterministic per seed, and
    /// an LSD of several dB that 32 Griffin-Lim iterations from the mel alone beat (the phase
    /// inconsistency is what the diagnostic measures).
    @Test func randomPhaseCostsSeveralDecibelsOfLSD() throws {
        let features = FeatureConfig()
        let speech = Array(try Support.bundledSpeech().prefix(24000))
        let a = try randomPhaseResynthesis(of: speech, features: features, seed: 3)
        let b = try randomPhaseResynthesis(of: speech, features: features, seed: 3)
        let c = try randomPhaseResynthesis(of: speech, features: features, seed: 4)
        #expect(a.count == speech.count)
        #expect(a == b)
        #expect(a != c)
        let lsd = try logSpectralDistance(reference: speech, synthesized: a)
        let logMel = try LogMelExtractor(config: features).features(of: speech)
        let gl = try GriffinLim(features: features, config: GriffinLimConfig(iterations: 32))
        let glLSD = try logSpectralDistance(reference: speech, synthesized: try gl.synthesize(logMel: logMel, sampleCount: speech.count).samples)
        print("random phase LSD \(lsd) dB, Griffin-Lim (32 iterations) \(glLSD) dB")
        #expect(lsd > 6 && lsd < 14, "random-phase LSD \(lsd)")
        #expect(glLSD < lsd)
    }

    @Test func tooShortInputIsADescriptiveError() {
        #expect(throws: EvaluationError.self) { try randomPhaseResynthesis(of: [0, 1, 2]) }
    }
}
