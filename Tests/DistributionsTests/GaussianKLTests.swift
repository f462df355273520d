import Foundation
import GradientCheck
import Randomness
import Tensors
import Testing
@testable import Distributions

@Suite struct GaussianKLTests {
    @Test func closedFormMatchesMonteCarlo() throws {
        let kl = try GaussianKL(lambda: 0)
        let (mS, lS, mT, lT): (Double, Double, Double, Double) = (0.1, -2.3, -0.05, -1.6)
        var rng = Philox(seed: 81)
        // E_{x ~ N(mS, sS)}[log N(x; mS, sS) - log N(x; mT, sT)]
        let terms = (0..<400_000).map { _ -> Double in
            let x = mS + exp(lS) * Double(rng.nextNormal())
            let zS = (x - mS) / exp(lS)
            let zT = (x - mT) / exp(lT)
            return (-0.5 * zS * zS - lS) - (-0.5 * zT * zT - lT)
        }
        let (estimate, error) = meanAndStandardError(terms)
        let closed = Double(kl.divergence(studentMean: Float(mS), studentLogScale: Float(lS),
                                          teacherMean: Float(mT), teacherLogScale: Float(lT)))
        #expect(abs(estimate - closed) < 5 * error, "closed form \(closed), Monte Carlo \(estimate) +- \(error)")
        // The regulariser adds lambda (l_T - l_S)^2 and nothing else.
        let regularised = try GaussianKL(lambda: 4).divergence(studentMean: Float(mS), studentLogScale: Float(lS),
                                                                teacherMean: Float(mT), teacherLogScale: Float(lT))
        let penalty = 4 * (Float(lT) - Float(lS)) * (Float(lT) - Float(lS))
        #expect(abs(Double(regularised) - closed - Double(penalty)) < 1e-5)
        // Zero exactly when the distributions coincide.
        #expect(kl.divergence(studentMean: 0.3, studentLogScale: -2, teacherMean: 0.3, teacherLogScale: -2) == 0)
    }

    @Test func gradientsPass() throws {
        let kl = try GaussianKL(lambda: 4)
        var rng = Philox(seed: 82)
        let n = 12
        let inputs = [rng.uniforms(n, low: -0.5, high: 0.5), rng.uniforms(n, low: -4, high: -1),
                      rng.uniforms(n, low: -0.5, high: 0.5), rng.uniforms(n, low: -4, high: -1)]
        let g = rng.normals(n)
        func withSteps<R>(_ v: [[Float]], _ body: (GaussianKL.Steps) -> R) -> R {
            v[0].withUnsafeBufferPointer { a in v[1].withUnsafeBufferPointer { b in
                v[2].withUnsafeBufferPointer { c in v[3].withUnsafeBufferPointer { d in
                    body(GaussianKL.Steps(studentMean: a, studentLogScale: b, teacherMean: c, teacherLogScale: d))
                } } } }
        }
        var gmS = [Float](repeating: 0, count: n)
        var glS = gmS
        var gmT = gmS
        var glT = gmS
        withSteps(inputs) { steps in
            g.withUnsafeBufferPointer { us in
                gmS.withUnsafeMutableBufferPointer { a in glS.withUnsafeMutableBufferPointer { b in
                    gmT.withUnsafeMutableBufferPointer { c in glT.withUnsafeMutableBufferPointer { d in
                        kl.backward(steps, count: n, upstream: us, studentMeanGradient: a,
                                    studentLogScaleGradient: b, teacherMeanGradient: c, teacherLogScaleGradient: d)
                    } } } }
            }
        }
        let grads = [gmS, glS, gmT, glT]
        func loss(_ v: [[Float]]) -> Double {
            var out = [Float](repeating: 0, count: n)
            withSteps(v) { steps in out.withUnsafeMutableBufferPointer { kl.divergence(steps, count: n, into: $0) } }
            return zip(out, g).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        // KL values reach ~1.5e3 (mean gaps of 1 over scales of e^-4), whose Float rounding
        // (~6e-5) gives ~6e-3 of noise in a quotient with eps 1e-2; such rows have gradients of
        // 1e2 ... 1e4, so the noise sits well inside the tolerances. The KL is quadratic in the
        // means and smooth on the scale of 1e-2 in the log-scales (truncation < 1e-3 relative).
        let checker = GradientChecker(options: .init(epsilon: 1e-2, relativeTolerance: 1e-2, absoluteTolerance: 1e-2))
        let names = ["student mean", "student log-scale", "teacher mean", "teacher log-scale"]
        for k in 0..<4 {
            let r = checker.check(name: "KL \(names[k])", at: Tensor(shape: [n], scalars: inputs[k]),
                                  analytic: Tensor(shape: [n], scalars: grads[k])) { t in
                var v = inputs
                v[k] = t.scalars
                return loss(v)
            }
            #expect(r.passed, "\(r)")
        }
    }

    @Test func negativeLambdaIsRejected() {
        #expect(throws: DistributionError.invalidRegularisation(-1)) { try GaussianKL(lambda: -1) }
    }
}
