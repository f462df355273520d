import Distributions
import Foundation
import Randomness
import Tensors

/// The probability density distillation estimator (DESIGN §5), per sample:
///
///     KL(P_S || P_T) = H(P_S, P_T) - H(P_S)
///     H(P_S)      = mean_t log s_tot[t] + 2                                  (analytic)
///     H(P_S, P_T) ~= -mean_t (1/K) sum_k log p_T(mu_tot[t] + s_tot[t] e_{t,k} | x_<t),  e ~ Logistic(0, 1)
///
/// with the teacher run once on the student's waveform x. Gradients reach the student through
/// the K samples (d/d mu_tot and d/d log s_tot) and through θ_t's dependence on x_<t.
///
/// Densities, not masses: the MoL teacher gives the probability of a 16-bit bin, which is its
/// piecewise-uniform density times the bin width 2d. The cross-entropy adds back log(2d) so it
/// is the cross-entropy with that density, and KL >= 0 with equality when the student matches
/// the teacher. (Without it the estimate is offset by -log(2d) = 10.4 nats.)
public struct DensityDistillation {
    public let distribution: any OutputDistribution
    /// K: fresh samples per time step for the cross-entropy.
    public let samples: Int

    public init(distribution: any OutputDistribution, samples: Int) {
        self.distribution = distribution
        self.samples = samples
    }

    /// log of the width of one output bin (0 for a continuous head).
    public var logBinWidth: Double {
        distribution is DiscretizedMixtureOfLogistics ? Foundation.log(2 * DiscretizedMixtureOfLogistics.binHalfWidth) : 0
    }

    /// The result of one estimate: values per sample (nats), and the gradients of
    /// `weight * crossEntropy` when requested.
    public struct CrossEntropy {
        public var value: Double
        /// d/dθ `[B, T, P]`.
        public var params: Tensor
        /// d/d mu_tot and d/d log s_tot, `[B, T, 1]`.
        public var mean: Tensor
        public var logScale: Tensor
    }

    /// H(P_S, P_T) by Monte Carlo with `samples` draws per step; with `weight` != 0 also the
    /// gradients of weight * H(P_S, P_T) (added into nothing: returned fresh).
    public func crossEntropy(mean: Tensor, logScale: Tensor, teacherParams: Tensor, weight: Float,
                             rng: inout Philox) -> CrossEntropy {
        var streams = [rng]
        defer { rng = streams[0] }
        return crossEntropy(mean: mean, logScale: logScale, teacherParams: teacherParams, weight: weight,
                            streams: &streams)
    }

    /// The same, with batch item b's draws (`mean` is `[B, T, 1]`) taken from `streams[b]`, so
    /// an item's samples do not depend on the other items of its batch (`CropStreams`); with
    /// fewer streams than items, each draws for an equal run of consecutive items.
    public func crossEntropy(mean: Tensor, logScale: Tensor, teacherParams: Tensor, weight: Float,
                             streams: inout [Philox]) -> CrossEntropy {
        let rows = mean.count
        let items = streams.count
        precondition(items >= 1 && rows % items == 0, "\(items) streams for \(rows) rows")
        let rowsPerItem = rows / items
        let p = distribution.parameterCount
        precondition(teacherParams.count == rows * p, "teacher params \(teacherParams.shape) for \(rows) steps")
        let scale = logScale.scalars.map { Float(Foundation.exp(Double($0))) }
        var dParams = Tensor(shape: teacherParams.shape)
        var dMean = Tensor(shape: mean.shape)
        var dLogScale = Tensor(shape: logScale.shape)
        let upstream = [Float](repeating: -weight / Float(rows * samples), count: rows)
        var noise = [Float](repeating: 0, count: rows)
        var x = [Float](repeating: 0, count: rows)
        var logp = [Float](repeating: 0, count: rows)
        var dx = [Float](repeating: 0, count: rows)
        var total = 0.0
        for _ in 0..<samples {
            noise.withUnsafeMutableBufferPointer { all in
                for b in 0..<items {
                    streams[b].fillLogistic(UnsafeMutableBufferPointer(rebasing: all[(b * rowsPerItem)..<((b + 1) * rowsPerItem)]))
                }
            }
            for r in 0..<rows { x[r] = mean.scalars[r] + scale[r] * noise[r] }
            for r in 0..<rows { dx[r] = 0 }
            x.withUnsafeBufferPointer { xs in
                teacherParams.withUnsafeBufferPointer { ps in
                    upstream.withUnsafeBufferPointer { us in
                        logp.withUnsafeMutableBufferPointer { lp in
                            dParams.withUnsafeMutableBufferPointer { dp in
                                dx.withUnsafeMutableBufferPointer { dxs in
                                    distribution.logLikelihoodAndBackward(
                                        x: xs, params: ps, rows: rows, upstream: us, into: lp,
                                        paramsGradient: dp, xGradient: weight == 0 ? nil : dxs)
                                }
                            }
                        }
                    }
                }
            }
            for r in 0..<rows { total += Double(logp[r]) }
            if weight != 0 {
                // x' = mu + s e: dx'/dmu = 1, dx'/d log s = s e.
                for r in 0..<rows {
                    dMean.scalars[r] += dx[r]
                    dLogScale.scalars[r] += dx[r] * scale[r] * noise[r]
                }
            }
        }
        let value = -total / Double(rows * samples) + logBinWidth
        return CrossEntropy(value: value, params: dParams, mean: dMean, logScale: dLogScale)
    }

    /// H(P_S) = mean_t log s_tot[t] + 2 per sample.
    public static func entropy(logScale: Tensor) -> Double {
        logScale.scalars.reduce(0.0) { $0 + Double($1) } / Double(max(1, logScale.count)) + 2
    }
}
