import Foundation
import Randomness

/// The logistic distribution of the IAF student (DESIGN §4): the base noise z ~ Logistic(0, 1),
/// and, after the flows, x_t | z_<t ~ Logistic(mu_tot, s_tot).
///
/// Parametrised by the mean and the log-scale, as the student computes them. With
/// u = (x - mu)/s:  log p(x) = -u - log s - 2 softplus(-u).
/// Gradients: with q = 2 sigmoid(-u) - 1 = d/du (-u - 2 softplus(-u)),
/// d/dx = q/s, d/dmu = -q/s, d/d(log s) = -1 - u q.
public enum Logistic {
    /// log p(x; mu, s) with s = e^logScale.
    @inlinable
    public static func logPDF(_ x: Float, mean: Float, logScale: Float) -> Float {
        let u = (Double(x) - Double(mean)) * exp(-Double(logScale))
        return Float(-u - Double(logScale) - 2 * softplus(-u))
    }

    /// d log p / d(x, mean, logScale).
    @inlinable
    public static func logPDFGradient(_ x: Float, mean: Float, logScale: Float)
        -> (x: Float, mean: Float, logScale: Float) {
        let inverseScale = exp(-Double(logScale))
        let u = (Double(x) - Double(mean)) * inverseScale
        let q = 2 * sigmoid(-u) - 1
        return (Float(q * inverseScale), Float(-q * inverseScale), Float(-1 - u * q))
    }

    /// Differential entropy log s + 2: the analytic half of the distillation KL (DESIGN §5).
    @inlinable
    public static func entropy(logScale: Float) -> Float { logScale + 2 }

    /// mu + s * (log r - log(1 - r)), r uniform on the open interval (0, 1).
    @inlinable
    public static func sample(mean: Float, logScale: Float, rng: inout Philox) -> Float {
        Float(Double(mean) + exp(Double(logScale)) * Double(rng.nextLogistic()))
    }

    /// out[i] = log p(x[i]; mean[i], e^logScale[i]) for `count` elements.
    public static func logPDF(x: UnsafeBufferPointer<Float>, mean: UnsafeBufferPointer<Float>,
                              logScale: UnsafeBufferPointer<Float>, count: Int,
                              into out: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count >= count && mean.count >= count && logScale.count >= count
                        && out.count >= count,
                     "Logistic.logPDF: every buffer needs \(count) elements, got x \(x.count), "
                        + "mean \(mean.count), logScale \(logScale.count), out \(out.count)")
        for i in 0..<count { out[i] = logPDF(x[i], mean: mean[i], logScale: logScale[i]) }
    }

    /// Adds upstream[i] * d log p_i / d(x, mean, logScale) into the three gradient buffers.
    public static func logPDFBackward(x: UnsafeBufferPointer<Float>, mean: UnsafeBufferPointer<Float>,
                                      logScale: UnsafeBufferPointer<Float>, count: Int,
                                      upstream: UnsafeBufferPointer<Float>,
                                      xGradient: UnsafeMutableBufferPointer<Float>,
                                      meanGradient: UnsafeMutableBufferPointer<Float>,
                                      logScaleGradient: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count >= count && mean.count >= count && logScale.count >= count
                        && upstream.count >= count && xGradient.count >= count
                        && meanGradient.count >= count && logScaleGradient.count >= count,
                     "Logistic.logPDFBackward: every buffer needs \(count) elements")
        for i in 0..<count {
            let g = upstream[i]
            let d = logPDFGradient(x[i], mean: mean[i], logScale: logScale[i])
            xGradient[i] += g * d.x
            meanGradient[i] += g * d.mean
            logScaleGradient[i] += g * d.logScale
        }
    }

    @usableFromInline
    static func softplus(_ t: Double) -> Double { max(t, 0) + log1p(exp(-abs(t))) }

    @usableFromInline
    static func sigmoid(_ t: Double) -> Double {
        let e = exp(-abs(t))
        return t >= 0 ? 1 / (1 + e) : e / (1 + e)
    }
}
