import Foundation
import GradientCheck
import Randomness
import Tensors
import Testing
@testable import Distributions

@Suite struct LogisticTests {
    @Test(arguments: [(Float(0), Float(0)), (0.3, -3), (-0.2, 1.5)])
    func densityIntegratesToOne(mean: Float, logScale: Float) {
        // Simpson's rule over mean +- 40 s (the tails beyond hold 2e-18).
        let s = exp(Double(logScale))
        let n = 200_000
        let h = 80 * s / Double(n)
        var total = 0.0
        for i in 0...n {
            let x = Double(mean) - 40 * s + Double(i) * h
            let weight: Double = (i == 0 || i == n) ? 1 : (i % 2 == 1 ? 4 : 2)
            total += weight * exp(Double(Logistic.logPDF(Float(x), mean: mean, logScale: logScale)))
        }
        total *= h / 3
        // Float rounding of x and of log p limits the integral to ~1e-6.
        #expect(abs(total - 1) < 1e-5, "integral \(total)")
    }

    @Test func logPDFMatchesTheDensity() {
        // pdf = e^-u / (s (1 + e^-u)^2)
        for (x, m, l) in [(Float(0.1), Float(0), Float(-2)), (3, 0.5, 0), (-40, 0, 0)] {
            let s = exp(Double(l))
            let u = (Double(x) - Double(m)) / s
            let want = -u - log(s) - 2 * log1p(exp(-u))
            let got = Double(Logistic.logPDF(x, mean: m, logScale: l))
            #expect(abs(got - want) <= 1e-6 * max(1, abs(want)), "\(got) vs \(want)")
        }
    }

    @Test func gradientsPass() {
        var rng = Philox(seed: 71)
        let n = 16
        let x = rng.uniforms(n, low: -1, high: 1)
        let mean = rng.uniforms(n, low: -0.5, high: 0.5)
        let logScale = rng.uniforms(n, low: -3, high: 0)
        let g = rng.normals(n)
        var gx = [Float](repeating: 0, count: n)
        var gm = gx
        var gl = gx
        x.withUnsafeBufferPointer { xs in mean.withUnsafeBufferPointer { ms in logScale.withUnsafeBufferPointer { ls in
            g.withUnsafeBufferPointer { us in
                gx.withUnsafeMutableBufferPointer { a in gm.withUnsafeMutableBufferPointer { b in
                    gl.withUnsafeMutableBufferPointer { c in
                        Logistic.logPDFBackward(x: xs, mean: ms, logScale: ls, count: n, upstream: us,
                                                xGradient: a, meanGradient: b, logScaleGradient: c)
                    }
                } }
            }
        } } }
        func loss(_ x: [Float], _ m: [Float], _ l: [Float]) -> Double {
            (0..<n).reduce(0.0) { $0 + Double(g[$1]) * Double(Logistic.logPDF(x[$1], mean: m[$1], logScale: l[$1])) }
        }
        // Scales >= e^-3 = 0.05 and eps 1e-3: truncation error well under 1%; |log p| <= ~40
        // gives Float-rounding noise ~1e-3 in the quotient, within the absolute tolerance.
        let checker = GradientChecker(options: .init(epsilon: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 5e-3))
        let results = [
            checker.check(name: "logistic x", at: Tensor(shape: [n], scalars: x), analytic: Tensor(shape: [n], scalars: gx)) {
                loss($0.scalars, mean, logScale) },
            checker.check(name: "logistic mean", at: Tensor(shape: [n], scalars: mean), analytic: Tensor(shape: [n], scalars: gm)) {
                loss(x, $0.scalars, logScale) },
            checker.check(name: "logistic logScale", at: Tensor(shape: [n], scalars: logScale), analytic: Tensor(shape: [n], scalars: gl)) {
                loss(x, mean, $0.scalars) },
        ]
        for r in results { #expect(r.passed, "\(r)") }
    }

    @Test func samplesHaveTheMomentsAndTheEntropy() {
        var rng = Philox(seed: 72)
        let (mean, logScale): (Float, Float) = (0.2, -2)
        let samples = (0..<200_000).map { _ in Logistic.sample(mean: mean, logScale: logScale, rng: &rng) }
        let xs = samples.map(Double.init)
        let s = exp(Double(logScale))
        let (m, se) = meanAndStandardError(xs)
        #expect(abs(m - 0.2) < 5 * se, "mean \(m)")
        let (v, vse) = meanAndStandardError(xs.map { ($0 - 0.2) * ($0 - 0.2) })
        #expect(abs(v - s * s * .pi * .pi / 3) < 5 * vse, "variance \(v)")
        // Entropy = E[-log p] = log s + 2.
        let (h, hse) = meanAndStandardError(samples.map { -Double(Logistic.logPDF($0, mean: mean, logScale: logScale)) })
        #expect(abs(h - Double(Logistic.entropy(logScale: logScale))) < 5 * hse, "entropy \(h)")
    }
}
