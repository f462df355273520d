import Foundation
import Randomness

/// The normal distribution of the Gaussian (ClariNet) IAF student: the base noise z ~ N(0, 1),
/// and, after the flows, x_t | z_<t ~ N(mu_tot, s_tot). The counterpart of `Logistic`.
///
/// Parametrised by the mean and the log of the standard deviation, as the student computes
/// them. With u = (x - mu)/s:  log p(x) = -u^2/2 - log s - log(2 pi)/2.
/// Gradients: d/dx = -u/s, d/dmu = u/s, d/d(log s) = u^2 - 1.
public enum Normal {
    /// log p(x; mu, s) with s = e^logScale.
    @inlinable
    public static func logPDF(_ x: Float, mean: Float, logScale: Float) -> Float {
        let u = (Double(x) - Double(mean)) * exp(-Double(logScale))
        return Float(-0.5 * u * u - Double(logScale) - 0.5 * logTwoPi)
    }

    /// d log p / d(x, mean, logScale).
    @inlinable
    public static func logPDFGradient(_ x: Float, mean: Float, logScale: Float)
        -> (x: Float, mean: Float, logScale: Float) {
        let inverseScale = exp(-Double(logScale))
        let u = (Double(x) - Double(mean)) * inverseScale
        return (Float(-u * inverseScale), Float(u * inverseScale), Float(u * u - 1))
    }

    /// Differential entropy log s + log(2 pi e)/2 (~ log s + 1.4189): the analytic half of the
    /// distillation KL with a Gaussian student.
    @inlinable
    public static func entropy(logScale: Float) -> Float { Float(Double(logScale) + standardEntropy) }

    /// log(2 pi e)/2, the entropy of N(0, 1).
    public static let standardEntropy = 0.5 * (logTwoPi + 1)

    @usableFromInline
    static let logTwoPi = log(2 * Double.pi)

    /// mu + s * n, n ~ N(0, 1) (`Philox.nextNormal`).
    @inlinable
    public static func sample(mean: Float, logScale: Float, rng: inout Philox) -> Float {
        Float(Double(mean) + exp(Double(logScale)) * Double(rng.nextNormal()))
    }
}
