import Foundation
import GradientCheck
import Randomness
import Tensors
import Testing
@testable import Distributions

/// Analytic gradients of the mixture log-likelihood against central differences, one branch
/// at a time, at points chosen so that no probe crosses a branch boundary.
///
/// The probe loss sum(g * log p) uses the forward's row function in Double (the public call
/// rounds log p to Float, which would put ~6e-8 |log p| / eps of noise in every quotient), so
/// the steps can be small and the tolerances tight (0.1% relative, 1e-4 absolute; the worst
/// case seen is about a tenth of that):
/// - logits and log-scales: O(1) gradients, eps 1e-3;
/// - means and x: gradients ~ r/s with s down to 0.0025 and responsibilities that change on
///   the scale of s, so eps 1e-4 keeps the truncation error (eps/s)^2 under 0.1%;
/// - x inside an edge bin: eps 2e-6, because the edge region is only d = 1.5e-5 wide.
@Suite struct MixtureGradientTests {
    static let m = 3
    let head = try! DiscretizedMixtureOfLogistics(mixtureCount: MixtureGradientTests.m)

    struct Case {
        var x: [Float]
        var params: [Float]
        var upstream: [Float]
    }

    /// Rows whose components have means at x + offset and the given log-scales.
    static func makeCase(seed: UInt64, rows: Int, x: (inout Philox) -> Float,
                         offsetInScales: ClosedRange<Float>? = nil, offset: ClosedRange<Float>? = nil,
                         logScales: ClosedRange<Float>) -> Case {
        var rng = Philox(seed: seed)
        var xs: [Float] = []
        var params: [Float] = []
        for _ in 0..<rows {
            let xr = x(&rng)
            let ls = rng.uniforms(m, low: logScales.lowerBound, high: logScales.upperBound)
            var means: [Float] = []
            for i in 0..<m {
                var o: Float = 0
                if let r = offsetInScales {
                    o = rng.uniforms(1, low: r.lowerBound, high: r.upperBound)[0] * expf(ls[i])
                } else if let r = offset {
                    let magnitude = rng.uniforms(1, low: r.lowerBound, high: r.upperBound)[0]
                    o = rng.nextUniform() < 0.5 ? -magnitude : magnitude
                }
                means.append(xr + o)
            }
            xs.append(xr)
            params += rng.normals(m) + means + ls
        }
        var upstreamRNG = Philox(seed: seed, stream: 9)
        return Case(x: xs, params: params, upstream: upstreamRNG.normals(rows))
    }

    /// Asserts every component of every row is in `branch`, with margin from the threshold.
    func expectBranch(_ c: Case, _ branch: DiscretizedLogistic.Branch) {
        for r in c.x.indices {
            let x = Double(min(max(c.x[r], -1), 1))
            for i in 0..<Self.m {
                let mean = Double(c.params[r * 3 * Self.m + Self.m + i])
                let logScale = max(Double(c.params[r * 3 * Self.m + 2 * Self.m + i]), -9)
                let t = DiscretizedLogistic.terms(x: x, bin: BinRegion(x), mean: mean, logScale: logScale)
                #expect(t.branch == branch, "row \(r) component \(i): \(t.branch), expected \(branch)")
                if branch == .interior || branch == .tinyMass {
                    let mass = referenceInteriorMass(x: x, mean: mean, logScale: logScale)
                    let margin = branch == .interior ? mass > 2e-5 : mass < 0.7e-5
                    #expect(margin, "row \(r) component \(i): mass \(mass) too close to 1e-5")
                }
            }
        }
    }

    /// Checks logits, means, log-scales and (optionally) x.
    func check(_ c: Case, _ label: String, xEpsilon: Float? = 1e-4) {
        let (gp, gx) = head.gradients(x: c.x, params: c.params, upstream: c.upstream)
        let rows = c.x.count
        let p = head.parameterCount
        let params = Tensor(shape: [rows, p], scalars: c.params)
        let analytic = Tensor(shape: [rows, p], scalars: gp)
        let groups: [(String, Range<Int>, Float)] = [
            ("logits", 0..<Self.m, 1e-3),
            ("means", Self.m..<(2 * Self.m), 1e-4),
            ("logScales", (2 * Self.m)..<(3 * Self.m), 1e-3),
        ]
        for (name, columns, eps) in groups {
            let checker = GradientChecker(options: .init(epsilon: eps, relativeTolerance: 1e-3,
                                                         absoluteTolerance: 1e-4, maxProbes: 200))
            let result = checker.check(name: "\(label) \(name)", at: params, analytic: analytic,
                                       skip: { !columns.contains($0 % p) }) { t in
                mixtureProbeLoss(head, x: c.x, params: t.scalars, upstream: c.upstream)
            }
            #expect(result.passed, "\(result)")
        }
        if let xEpsilon {
            let checker = GradientChecker(options: .init(epsilon: xEpsilon, relativeTolerance: 1e-3,
                                                         absoluteTolerance: 1e-4))
            let result = checker.check(name: "\(label) x", at: Tensor(shape: [rows], scalars: c.x),
                                       analytic: Tensor(shape: [rows], scalars: gx)) { t in
                mixtureProbeLoss(head, x: t.scalars, params: c.params, upstream: c.upstream)
            }
            #expect(result.passed, "\(result)")
        }
    }

    @Test func interiorBranch() {
        // |x - m| <= 2 s with s in [0.018, 0.05]: bin masses >= 6e-5.
        let c = Self.makeCase(seed: 31, rows: 6, x: { $0.uniforms(1, low: -0.5, high: 0.5)[0] },
                              offsetInScales: -2 ... 2, logScales: -4 ... -3)
        expectBranch(c, .interior)
        check(c, "interior")
    }

    @Test func tinyMassBranchWideComponents() {
        // s in [1.2, 2.7]: mass per bin <= 2d/(4s) ~ 6e-6.
        let c = Self.makeCase(seed: 32, rows: 6, x: { $0.uniforms(1, low: -0.5, high: 0.5)[0] },
                              offset: 0 ... 0.5, logScales: 0.2 ... 1)
        expectBranch(c, .tinyMass)
        check(c, "tiny wide")
    }

    @Test func tinyMassBranchTails() {
        // s in [0.0025, 0.0067], 0.06 ... 0.12 from x: 9 to 50 scales into the tail.
        let c = Self.makeCase(seed: 33, rows: 6, x: { $0.uniforms(1, low: -0.5, high: 0.5)[0] },
                              offset: 0.06 ... 0.12, logScales: -6 ... -5)
        expectBranch(c, .tinyMass)
        check(c, "tiny tail")
    }

    @Test func firstAndLastBins() {
        let d = Float(Reference.d)
        for (label, edge, inside) in [("first bin", Float(-1), -1 + d / 2), ("last bin", Float(1), 1 - d / 2)] {
            let towardInterior: Float = edge < 0 ? 1 : -1
            let branch: DiscretizedLogistic.Branch = edge < 0 ? .firstBin : .lastBin
            // Parameters at x = -1 or 1 exactly, means 0.01 ... 0.1 inside the range so that
            // the edge mass, and log p, is moderate.
            var c = Self.makeCase(seed: 34, rows: 6, x: { _ in edge }, offset: 0.01 ... 0.1,
                                  logScales: -4 ... -2)
            let meanIndices = (0..<6).flatMap { r in (0..<Self.m).map { r * 3 * Self.m + Self.m + $0 } }
            for k in meanIndices { c.params[k] = edge + towardInterior * abs(c.params[k] - edge) }
            expectBranch(c, branch)
            check(c, label, xEpsilon: nil)
            // x just inside the edge bin, where a step of 2e-6 stays within the d = 1.5e-5 wide
            // edge region; means beyond the edge this time, for the other side of the sigmoid.
            c.x = [Float](repeating: inside, count: 6)
            for k in meanIndices { c.params[k] = edge - towardInterior * abs(c.params[k] - edge) }
            expectBranch(c, branch)
            let (_, gx) = head.gradients(x: c.x, params: c.params, upstream: c.upstream)
            let checker = GradientChecker(options: .init(epsilon: 2e-6, relativeTolerance: 1e-3,
                                                         absoluteTolerance: 1e-4))
            let result = checker.check(name: "\(label) x", at: Tensor(shape: [6], scalars: c.x),
                                       analytic: Tensor(shape: [6], scalars: gx)) { t in
                mixtureProbeLoss(head, x: t.scalars, params: c.params, upstream: c.upstream)
            }
            #expect(result.passed, "\(result)")
        }
    }

    @Test func clampedLogScalesAndClippedInputsHaveZeroGradient() {
        // Component 0 below the clamp (-10 < -9); x outside [-1, 1] in rows 1 and 2.
        let row: [Float] = [0.3, -0.2, 0.1, 0.05, 0.0, -0.04, -10, -3, -3.5]
        let x: [Float] = [0.02, 1.2, -1.5]
        let params = repeatedRows(row, 3)
        let (gp, gx) = head.gradients(x: x, params: params, upstream: [1, 1, 1])
        for r in 0..<3 { #expect(gp[r * 9 + 6] == 0, "row \(r): clamped log-scale gradient \(gp[r * 9 + 6])") }
        #expect(gp[7] != 0 && gx[0] != 0)
        #expect(gx[1] == 0 && gx[2] == 0)
        // The finite differences agree: nothing moves.
        var bumped = params
        bumped[6] += 0.01
        #expect(head.logLikelihood(x: x, params: bumped) == head.logLikelihood(x: x, params: params))
        #expect(head.logLikelihood(x: [0.02, 1.21, -1.51], params: params)
                    == head.logLikelihood(x: x, params: params))
    }

    @Test func fusedPassEqualsForwardThenBackward() {
        // 10000 rows: both calls take the threaded path; the results must be bitwise equal.
        let c = Self.makeCase(seed: 36, rows: 10000, x: { $0.uniforms(1, low: -1, high: 1)[0] },
                              offset: 0 ... 0.3, logScales: -9.5 ... 1)
        let logP = head.logLikelihood(x: c.x, params: c.params)
        let (gp, gx) = head.gradients(x: c.x, params: c.params, upstream: c.upstream)
        var fusedLogP = [Float](repeating: 0, count: c.x.count)
        var fusedGP = [Float](repeating: 0, count: c.params.count)
        var fusedGX = [Float](repeating: 0, count: c.x.count)
        c.x.withUnsafeBufferPointer { xs in c.params.withUnsafeBufferPointer { ps in
            c.upstream.withUnsafeBufferPointer { us in
                fusedLogP.withUnsafeMutableBufferPointer { o in
                    fusedGP.withUnsafeMutableBufferPointer { g in fusedGX.withUnsafeMutableBufferPointer { gxb in
                        head.logLikelihoodAndBackward(x: xs, params: ps, rows: c.x.count, upstream: us,
                                                      into: o, paramsGradient: g, xGradient: gxb)
                    } }
                }
            }
        } }
        #expect(fusedLogP == logP)
        #expect(fusedGP == gp)
        #expect(fusedGX == gx)
    }

    @Test func nanParametersGiveNaNLogLikelihood() {
        // Broken weights must show up in the loss, not be flushed away by an underflow guard.
        var row: [Float] = [0.3, -0.2, 0.1, 0.05, 0.0, -0.04, -3, -3, -3.5]
        for k in [0, 4, 7] {
            var broken = row
            broken[k] = .nan
            #expect(head.logLikelihood(x: [0.01], params: broken)[0].isNaN, "NaN at \(k)")
        }
        row[0] = 1
        #expect(head.logLikelihood(x: [.nan], params: row)[0].isNaN)
    }

    @Test func backwardAddsIntoExistingGradients() {
        let c = Self.makeCase(seed: 35, rows: 4, x: { $0.uniforms(1, low: -0.5, high: 0.5)[0] },
                              offsetInScales: -2 ... 2, logScales: -4 ... -3)
        let (once, onceX) = head.gradients(x: c.x, params: c.params, upstream: c.upstream)
        var gp = [Float](repeating: 1, count: c.params.count)
        var gx = [Float](repeating: 1, count: c.x.count)
        c.x.withUnsafeBufferPointer { xs in
            c.params.withUnsafeBufferPointer { ps in
                c.upstream.withUnsafeBufferPointer { us in
                    gp.withUnsafeMutableBufferPointer { g in
                        gx.withUnsafeMutableBufferPointer { gxb in
                            head.backward(x: xs, params: ps, rows: 4, upstream: us,
                                          paramsGradient: g, xGradient: gxb)
                        }
                    }
                }
            }
        }
        #expect(zip(gp, once).allSatisfy { $0 == 1 + $1 })
        #expect(zip(gx, onceX).allSatisfy { $0 == 1 + $1 })
    }
}
