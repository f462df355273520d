import Foundation

// Scalar helpers shared by the distributions, in Double. Each evaluates one exponential and
// one logarithm where possible and returns the companion values the gradient needs, so the
// backward pass reuses them instead of calling exp again.

/// softplus(t) = log(1 + e^t) and sigmoid(t) = 1 / (1 + e^-t) from one exp(-|t|).
/// Never forms 1 + e^t for large t, so neither overflows nor rounds to log(1) = 0 wrongly.
@inline(__always)
func softplusAndSigmoid(_ t: Double) -> (softplus: Double, sigmoid: Double) {
    let e = exp(-abs(t))
    let softplus = max(t, 0) + log1p(e)
    let sigmoid = t >= 0 ? 1 / (1 + e) : e / (1 + e)
    return (softplus, sigmoid)
}

/// log(sum_i exp(v_i)) over `count` values, shifted by the maximum so nothing overflows.
@inline(__always)
func logSumExp(_ v: UnsafePointer<Double>, count: Int) -> Double {
    var top = -Double.infinity
    for i in 0..<count { top = max(top, v[i]) }
    if top == -.infinity { return top }
    var sum = 0.0
    for i in 0..<count { sum += exp(v[i] - top) }
    return top + log(sum)
}

/// log(sum_i exp(v_i)) over `count` floats, accumulated in Double.
@inline(__always)
func logSumExp(_ v: UnsafePointer<Float>, count: Int) -> Double {
    var top = -Float.infinity
    for i in 0..<count { top = max(top, v[i]) }
    if top == -.infinity { return -.infinity }
    var sum = 0.0
    for i in 0..<count { sum += exp(Double(v[i] - top)) }
    return Double(top) + log(sum)
}

/// log(2 pi), for Gaussian normalisers.
let log2Pi = log(2 * Double.pi)
