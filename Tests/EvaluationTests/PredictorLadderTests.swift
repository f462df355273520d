import Foundation
import Randomness
import SignalProcessing
import Testing
@testable import Evaluation

@Suite struct PredictorLadderTests {
    func ladder(_ name: String, seconds: Double = 4) throws -> [String: Double] {
        let features = FeatureConfig()
        let audio = try Support.bundledSpeech(name)
        let n = min(audio.count, Int(seconds * 16000)) / features.hopLength * features.hopLength
        let samples = Array(audio[0..<n])
        let mel = try LogMelExtractor(config: features).features(of: samples)
        return try PredictorLadder(features: features).bitsPerSample(samples: samples, logMel: mel.values, frames: mel.frameCount)
    }

    /// On held-out speech of the bundled voice the rungs fall in order, at the values an
    /// independent NumPy implementation of the same method (scipy's solve_toeplitz for the
    /// normal equations, numpy's pinv, the same -9 floor on the log-scale) printed for the
    /// first 4 s: mel gain, mel-LPC, pre-emphasised mel-LPC.
    @Test(arguments: [("ru_0024.wav", [10.365, 9.159, 8.619]), ("ru_0025.wav", [10.016, 8.822, 8.189])])
    func rungsMatchAnIndependentImplementation(file: String, reference: [Double]) throws {
        let l = try ladder(file)
        let values = PredictorLadder.rungs.map { l[$0.name] ?? .nan }
        for (a, b) in zip(values, values.dropFirst()) { #expect(a > b + 0.2, "\(values)") }
        #expect(abs(values[0] - 12.1) < 0.3, "previous sample \(values[0])")
        for (v, r) in zip(values.dropFirst(), reference) { #expect(abs(v - r) < 0.01, "\(values) vs \(reference)") }
    }

    /// A known answer: Gaussian white noise of std 0.05 under a correctly scaled logistic costs
    /// about its differential entropy, log2(sigma sqrt(2 pi e)) + 15 bits (16-bit bins of width
    /// 2^-15); the logistic's mismatch adds < 0.05 bit, the mel's magnitude bias (pi/4 in power)
    /// ~0.1. The previous-sample rungs pay for differencing: sqrt(2) more std, +0.5 bit.
    @Test func whiteNoiseCostsItsEntropy() throws {
        let features = FeatureConfig()
        var rng = Philox(seed: 11)
        let x = rng.normals(32_000, scale: 0.05)
        let mel = try LogMelExtractor(config: features).features(of: x)
        let l = try PredictorLadder(features: features).bitsPerSample(samples: x, logMel: mel.values, frames: mel.frameCount)
        let entropy = log2(0.05 * (2 * Double.pi * M_E).squareRoot()) + 15
        #expect(abs(l["mel_lpc"]! - entropy) < 0.2, "\(l) vs \(entropy)")
        #expect(abs(l["previous_sample"]! - (entropy + 0.5)) < 0.2, "\(l)")
        #expect(abs(l["mel_gain"]! - (entropy + 0.5)) < 0.25, "\(l)")
    }
}
