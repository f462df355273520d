import Foundation
import Randomness

/// Discretized mixture of M logistics over 16-bit audio in [-1, 1] (DESIGN §3, PixelCNN++
/// style): the default teacher head. Each of the 65536 levels x_k = -1 + 2k/65535 owns the bin
/// [x_k - d, x_k + d] with d = 1/65535; the first and last bins extend to -inf and +inf, so the
/// bin masses sum to 1.
///
/// Row layout (`parameterCount` = 3M floats per time step):
/// `[w_0 ..< w_M | m_0 ..< m_M | l_0 ..< l_M]` = mixture logits, means, log-scales.
/// A log-scale below `logScaleMin` is replaced by `logScaleMin`, and its gradient is then zero
/// (at exactly `logScaleMin` the gradient passes, like a clamp).
///
/// x is clipped to [-1, 1] before scoring, because the teacher also scores the student's
/// continuous samples, which can leave the range; d log p / dx is zero where x was clipped.
/// Inside [-1, 1] the x-gradient is the derivative of the branch that x falls in (the branch
/// choice itself is piecewise constant in x).
///
/// All arithmetic is in Double: bin masses are differences of nearby CDF values, which Float
/// cannot resolve (d is 1.5e-5).
public struct DiscretizedMixtureOfLogistics: OutputDistribution {
    /// Half the width of one 16-bit bin on [-1, 1]: d = 1 / (2^16 - 1).
    public static let binHalfWidth: Double = 1.0 / 65535.0

    /// Below this bin mass the pdf approximation replaces log(cdf_plus - cdf_minus).
    public static let tinyMassThreshold: Double = 1e-5

    public let mixtureCount: Int
    public let logScaleMin: Float

    public var parameterCount: Int { 3 * mixtureCount }
    public var providesInputGradient: Bool { true }

    /// - Parameters:
    ///   - mixtureCount: M, the number of logistic components (10 is usual).
    ///   - logScaleMin: the lower clamp of every log-scale; -9 keeps the smallest scale
    ///     (1.2e-4) about 8 bin half-widths wide, where the tiny-mass pdf approximation is
    ///     accurate. Lower values are allowed but make that approximation coarse.
    public init(mixtureCount: Int = 10, logScaleMin: Float = -9) throws {
        guard mixtureCount >= 1 else { throw DistributionError.invalidMixtureCount(mixtureCount) }
        guard logScaleMin.isFinite else { throw DistributionError.invalidLogScaleMin(logScaleMin) }
        self.mixtureCount = mixtureCount
        self.logScaleMin = logScaleMin
    }

    // MARK: Forward

    public func logLikelihood(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>,
                              rows: Int, into out: UnsafeMutableBufferPointer<Float>) {
        checkRows(rows, params: params, vectors: ("x", x.count), ("out", out.count))
        guard rows > 0, let xs = x.baseAddress, let ps = params.baseAddress,
              let outs = out.baseAddress else { return }
        let m = mixtureCount
        RowParallel.forEachChunk(rows: rows) { chunk in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: m) { scratch in
                let v = scratch.baseAddress!
                for r in chunk {
                    outs[r] = Float(rowLogLikelihood(x: xs[r], row: ps + r * 3 * m, terms: v))
                }
            }
        }
    }

    /// log p(x) for one row; `terms` is scratch for M Doubles.
    @inline(__always)
    func rowLogLikelihood(x rawX: Float, row: UnsafePointer<Float>,
                          terms: UnsafeMutablePointer<Double>) -> Double {
        let m = mixtureCount
        let x = Double(min(max(rawX, -1), 1))
        let bin = BinRegion(x)
        let logNormaliser = logSumExp(row, count: m)
        for i in 0..<m {
            let logScale = Double(max(row[2 * m + i], logScaleMin))
            let c = DiscretizedLogistic.terms(x: x, bin: bin, mean: Double(row[m + i]), logScale: logScale)
            terms[i] = Double(row[i]) - logNormaliser + c.logMass
        }
        return logSumExp(terms, count: m)
    }

    // MARK: Backward

    public func backward(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>,
                         rows: Int, upstream: UnsafeBufferPointer<Float>,
                         paramsGradient: UnsafeMutableBufferPointer<Float>,
                         xGradient: UnsafeMutableBufferPointer<Float>?) {
        backwardRows(x: x, params: params, rows: rows, upstream: upstream, out: nil,
                     paramsGradient: paramsGradient, xGradient: xGradient)
    }

    /// One pass instead of two: the backward computes log p on its way anyway.
    public func logLikelihoodAndBackward(x: UnsafeBufferPointer<Float>,
                                         params: UnsafeBufferPointer<Float>, rows: Int,
                                         upstream: UnsafeBufferPointer<Float>,
                                         into out: UnsafeMutableBufferPointer<Float>,
                                         paramsGradient: UnsafeMutableBufferPointer<Float>,
                                         xGradient: UnsafeMutableBufferPointer<Float>?) {
        backwardRows(x: x, params: params, rows: rows, upstream: upstream, out: out,
                     paramsGradient: paramsGradient, xGradient: xGradient)
    }

    private func backwardRows(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>,
                              rows: Int, upstream: UnsafeBufferPointer<Float>,
                              out: UnsafeMutableBufferPointer<Float>?,
                              paramsGradient: UnsafeMutableBufferPointer<Float>,
                              xGradient: UnsafeMutableBufferPointer<Float>?) {
        checkRows(rows, params: params, vectors: ("x", x.count), ("upstream", upstream.count),
                  ("out", out?.count ?? rows), ("xGradient", xGradient?.count ?? rows))
        precondition(paramsGradient.count >= rows * parameterCount,
                     "\(Self.self): paramsGradient holds \(paramsGradient.count) floats, "
                        + "\(rows) rows x \(parameterCount) parameters need \(rows * parameterCount)")
        guard rows > 0, let xs = x.baseAddress, let ps = params.baseAddress,
              let us = upstream.baseAddress, let gps = paramsGradient.baseAddress else { return }
        let outs = out?.baseAddress
        let gxs = xGradient?.baseAddress
        let m = mixtureCount
        let lMin = logScaleMin
        RowParallel.forEachChunk(rows: rows) { chunk in
            // Per component: v = log pi + log p_i, d log p_i / dx, d log p_i / d l, pi.
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * m) { scratch in
                let v = scratch.baseAddress!
                let dz = v + m
                let dl = v + 2 * m
                let weight = v + 3 * m
                for r in chunk {
                    let row = ps + r * 3 * m
                    let grad = gps + r * 3 * m
                    let rawX = xs[r]
                    let x = Double(min(max(rawX, -1), 1))
                    let bin = BinRegion(x)
                    let logNormaliser = softmax(row, count: m, into: weight)
                    for i in 0..<m {
                        let logScale = Double(max(row[2 * m + i], lMin))
                        let c = DiscretizedLogistic.terms(x: x, bin: bin, mean: Double(row[m + i]),
                                                          logScale: logScale)
                        v[i] = Double(row[i]) - logNormaliser + c.logMass
                        dz[i] = c.dx
                        dl[i] = c.dLogScale
                    }
                    // v becomes the posterior responsibilities r_i = exp(v_i - log p).
                    let logP = softmax(v, count: m, into: v)
                    outs?[r] = Float(logP)
                    let g = Double(us[r])
                    var dx = 0.0
                    for i in 0..<m {
                        // d log p / d w_i = r_i - pi_i, d log p / d theta_i = r_i d log p_i / d theta_i.
                        let responsibility = v[i]
                        let gr = g * responsibility
                        grad[i] += Float(g * (responsibility - weight[i]))
                        grad[m + i] += Float(-gr * dz[i])
                        if row[2 * m + i] >= lMin { grad[2 * m + i] += Float(gr * dl[i]) }
                        dx += responsibility * dz[i]
                    }
                    if let gxs, rawX >= -1, rawX <= 1 { gxs[r] += Float(g * dx) }
                }
            }
        }
    }
}

/// Which bin formula applies at x: the two edge bins are open-ended (DESIGN §3: x < -1 + d
/// and x > 1 - d, i.e. exactly the first and last level, not the 8-bit "x < -0.999").
enum BinRegion {
    case first, interior, last

    @inline(__always)
    init(_ x: Double) {
        let d = DiscretizedMixtureOfLogistics.binHalfWidth
        self = x < -1 + d ? .first : (x > 1 - d ? .last : .interior)
    }
}

/// One logistic component's log bin mass and its derivatives.
enum DiscretizedLogistic {
    /// The formula used for a component, exposed for tests of the branch conditions.
    enum Branch: Equatable { case firstBin, lastBin, interior, tinyMass }

    /// log p_i(x) and its derivatives with respect to x and to the (already clamped) log-scale;
    /// d/d mean = -d/dx because everything depends on x - mean.
    struct Terms {
        var branch: Branch
        var logMass: Double
        var dx: Double
        var dLogScale: Double
    }

    static let logTinyMass = log(DiscretizedMixtureOfLogistics.tinyMassThreshold)
    static let logBinWidth = log(2 * DiscretizedMixtureOfLogistics.binHalfWidth)

    /// With s = e^l, a = (x + d - m)/s, b = (x - d - m)/s, mid = (x - m)/s, gap = a - b = 2d/s:
    /// - first bin:  log sigmoid(a) = -softplus(-a);  d/da = sigmoid(-a)
    /// - last bin:   log(1 - sigmoid(b)) = -softplus(b);  d/db = -sigmoid(b)
    /// - interior:   log(sigmoid(a) - sigmoid(b)) = -softplus(-a) - softplus(b) + log(1 - e^-gap);
    ///   d/dx = (sigmoid(-a) - sigmoid(b)) / s,
    ///   d/dl = -a sigmoid(-a) + b sigmoid(b) - gap e^-gap / (1 - e^-gap)
    /// - tiny mass (interior mass <= 1e-5): mid - l - 2 softplus(mid) + log(2d);
    ///   d/dx = (1 - 2 sigmoid(mid)) / s,  d/dl = -1 - mid (1 - 2 sigmoid(mid)).
    @inline(__always)
    static func terms(x: Double, bin: BinRegion, mean: Double, logScale l: Double) -> Terms {
        let d = DiscretizedMixtureOfLogistics.binHalfWidth
        let inverseScale = exp(-l)
        let centred = x - mean
        switch bin {
        case .first:
            let a = (centred + d) * inverseScale
            let (softplusNegA, sigmoidNegA) = softplusAndSigmoid(-a)
            return Terms(branch: .firstBin, logMass: -softplusNegA,
                         dx: sigmoidNegA * inverseScale, dLogScale: -a * sigmoidNegA)
        case .last:
            let b = (centred - d) * inverseScale
            let (softplusB, sigmoidB) = softplusAndSigmoid(b)
            return Terms(branch: .lastBin, logMass: -softplusB,
                         dx: -sigmoidB * inverseScale, dLogScale: b * sigmoidB)
        case .interior:
            let a = (centred + d) * inverseScale
            let b = (centred - d) * inverseScale
            let gap = 2 * d * inverseScale
            let oneMinusEGap = -expm1(-gap)              // 1 - e^-gap, accurate for small gap
            // e^-|a| and e^-|b| from one exp: when a and b have the same sign, |b| = |a| -+ gap.
            // gap < 1 keeps e^-gap = 1 - oneMinusEGap accurate (always so for l >= -9).
            let eGap = 1 - oneMinusEGap
            let sameSide = gap < 1 && (b >= 0 || a <= 0)
            let ea = expOfNegative(abs(a))
            let eb = sameSide ? (b >= 0 ? ea / eGap : ea * eGap) : expOfNegative(abs(b))
            let sigmoidNegA = a <= 0 ? 1 / (1 + ea) : ea / (1 + ea)
            let sigmoidB = b >= 0 ? 1 / (1 + eb) : eb / (1 + eb)
            // -softplus(-a) - softplus(b) + log(1 - e^-gap), with the three logs merged into one.
            let logMass = -max(-a, 0) - max(b, 0) + log(oneMinusEGap / ((1 + ea) * (1 + eb)))
            if logMass > logTinyMass {
                return Terms(branch: .interior, logMass: logMass,
                             dx: (sigmoidNegA - sigmoidB) * inverseScale,
                             dLogScale: -a * sigmoidNegA + b * sigmoidB
                                - gap * eGap / oneMinusEGap)
            }
            let mid = centred * inverseScale
            // |mid| = |a| -+ gap/2 on the same side, so e^-|mid| needs only a square root.
            let eMid = sameSide ? (b >= 0 ? ea / eGap.squareRoot() : ea * eGap.squareRoot())
                                : expOfNegative(abs(mid))
            let softplusMid = max(mid, 0) + log1p(eMid)
            let sigmoidMid = mid >= 0 ? 1 / (1 + eMid) : eMid / (1 + eMid)
            let slope = 1 - 2 * sigmoidMid
            return Terms(branch: .tinyMass, logMass: mid - l - 2 * softplusMid + logBinWidth,
                         dx: slope * inverseScale, dLogScale: -1 - mid * slope)
        }
    }
}
