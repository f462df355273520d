import Foundation
import Randomness
import Testing
@testable import Distributions

/// The discretized mixture of logistics against a plain Double evaluation of DESIGN §3.
@Suite struct MixtureLikelihoodTests {
    let head = try! DiscretizedMixtureOfLogistics(mixtureCount: 5)

    /// Random rows (M = 5) with x in the interior of [-1, 1].
    private func randomCase(seed: UInt64, rows: Int, logScales: ClosedRange<Float>)
        -> (x: [Float], params: [Float]) {
        var rng = Philox(seed: seed)
        var params: [Float] = []
        for _ in 0..<rows {
            params += rng.normals(5)
            params += rng.uniforms(5, low: -0.6, high: 0.6)
            params += rng.uniforms(5, low: logScales.lowerBound, high: logScales.upperBound)
        }
        return (rng.uniforms(rows, low: -0.7, high: 0.7), params)
    }

    /// Compares every row with the reference; the tolerance is Float rounding of the output.
    private func expectMatchesReference(x: [Float], params: [Float], _ label: String) {
        let p = head.parameterCount
        let got = head.logLikelihood(x: x, params: params)
        for r in x.indices {
            let want = Reference.mixtureLogLikelihood(x: x[r], row: Array(params[(r * p)..<((r + 1) * p)]))
            #expect(abs(Double(got[r]) - want) <= 1e-5 + 1e-6 * abs(want),
                    "\(label) row \(r): x \(x[r]) got \(got[r]) want \(want)")
        }
    }

    @Test func interiorPointsMatchTheFormula() {
        // Scales e^-5 ... e^-2: a mix of exact-difference and tiny-mass components.
        let (x, params) = randomCase(seed: 11, rows: 200, logScales: -5 ... -2)
        expectMatchesReference(x: x, params: params, "interior")
    }

    @Test func edgeBinsMatchTheFormula() {
        // x exactly -1 and 1, means near and far from the edges. Scales >= e^-4 keep the naive
        // reference finite (smaller ones underflow it: see the next test but one).
        var (x, params) = randomCase(seed: 12, rows: 40, logScales: -4 ... -1)
        for r in x.indices { x[r] = r % 2 == 0 ? -1 : 1 }
        expectMatchesReference(x: x, params: params, "edge")
        // Just inside the edge rule on each side: the first and last bin only.
        let d = Float(Reference.d)
        let inside: [Float] = [-1 + d / 2, 1 - d / 2, -1 + 2 * d, 1 - 2 * d]
        let branches = inside.map { DiscretizedLogistic.terms(x: Double($0), bin: BinRegion(Double($0)),
                                                                 mean: 0, logScale: -2).branch }
        #expect(branches == [.firstBin, .lastBin, .tinyMass, .tinyMass], "\(branches)")
        expectMatchesReference(x: inside, params: Array(params[0..<(4 * head.parameterCount)]), "near edge")
    }

    @Test func tinyMassBranchUsesThePDFApproximation() {
        // A tiny scale far from the mean, and a wide component (mass per bin below 1e-5).
        let cases: [(x: Double, mean: Double, logScale: Double)] = [(0.3, 0, -8), (-0.2, 0.1, -6), (0.1, 0, 0.7)]
        for c in cases {
            let t = DiscretizedLogistic.terms(x: c.x, bin: BinRegion(c.x), mean: c.mean, logScale: c.logScale)
            let want = Reference.componentLogMass(x: c.x, mean: c.mean, logScale: c.logScale)
            #expect(t.branch == .tinyMass, "\(c)")
            #expect(abs(t.logMass - want) <= 1e-9 * max(1, abs(want)), "\(c): got \(t.logMass) want \(want)")
        }
        // The approximation agrees with the exact mass where both are defined (s >> d).
        let exact = log(referenceInteriorMass(x: 0.1, mean: 0, logScale: 0.7))
        let approx = DiscretizedLogistic.terms(x: 0.1, bin: .interior, mean: 0, logScale: 0.7).logMass
        #expect(abs(exact - approx) < 1e-8, "exact \(exact) approx \(approx)")
    }

    @Test func edgeMassStaysFiniteWhereNaiveSigmoidUnderflows() {
        // Component at 0.5 with the smallest scale: at x = -1, a = (-1 + d - 0.5)/s ~ -12150,
        // sigmoid(a) is 0 in Double, and log(sigmoid(a)) = -inf. The true value is a + O(e^a).
        let s = exp(-9.0)
        let a = (-1 + Reference.d - 0.5) / s
        #expect(log(Reference.sigmoid(a)) == -.infinity, "the naive reference should underflow here")
        let first = DiscretizedLogistic.terms(x: -1, bin: .first, mean: 0.5, logScale: -9)
        #expect(first.logMass.isFinite && abs(first.logMass - a) < 1e-9 * abs(a), "\(first.logMass) vs \(a)")
        // Mirror image at the last bin: log(1 - sigmoid(b)) with sigmoid(b) = 1.
        let last = DiscretizedLogistic.terms(x: 1, bin: .last, mean: -0.5, logScale: -9)
        #expect(last.logMass.isFinite && abs(last.logMass - a) < 1e-9 * abs(a), "\(last.logMass) vs \(a)")
        // And through the whole mixture: every component far from x = 1.
        let row: [Float] = [0, 1, -1, -0.5, -0.4, -0.3, -9, -9, -9]
        let mixture = try! DiscretizedMixtureOfLogistics(mixtureCount: 3)
        let lp = mixture.logLikelihood(x: [1], params: row)[0]
        #expect(lp.isFinite && lp < -4000, "log p = \(lp)")
    }

    @Test func interiorDifferenceIsAccurateWhereFloatSubtractionIsNot() {
        // Both CDFs near 1 (a ~ 8) with a bin mass ~3e-5, just above the tiny-mass threshold:
        // subtracting Float sigmoids loses ~3 digits; the log-space form keeps them.
        var worstFloat = 0.0
        var worstOurs = 0.0
        for k in 0..<20 {
            let mean = -0.1 + 0.01 * Double(k)
            let logScale = -8.0
            let x = Double(Float(mean + 7.5 * exp(logScale)))
            let exact = log(referenceInteriorMass(x: x, mean: mean, logScale: logScale))
            let s = Float(exp(logScale))
            let sigmoidF = { (t: Float) -> Float in 1 / (1 + expf(-t)) }
            let naiveFloat = Double(logf(sigmoidF((Float(x) + Float(Reference.d) - Float(mean)) / s)
                                         - sigmoidF((Float(x) - Float(Reference.d) - Float(mean)) / s)))
            let ours = DiscretizedLogistic.terms(x: x, bin: .interior, mean: mean, logScale: logScale)
            #expect(ours.branch == .interior)
            worstFloat = max(worstFloat, abs(naiveFloat - exact))
            worstOurs = max(worstOurs, abs(ours.logMass - exact))
        }
        #expect(worstOurs < 1e-9, "ours off by \(worstOurs)")
        #expect(worstFloat > 1e-4, "the Float32 naive form was expected to lose digits (\(worstFloat))")
    }

    @Test func continuousInputsAreClippedToTheRange() {
        let (_, params) = randomCase(seed: 13, rows: 2, logScales: -4 ... -2)
        let lp = head.logLikelihood(x: [-1.7, 1.3], params: params)
        let edges = head.logLikelihood(x: [-1, 1], params: params)
        #expect(lp == edges)
    }

    @Test func threadedPathMatchesRowByRow() {
        // 20000 rows go through the chunked parallel path; single rows never do.
        let (x, params) = randomCase(seed: 14, rows: 20000, logScales: -9 ... 0)
        let batch = head.logLikelihood(x: x, params: params)
        let p = head.parameterCount
        var mismatches = 0
        for r in stride(from: 0, to: x.count, by: 97) {
            let single = head.logLikelihood(x: [x[r]], params: Array(params[(r * p)..<((r + 1) * p)]))[0]
            if single != batch[r] { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func invalidConfigurationIsRejectedWithItsValue() {
        #expect(throws: DistributionError.invalidMixtureCount(0)) {
            try DiscretizedMixtureOfLogistics(mixtureCount: 0)
        }
        #expect(throws: DistributionError.invalidLogScaleMin(-.infinity)) {
            try DiscretizedMixtureOfLogistics(logScaleMin: -.infinity)
        }
        #expect(DistributionError.invalidMixtureCount(0).description.contains("got 0"))
    }
}
