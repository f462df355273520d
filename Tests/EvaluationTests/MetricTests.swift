import Foundation
import SignalProcessing
import Testing
@testable import Evaluation

/// Log-spectral distance and mel-cepstral distortion: identities, symmetry, monotonicity in
/// the noise level, and the gain cases derived in their doc comments.
@Suite struct MetricTests {
    static let x = Support.noise(count: 16000, seed: 1)
    static let noise = Support.noise(count: 16000, seed: 2, scale: 1)

    static func noisy(_ level: Float) -> [Float] { Support.add(x, noise.map { level * $0 }) }

    @Test func distanceOfASignalToItselfIsZero() throws {
        #expect(try logSpectralDistance(reference: Self.x, synthesized: Self.x) == 0)
        #expect(try melCepstralDistortion(reference: Self.x, synthesized: Self.x) == 0)
    }

    @Test func metricsAreSymmetric() throws {
        let y = Self.noisy(0.05)
        let lsd = try logSpectralDistance(reference: Self.x, synthesized: y)
        #expect(abs(lsd - (try logSpectralDistance(reference: y, synthesized: Self.x))) < 1e-12 * lsd)
        let mcd = try melCepstralDistortion(reference: Self.x, synthesized: y)
        #expect(abs(mcd - (try melCepstralDistortion(reference: y, synthesized: Self.x))) < 1e-12 * mcd)
    }

    /// A coloured reference (noise through a one-pole low-pass) so that added white noise changes
    /// the spectral shape, not just the level.
    @Test func metricsGrowWithAddedNoise() throws {
        var reference = [Float](repeating: 0, count: 16000)
        for n in 1..<16000 { reference[n] = 0.95 * reference[n - 1] + 0.05 * Self.x[n] * 10 }
        var lsd: [Double] = [], mcd: [Double] = []
        for level: Float in [0.001, 0.01, 0.03, 0.1] {
            let y = Support.add(reference, Self.noise.map { level * $0 })
            lsd.append(try logSpectralDistance(reference: reference, synthesized: y))
            mcd.append(try melCepstralDistortion(reference: reference, synthesized: y))
        }
        #expect(zip(lsd, lsd.dropFirst()).allSatisfy { $0 < $1 }, "LSD \(lsd)")
        #expect(zip(mcd, mcd.dropFirst()).allSatisfy { $0 < $1 }, "MCD \(mcd)")
        #expect(lsd[0] > 0 && mcd[0] > 0)
    }

    /// P(2x) = 4 P(x) bin by bin, so every term is 10 log10((4P + eps)/(P + eps)) = 10 log10 4
    /// = 20 log10 2 = 6.0206 dB up to eps/P (noise bins have P ~ 1e-1..1e2 >> eps = 1e-10).
    @Test func lsdOfXAgainstTwoXIsTwentyLog10Of2() throws {
        let lsd = try logSpectralDistance(reference: Self.x, synthesized: Self.x.map { 2 * $0 })
        #expect(abs(lsd - 20 * log10(2.0)) < 1e-6, "LSD \(lsd)")
    }

    /// mel(2x) = 2^p mel(x) (the filterbank is linear, |2X|^p = 2^p |X|^p), so the log mel
    /// energies shift by p ln 2 in every band; the orthonormal DCT maps that constant to c_0 only
    /// (sum_m cos(pi d (m + 1/2) / M) = 0 for d = 1 ... M-1), and c_0 is excluded: MCD = 0.
    @Test(arguments: [1, 2])
    func mcdOfXAgainstTwoXIsZero(power: Int) throws {
        var features = FeatureConfig()
        features.power = power
        let config = MelCepstralDistortionConfig(features: features)
        let mcd = try melCepstralDistortion(reference: Self.x, synthesized: Self.x.map { 2 * $0 }, config: config)
        #expect(mcd < 1e-9, "MCD \(mcd)")
        // The gain does move c_0, so the cepstra themselves differ.
        let stft = try STFT(config: features), filterbank = try MelFilterbank(config: features)
        let dct = OrthonormalDCT(length: 80, coefficientCount: 25)
        let a = try melCepstra(Self.x, stft: stft, filterbank: filterbank, config: features, dct: dct)
        let b = try melCepstra(Self.x.map { 2 * $0 }, stft: stft, filterbank: filterbank, config: features, dct: dct)
        #expect(abs(b[3][0] - a[3][0] - Double(power) * log(2.0) * 80.0.squareRoot()) < 1e-9)
    }

    /// Only the common length is compared.
    @Test func onlyTheCommonLengthIsCompared() throws {
        let longer = Self.x + Support.noise(count: 3000, seed: 9)
        #expect(try logSpectralDistance(reference: Self.x, synthesized: longer) == 0)
        #expect(try melCepstralDistortion(reference: longer, synthesized: Self.x) == 0)
        #expect(throws: EvaluationError.signalTooShort(length: 100, minimum: 513, fftLength: 1024)) {
            try logSpectralDistance(reference: Self.x, synthesized: Array(Self.x.prefix(100)))
        }
    }

    @Test func orthonormalDCTIsOrthonormal() {
        let dct = OrthonormalDCT(length: 16, coefficientCount: 16)
        for i in 0..<16 {
            for j in 0..<16 {
                let dot = (0..<16).reduce(0.0) { $0 + dct.matrix[i * 16 + $1] * dct.matrix[j * 16 + $1] }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12, "rows \(i), \(j): \(dot)")
            }
        }
        let c = dct([Double](repeating: 3, count: 16))
        #expect(abs(c[0] - 12) < 1e-12 && c.dropFirst().allSatisfy { abs($0) < 1e-12 })
    }
}
