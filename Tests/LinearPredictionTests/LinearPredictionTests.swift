import Foundation
import Randomness
import SignalProcessing
import Testing
@testable import LinearPrediction

@Suite struct LevinsonTests {
    /// AR(1) x_t = phi x_{t-1} + e has r_k = phi^k sigma^2 / (1 - phi^2): the order-1 predictor
    /// is a_1 = -phi with error sigma^2, and higher orders add zeros.
    @Test(arguments: [1, 3, 6]) func recoversAnAR1Process(order: Int) {
        let phi = 0.7, variance = 0.25
        let r = (0...order).map { pow(phi, Double($0)) * variance / (1 - phi * phi) }
        let (a, error) = Levinson.solve(autocorrelation: r, order: order)
        #expect(abs(a[0] + phi) < 1e-12)
        for k in 1..<order { #expect(abs(a[k]) < 1e-12) }
        #expect(abs(error - variance) < 1e-12)
    }

    /// Against a direct solve of the Toeplitz normal equations (Gaussian elimination).
    @Test func matchesADirectSolve() {
        let r: [Double] = [1.0, 0.62, 0.11, -0.23, -0.18, 0.02]
        let p = 5
        var m = (0..<p).map { i in (0..<p).map { j in r[abs(i - j)] } + [-r[i + 1]] }
        for c in 0..<p {
            let pivot = (c..<p).max { abs(m[$0][c]) < abs(m[$1][c]) }!
            m.swapAt(c, pivot)
            for row in 0..<p where row != c {
                let f = m[row][c] / m[c][c]
                for k in c...p { m[row][k] -= f * m[c][k] }
            }
        }
        let direct = (0..<p).map { m[$0][p] / m[$0][$0] }
        let (a, error) = Levinson.solve(autocorrelation: r, order: p)
        for k in 0..<p { #expect(abs(a[k] - direct[k]) < 1e-10, "a_\(k + 1)") }
        let expectedError = r[0] + zip(direct, r[1...]).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(error - expectedError) < 1e-10)
    }
}

@Suite struct MelLinearPredictorTests {
    /// The log-mel frames of `x` and the frame predictors of `config` computed from them.
    func predictors(_ x: [Float], _ config: LinearPredictionConfig) throws -> FramePredictors {
        let features = FeatureConfig()
        let mel = try LogMelExtractor(config: features).features(of: x)
        return try MelLinearPredictor(features: features, config: config).frames(logMel: mel.values, frameCount: mel.frameCount)
    }

    /// Median over the frames away from the edges.
    func median(_ v: [Float]) -> Float { let s = v.sorted(); return s[s.count / 2] }

    /// A resonant AR(2) process (poles at radius 0.9, ~1.3 kHz) seen only through its mel: the
    /// mel-LPC predictor finds its two coefficients and its innovation level.
    @Test func recoversAResonanceFromTheMel() throws {
        var rng = Philox(seed: 3, stream: 1)
        let sigma: Float = 0.01
        let e = rng.normals(32_000, scale: sigma)
        var x = [Float](repeating: 0, count: e.count)
        for t in 0..<x.count { x[t] = e[t] + (t >= 1 ? 1.0 * x[t - 1] : 0) - (t >= 2 ? 0.81 * x[t - 2] : 0) }
        let f = try predictors(x, LinearPredictionConfig(order: 2, preemphasis: 0))
        let inner = 4..<(f.frameCount - 4)
        let b1 = median(inner.map { f.coefficients[$0 * 2] }), b2 = median(inner.map { f.coefficients[$0 * 2 + 1] })
        #expect(abs(b1 - 1.0) < 0.12, "b1 \(b1)")
        #expect(abs(b2 + 0.81) < 0.12, "b2 \(b2)")
        let std = exp(median(inner.map { f.logStd[$0] }))
        #expect(abs(std / sigma - 1) < 0.25, "innovation std \(std) for \(sigma)")
    }

    /// White noise: nothing to predict, and the innovation std is the signal's. The mel averages
    /// magnitudes, and the square of a mean magnitude is below the mean power (for Gaussian
    /// noise E|X|^2 / E^2|X| = 4/pi), so the estimate sits about 11 % low, not more.
    @Test func whiteNoiseHasNoPredictableStructure() throws {
        var rng = Philox(seed: 4, stream: 2)
        let x = rng.normals(32_000, scale: 0.1)
        let f = try predictors(x, LinearPredictionConfig(order: 16, preemphasis: 0))
        let inner = 4..<(f.frameCount - 4)
        for k in 0..<16 { #expect(abs(median(inner.map { f.coefficients[$0 * 16 + k] })) < 0.08, "b_\(k + 1)") }
        let ratio = exp(median(inner.map { f.logStd[$0] })) / 0.1
        #expect(ratio > 0.8 && ratio < 1.05, "std ratio \(ratio)")
    }

    /// Pre-emphasis folds into the taps: with order 0 and alpha 1 the predictor is the previous
    /// sample (b = [1]); with alpha the first tap of an order-p predictor gains alpha.
    @Test func preemphasisBecomesATap() throws {
        var rng = Philox(seed: 5, stream: 3)
        let x = rng.normals(8_000, scale: 0.1)
        let previous = try predictors(x, LinearPredictionConfig(order: 0, preemphasis: 1))
        #expect(previous.taps == 1 && previous.coefficients.allSatisfy { $0 == 1 })
        let plain = try predictors(x, LinearPredictionConfig(order: 0, preemphasis: 0.85))
        #expect(plain.coefficients.allSatisfy { abs($0 - 0.85) < 1e-6 })
        // The first difference of white noise has twice its variance.
        let ratio = exp(median(previous.logStd) - median(try predictors(x, .init(order: 1, preemphasis: 0)).logStd))
        #expect(abs(Double(ratio) - 2.0.squareRoot()) < 0.1, "difference / signal std \(ratio)")
    }
}

@Suite struct PredictionTrackTests {
    func track(length: Int = 700, taps: Int = 3, seed: UInt64 = 9) -> PredictionTrack {
        var rng = Philox(seed: seed, stream: 0)
        let frames = 700 / 256 + 1
        var f = FramePredictors(taps: taps, frameCount: frames)
        f.coefficients = rng.normals(frames * taps, scale: 0.4)
        f.logStd = rng.normals(frames, scale: 1)
        return PredictionTrack(frames: f, hop: 256, length: length)
    }

    /// Synthesis inverts prediction: e -> x = synth(e) -> x - x^(x) = e.
    @Test func synthesisInvertsThePredictionResidual() {
        let t = track()
        var rng = Philox(seed: 1, stream: 1)
        let e = rng.normals(t.length, scale: 0.1)
        var x = [Float](repeating: 0, count: t.length), xhat = x
        e.withUnsafeBufferPointer { t.synthesize(excitation: $0.baseAddress!, into: &x) }
        x.withUnsafeBufferPointer { t.predictions(of: $0.baseAddress!, into: &xhat) }
        for i in 0..<t.length { #expect(abs(x[i] - xhat[i] - e[i]) < 1e-5) }
    }

    /// Both adjoints satisfy <A u, v> = <u, A^T v> for random u, v.
    @Test func adjointsAreTransposes() {
        let t = track()
        var rng = Philox(seed: 2, stream: 2)
        let u = rng.normals(t.length), v = rng.normals(t.length)
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        var pu = [Float](repeating: 0, count: t.length), ptv = pu, su = pu, stv = pu
        u.withUnsafeBufferPointer { t.predictions(of: $0.baseAddress!, into: &pu) }
        v.withUnsafeBufferPointer { t.addPredictionAdjoint($0.baseAddress!, into: &ptv) }
        #expect(abs(dot(pu, v) - dot(u, ptv)) < 1e-3 * max(1, abs(dot(pu, v))))
        u.withUnsafeBufferPointer { t.synthesize(excitation: $0.baseAddress!, into: &su) }
        v.withUnsafeBufferPointer { t.synthesisAdjoint($0.baseAddress!, into: &stv) }
        #expect(abs(dot(su, v) - dot(u, stv)) < 1e-3 * max(1, abs(dot(su, v))))
    }

    /// Coefficients are held from the nearest frame; the log std is interpolated between centres.
    @Test func framesMapToSamples() {
        var f = FramePredictors(taps: 1, frameCount: 3)
        f.coefficients = [0.1, 0.2, 0.3]
        f.logStd = [0, 1, 3]
        let t = PredictionTrack(frames: f, hop: 4, length: 10)
        #expect(t.coefficients == [0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3])
        #expect(t.logStd == [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3])
    }
}
