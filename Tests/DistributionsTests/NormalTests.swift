import Foundation
import GradientCheck
import Randomness
import Tensors
import Testing
@testable import Distributions

@Suite struct NormalTests {
    @Test func logPDFMatchesTheDensityAndTheGaussianHead() throws {
        let head = try GaussianOutput(logScaleMin: -20)
        for (x, m, l) in [(Float(0.1), Float(0), Float(-2)), (3, 0.5, 0), (-4, 0, 1.5)] {
            let s = exp(Double(l))
            let want = log(exp(-0.5 * pow((Double(x) - Double(m)) / s, 2)) / (s * (2 * Double.pi).squareRoot()))
            let got = Double(Normal.logPDF(x, mean: m, logScale: l))
            #expect(abs(got - want) <= 1e-6 * max(1, abs(want)), "\(got) vs \(want)")
            #expect(abs(got - Double(head.logLikelihood(x: [x], params: [m, l])[0])) <= 1e-6 * max(1, abs(want)))
        }
    }

    @Test func gradientsPass() {
        var rng = Philox(seed: 171)
        let n = 16
        let x = rng.uniforms(n, low: -1, high: 1)
        let mean = rng.uniforms(n, low: -0.5, high: 0.5)
        let logScale = rng.uniforms(n, low: -1.5, high: 0)
        let g = rng.normals(n)
        var gx = [Float](repeating: 0, count: n), gm = gx, gl = gx
        for i in 0..<n {
            let d = Normal.logPDFGradient(x[i], mean: mean[i], logScale: logScale[i])
            gx[i] = g[i] * d.x
            gm[i] = g[i] * d.mean
            gl[i] = g[i] * d.logScale
        }
        func loss(_ x: [Float], _ m: [Float], _ l: [Float]) -> Double {
            (0..<n).reduce(0.0) { $0 + Double(g[$1]) * Double(Normal.logPDF(x[$1], mean: m[$1], logScale: l[$1])) }
        }
        // Scales >= e^-1.5 and |u| <= ~9: log p <= ~40, Float rounding ~1e-3 in the quotient.
        let checker = GradientChecker(options: .init(epsilon: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 5e-3))
        let results = [
            checker.check(name: "normal x", at: Tensor(shape: [n], scalars: x), analytic: Tensor(shape: [n], scalars: gx)) {
                loss($0.scalars, mean, logScale) },
            checker.check(name: "normal mean", at: Tensor(shape: [n], scalars: mean), analytic: Tensor(shape: [n], scalars: gm)) {
                loss(x, $0.scalars, logScale) },
            checker.check(name: "normal logScale", at: Tensor(shape: [n], scalars: logScale), analytic: Tensor(shape: [n], scalars: gl)) {
                loss(x, mean, $0.scalars) },
        ]
        for r in results { #expect(r.passed, "\(r)") }
    }

    @Test func samplesHaveTheMomentsAndTheEntropy() {
        var rng = Philox(seed: 172)
        let (mean, logScale): (Float, Float) = (0.2, -2)
        let samples = (0..<200_000).map { _ in Normal.sample(mean: mean, logScale: logScale, rng: &rng) }
        let xs = samples.map(Double.init)
        let s = exp(Double(logScale))
        let (m, se) = meanAndStandardError(xs)
        #expect(abs(m - 0.2) < 5 * se, "mean \(m)")
        let (v, vse) = meanAndStandardError(xs.map { ($0 - 0.2) * ($0 - 0.2) })
        #expect(abs(v - s * s) < 5 * vse, "variance \(v)")
        // Entropy = E[-log p] = log s + log(2 pi e)/2; the logistic's log s + 2 is 0.58 away.
        let (h, hse) = meanAndStandardError(samples.map { -Double(Normal.logPDF($0, mean: mean, logScale: logScale)) })
        #expect(abs(h - Double(Normal.entropy(logScale: logScale))) < 5 * hse, "entropy \(h)")
        #expect(abs(h - Double(Logistic.entropy(logScale: logScale))) > 50 * hse)
    }
}
