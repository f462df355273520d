import Foundation
import Randomness
import Tensors

/// Naive scalar references (libm in Double) the fast kernels are checked against.
enum Reference {
    static func tanh(_ x: Float) -> Double { Foundation.tanh(Double(x)) }
    static func exp(_ x: Float) -> Double { Foundation.exp(Double(x)) }
    static func log(_ x: Float) -> Double { Foundation.log(Double(x)) }
    static func sigmoid(_ x: Float) -> Double { 1 / (1 + Foundation.exp(-Double(x))) }
    static func softplus(_ x: Float) -> Double {
        let d = Double(x)
        return max(d, 0) + Foundation.log1p(Foundation.exp(-abs(d)))
    }
}

/// The worst relative error of `fast` against a Double `reference` over `inputs`.
/// Where the reference result is below the smallest normal float (1.18e-38), float32 cannot
/// hold it to relative precision, so the error there is measured against 1.18e-38 instead.
struct ErrorReport: CustomStringConvertible {
    var worst = 0.0
    var worstInput: Float = 0
    var worstFast: Float = 0
    var worstReference = 0.0
    var nonFinite = 0

    var description: String {
        "max rel error \(worst) at x = \(worstInput): fast \(worstFast), reference \(worstReference); non-finite mismatches \(nonFinite)"
    }

    static func measure(_ inputs: [Float], fast: [Float], reference: (Float) -> Double) -> ErrorReport {
        var r = ErrorReport()
        for (x, y) in zip(inputs, fast) {
            let ref = reference(x)
            let refAsFloat = Float(ref)
            if !refAsFloat.isFinite || !y.isFinite {
                // Infinities must match exactly; a NaN is a mismatch unless the reference is NaN.
                if !(refAsFloat == y || (refAsFloat.isNaN && y.isNaN)) { r.nonFinite += 1 }
                continue
            }
            let err = abs(Double(y) - ref) / max(abs(ref), 1.17549435e-38)
            if err > r.worst { r = ErrorReport(worst: err, worstInput: x, worstFast: y, worstReference: ref, nonFinite: r.nonFinite) }
        }
        return r
    }
}

/// Test inputs: an even grid over [low, high], log-spaced magnitudes of both signs, and the
/// special values that break naive formulas.
func wideInputs(low: Float, high: Float, grid: Int = 200_003) -> [Float] {
    var xs: [Float] = (0..<grid).map { low + (high - low) * Float($0) / Float(grid - 1) }
    var e: Float = -40
    while e <= 38 {
        let m = Float(Foundation.pow(10.0, Double(e)))
        if m >= low && m <= high { xs.append(m) }
        if -m >= low && -m <= high { xs.append(-m) }
        e += 0.01
    }
    xs += [0, -0.0, 0.625, -0.625, 0.62499994, Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude].filter { $0 >= low && $0 <= high }
    return xs
}
