import Foundation
import Randomness
import Tensors
@testable import Distributions

// Independent reference formulas, written plainly in Double from DESIGN §3, and small helpers.

enum Reference {
    static let d = 1.0 / 65535.0

    static func sigmoid(_ t: Double) -> Double { 1 / (1 + exp(-t)) }
    static func softplus(_ t: Double) -> Double { t > 30 ? t + exp(-t) : log(1 + exp(t)) }

    /// log p_i(x) of one logistic component by the DESIGN formula, naive where it is safe.
    static func componentLogMass(x: Double, mean: Double, logScale: Double) -> Double {
        let s = exp(logScale)
        let cdfPlus = sigmoid((x + d - mean) / s)
        let cdfMinus = sigmoid((x - d - mean) / s)
        if x < -1 + d { return log(cdfPlus) }
        if x > 1 - d { return log(1 - cdfMinus) }
        if cdfPlus - cdfMinus > 1e-5 { return log(cdfPlus - cdfMinus) }
        let mid = (x - mean) / s
        return mid - logScale - 2 * softplus(mid) + log(d) + log(2)
    }

    /// log p(x) of the mixture: logsumexp_i(log_softmax(w)_i + log p_i(x)), x clipped.
    static func mixtureLogLikelihood(x: Float, row: [Float], logScaleMin: Double = -9) -> Double {
        let m = row.count / 3
        let xc = min(max(Double(x), -1), 1)
        let w = row[0..<m].map(Double.init)
        let wMax = w.max()!
        let logZ = wMax + log(w.map { exp($0 - wMax) }.reduce(0, +))
        let terms = (0..<m).map { i in
            w[i] - logZ + componentLogMass(x: xc, mean: Double(row[m + i]),
                                           logScale: max(Double(row[2 * m + i]), logScaleMin))
        }
        let top = terms.max()!
        return top + log(terms.map { exp($0 - top) }.reduce(0, +))
    }
}

/// Row-major params of `rows` copies of one row.
func repeatedRows(_ row: [Float], _ rows: Int) -> [Float] {
    Array([[Float]](repeating: row, count: rows).joined())
}


/// sum_r g_r * logp_r in Double: the probe loss of the gradient checks.
func probeLoss(_ head: some OutputDistribution, x: [Float], params: [Float], upstream: [Float]) -> Double {
    zip(head.logLikelihood(x: x, params: params), upstream).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// sum_r g_r * log p_r for the mixture, with log p_r from the forward's own row function in
/// Double: no Float rounding of log p, so finite differences can use small steps.
func mixtureProbeLoss(_ head: DiscretizedMixtureOfLogistics, x: [Float], params: [Float],
                      upstream: [Float]) -> Double {
    let p = head.parameterCount
    var terms = [Double](repeating: 0, count: head.mixtureCount)
    return params.withUnsafeBufferPointer { ps in
        terms.withUnsafeMutableBufferPointer { scratch in
            x.indices.reduce(0.0) { sum, r in
                sum + Double(upstream[r]) * head.rowLogLikelihood(x: x[r], row: ps.baseAddress! + r * p,
                                                                   terms: scratch.baseAddress!)
            }
        }
    }
}

/// Exact bin mass sigmoid(a) - sigmoid(b) in Double (fine for classifying branches in tests).
func referenceInteriorMass(x: Double, mean: Double, logScale: Double) -> Double {
    let s = exp(logScale)
    return Reference.sigmoid((x + Reference.d - mean) / s) - Reference.sigmoid((x - Reference.d - mean) / s)
}

/// Mean and standard error of the mean.
func meanAndStandardError(_ values: [Double]) -> (mean: Double, error: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, (variance / n).squareRoot())
}
