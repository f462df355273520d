import Foundation

// Scalar helpers shared by the distributions, in Double. Where a gradient needs a companion
// value (the sigmoid next to a softplus, the softmax next to a logsumexp) they return it from
// the same exponentials instead of calling exp again.

/// softplus(t) = log(1 + e^t) and sigmoid(t) = 1 / (1 + e^-t) from one exp(-|t|).
/// Never forms 1 + e^t for large t, so neither overflows nor rounds to log(1) = 0 wrongly.
@inline(__always)
func softplusAndSigmoid(_ t: Double) -> (softplus: Double, sigmoid: Double) {
    let e = expOfNegative(abs(t))
    let softplus = max(t, 0) + log1p(e)
    let sigmoid = t >= 0 ? 1 / (1 + e) : e / (1 + e)
    return (softplus, sigmoid)
}

/// e^-t for t >= 0, flushed to 0 beyond t = 700 (where e^-t < 1e-304). libm's exp takes a
/// slow error-reporting path on underflow, and tails of tiny-scale components hit it often.
/// A NaN stays NaN, so broken parameters still show up in the loss.
@inline(__always)
func expOfNegative(_ t: Double) -> Double { t > 700 ? 0 : exp(-t) }

/// log(sum_i exp(v_i)) over `count` values, shifted by the maximum so nothing overflows.
@inline(__always)
func logSumExp(_ v: UnsafePointer<Double>, count: Int) -> Double {
    var top = -Double.infinity
    for i in 0..<count { top = max(top, v[i]) }
    if top == -.infinity { return allNegativeInfinityOrNaN(v, count: count) }
    var sum = 0.0
    for i in 0..<count { sum += expOfNegative(top - v[i]) }
    return top + log(sum)
}

/// log(sum_i exp(v_i)) over `count` floats, accumulated in Double.
@inline(__always)
func logSumExp(_ v: UnsafePointer<Float>, count: Int) -> Double {
    var top = -Float.infinity
    for i in 0..<count { top = max(top, v[i]) }
    if top == -.infinity { return allNegativeInfinityOrNaN(v, count: count) }
    var sum = 0.0
    for i in 0..<count { sum += expOfNegative(Double(top) - Double(v[i])) }
    return Double(top) + log(sum)
}

/// The logsumexp of values none of which exceeds -inf: NaN if any is NaN (`max` skips NaNs,
/// and a NaN parameter must reach the loss), else -inf.
func allNegativeInfinityOrNaN<T: BinaryFloatingPoint>(_ v: UnsafePointer<T>, count: Int) -> Double {
    for i in 0..<count where v[i].isNaN { return .nan }
    return -.infinity
}

/// log(2 pi), for Gaussian normalisers.
let log2Pi = log(2 * Double.pi)

/// Writes softmax(v) into `out` (which may be `v` itself) and returns logsumexp(v), with one
/// exp per element: the backward pass needs both and should not pay for the exps twice.
@inline(__always)
func softmax<T: BinaryFloatingPoint>(_ v: UnsafePointer<T>, count: Int,
                                     into out: UnsafeMutablePointer<Double>) -> Double {
    var top = -Double.infinity
    for i in 0..<count { top = max(top, Double(v[i])) }
    var sum = 0.0
    for i in 0..<count {
        let e = expOfNegative(top - Double(v[i]))
        out[i] = e
        sum += e
    }
    let inverse = 1 / sum
    for i in 0..<count { out[i] *= inverse }
    return top + log(sum)
}
