import Foundation
import GradientCheck
import Randomness
import Tensors
import Testing
@testable import Distributions

@Suite struct GaussianOutputTests {
    let head = try! GaussianOutput()

    @Test func logLikelihoodIsTheNormalDensity() {
        let x: [Float] = [0.3, -0.8, 2.0]
        let params: [Float] = [0.1, -1.5, -0.5, -3, 0, -12]   // last row below the clamp (-9)
        let got = head.logLikelihood(x: x, params: params)
        for r in 0..<3 {
            let s = exp(max(Double(params[2 * r + 1]), -9))
            let z = (Double(x[r]) - Double(params[2 * r])) / s
            let want = -0.5 * z * z - log(s) - 0.5 * log(2 * Double.pi)
            #expect(abs(Double(got[r]) - want) <= 1e-6 * max(1, abs(want)), "row \(r): \(got[r]) vs \(want)")
        }
    }

    @Test func gradientsPass() {
        var rng = Philox(seed: 61)
        let rows = 8
        let x = rng.uniforms(rows, low: -1, high: 1)
        var params: [Float] = []
        for _ in 0..<rows { params += [rng.uniforms(1, low: -1, high: 1)[0], rng.uniforms(1, low: -2, high: 0)[0]] }
        let g = rng.normals(rows)
        let (gp, gx) = head.gradients(x: x, params: params, upstream: g)
        // Scales >= e^-2 = 0.14: eps 1e-3 is small next to them; gradients are O(1 ... 100),
        // log p is O(1 ... 50), so Float rounding of the loss stays below ~1e-3 per quotient.
        let checker = GradientChecker(options: .init(epsilon: 1e-3, relativeTolerance: 1e-2, absoluteTolerance: 5e-3))
        let rp = checker.check(name: "gaussian params", at: Tensor(shape: [rows, 2], scalars: params),
                               analytic: Tensor(shape: [rows, 2], scalars: gp)) { t in
            probeLoss(head, x: x, params: t.scalars, upstream: g)
        }
        let rx = checker.check(name: "gaussian x", at: Tensor(shape: [rows], scalars: x),
                               analytic: Tensor(shape: [rows], scalars: gx)) { t in
            probeLoss(head, x: t.scalars, params: params, upstream: g)
        }
        #expect(rp.passed, "\(rp)")
        #expect(rx.passed, "\(rx)")
        // Below the clamp the log-scale gets no gradient.
        let clamped = head.gradients(x: [0.5], params: [0, -10], upstream: [1]).params
        #expect(clamped[1] == 0 && clamped[0] != 0)
    }

    @Test func samplesHaveTheMeanAndScale() {
        var rng = Philox(seed: 62)
        let params: [Float] = [0.1, log(0.2)]
        let samples = (0..<200_000).map { _ in Double(head.sample(params: params, rng: &rng)) }
        let (mean, se) = meanAndStandardError(samples)
        #expect(abs(mean - 0.1) < 5 * se, "mean \(mean)")
        let (variance, vse) = meanAndStandardError(samples.map { ($0 - 0.1) * ($0 - 0.1) })
        #expect(abs(variance - 0.04) < 5 * vse, "variance \(variance)")
        var a = Philox(seed: 63)
        var b = Philox(seed: 63)
        #expect(head.sample(params: params, rng: &a, temperature: 0) == 0.1)
        _ = head.sample(params: params, rng: &b)
        #expect(a.nextUInt32() == b.nextUInt32(), "temperature must not change how many numbers are drawn")
    }
}
