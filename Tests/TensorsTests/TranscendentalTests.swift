import Foundation
import Testing
@testable import Tensors

/// The vectorised transcendentals against libm (Double) over wide ranges, and their
/// behaviour at huge, infinite and NaN inputs.
@Suite struct TranscendentalTests {
    static let tolerance = 2e-6

    private func run(_ op: (Tensor) -> Tensor, _ xs: [Float]) -> [Float] {
        op(Tensor(shape: [xs.count], scalars: xs)).scalars
    }

    @Test func expMatchesLibm() {
        let xs = wideInputs(low: -110, high: 90)
        let r = ErrorReport.measure(xs, fast: run(Ops.exp, xs), reference: Reference.exp)
        #expect(r.worst < Self.tolerance && r.nonFinite == 0, "\(r)")
    }

    @Test func logMatchesLibm() {
        var xs = wideInputs(low: Float.leastNonzeroMagnitude, high: 3e38).filter { $0 > 0 }
        xs += (0..<20_000).map { 1 + Float($0 - 10_000) * 1e-7 }  // around 1, where log is small
        xs += [Float.leastNonzeroMagnitude, Float.leastNormalMagnitude, Float.greatestFiniteMagnitude]
        let r = ErrorReport.measure(xs, fast: run(Ops.log, xs), reference: Reference.log)
        #expect(r.worst < Self.tolerance && r.nonFinite == 0, "\(r)")
    }

    @Test func tanhMatchesLibm() {
        let xs = wideInputs(low: -60, high: 60)
        let r = ErrorReport.measure(xs, fast: run(Ops.tanh, xs), reference: Reference.tanh)
        #expect(r.worst < Self.tolerance && r.nonFinite == 0, "\(r)")
    }

    @Test func sigmoidMatchesLibm() {
        let xs = wideInputs(low: -120, high: 120)
        let r = ErrorReport.measure(xs, fast: run(Ops.sigmoid, xs), reference: Reference.sigmoid)
        #expect(r.worst < Self.tolerance && r.nonFinite == 0, "\(r)")
    }

    @Test func softplusMatchesLibm() {
        let xs = wideInputs(low: -120, high: 120)
        let r = ErrorReport.measure(xs, fast: run(Ops.softplus, xs), reference: Reference.softplus)
        #expect(r.worst < Self.tolerance && r.nonFinite == 0, "\(r)")
    }

    @Test func hugeAndSpecialInputs() {
        let xs: [Float] = [1e30, -1e30, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, 1000, -1000]
        let t = run(Ops.tanh, xs), s = run(Ops.sigmoid, xs), sp = run(Ops.softplus, xs), e = run(Ops.exp, xs)
        for i in xs.indices {
            #expect(t[i] == (xs[i] > 0 ? 1 : -1), "tanh(\(xs[i])) = \(t[i])")
            #expect(s[i] == (xs[i] > 0 ? 1 : 0), "sigmoid(\(xs[i])) = \(s[i])")
            #expect(sp[i] == (xs[i] > 0 ? xs[i] : 0), "softplus(\(xs[i])) = \(sp[i])")
            #expect(e[i] == (xs[i] > 0 ? .infinity : 0), "exp(\(xs[i])) = \(e[i])")
        }
        // Just past the float range: exp(89) overflows, exp(-89) is a denormal (not flushed).
        #expect(run(Ops.exp, [89, -89]) == [.infinity, Float(Foundation.exp(-89.0))])
        #expect(run(Ops.sigmoid, [-89])[0] == Float(Foundation.exp(-89.0)))
        let l = run(Ops.log, [0, -1, .infinity, .nan])
        #expect(l[0] == -.infinity && l[1].isNaN && l[2] == .infinity && l[3].isNaN)
        #expect(run(Ops.tanh, [.nan])[0].isNaN && run(Ops.sigmoid, [.nan])[0].isNaN && run(Ops.exp, [.nan])[0].isNaN)
    }

    /// The scalar tail (counts not a multiple of 8) gives the same values as the vector body.
    @Test(arguments: [1, 7, 9, 15, 17])
    func tailsMatchBody(count: Int) {
        let xs = (0..<count).map { Float($0) * 0.37 - 2 }
        let full = run(Ops.tanh, xs + [Float](repeating: 0, count: 16))
        #expect(Array(full.prefix(count)) == run(Ops.tanh, xs))
    }
}
