import Foundation
import Randomness

/// The ClariNet teacher head: a single Gaussian per time step, whose closed-form KL to a
/// Gaussian student (`GaussianKL`) replaces Monte Carlo distillation.
///
/// Row layout (`parameterCount` = 2): `[m, l]`, mean and log-scale (standard deviation e^l).
/// l is clamped below at `logScaleMin` (gradient zero below the clamp, passed at it), and
/// log p(x) = -(x - m)^2 / (2 e^2l) - l - log(2 pi) / 2.
///
/// Unlike the discretized heads, x is not clipped: this is a density on the real line, and its
/// x-gradient -(x - m) / e^2l is always used.
public struct GaussianOutput: OutputDistribution {
    public let logScaleMin: Float

    /// - Parameter logScaleMin: lower clamp of l; -9 by default, the same as the mixture head,
    ///   so a collapsing scale cannot send log p to infinity.
    public init(logScaleMin: Float = -9) throws {
        guard logScaleMin.isFinite else { throw DistributionError.invalidLogScaleMin(logScaleMin) }
        self.logScaleMin = logScaleMin
    }

    public var parameterCount: Int { 2 }
    public var providesInputGradient: Bool { true }

    public func logLikelihood(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>,
                              rows: Int, into out: UnsafeMutableBufferPointer<Float>) {
        checkRows(rows, params: params, vectors: ("x", x.count), ("out", out.count))
        for r in 0..<rows {
            let l = Double(max(params[2 * r + 1], logScaleMin))
            let z = (Double(x[r]) - Double(params[2 * r])) * exp(-l)
            out[r] = Float(-0.5 * z * z - l - 0.5 * log2Pi)
        }
    }

    /// With z = (x - m)/s: d/dm = z/s, d/dl = z^2 - 1, d/dx = -z/s.
    public func backward(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>,
                         rows: Int, upstream: UnsafeBufferPointer<Float>,
                         paramsGradient: UnsafeMutableBufferPointer<Float>,
                         xGradient: UnsafeMutableBufferPointer<Float>?) {
        checkRows(rows, params: params, vectors: ("x", x.count), ("upstream", upstream.count),
                  ("xGradient", xGradient?.count ?? rows))
        precondition(paramsGradient.count >= rows * parameterCount,
                     "\(Self.self): paramsGradient holds \(paramsGradient.count) floats, "
                        + "\(rows) rows x \(parameterCount) parameters need \(rows * parameterCount)")
        for r in 0..<rows {
            let rawL = params[2 * r + 1]
            let inverseScale = exp(-Double(max(rawL, logScaleMin)))
            let z = (Double(x[r]) - Double(params[2 * r])) * inverseScale
            let g = Double(upstream[r])
            paramsGradient[2 * r] += Float(g * z * inverseScale)
            if rawL >= logScaleMin { paramsGradient[2 * r + 1] += Float(g * (z * z - 1)) }
            xGradient?[r] += Float(-g * z * inverseScale)
        }
    }

    /// m + temperature * s * n with n standard normal, clipped to [-1, 1] so every head returns
    /// a waveform value. Temperature 0 returns the mean; one normal is drawn per call always.
    public func sample(params: UnsafeBufferPointer<Float>, rng: inout Philox,
                       temperature: Float) -> Float {
        checkTemperature(temperature)
        precondition(params.count >= parameterCount,
                     "\(Self.self): a row needs \(parameterCount) parameters, got \(params.count)")
        let noise = Double(rng.nextNormal())
        let scale = exp(Double(max(params[1], logScaleMin)))
        let x = Double(params[0]) + Double(temperature) * scale * noise
        return Float(min(max(x, -1), 1))
    }
}
