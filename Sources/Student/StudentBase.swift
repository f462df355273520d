import Distributions
import Randomness
import Tensors

/// The base distribution of the student's noise z (YAML `student.base`):
///
///     logistic   z_t ~ Logistic(0, 1)   Parallel WaveNet; distilled by the Monte-Carlo KL
///     gaussian   z_t ~ N(0, 1)          ClariNet; distilled by the closed-form KL against a
///                                       Gaussian teacher head
///
/// The flows are affine in z[t] with slope s_tot[t], so x_N[t] | z_<t has the base's shape
/// with location mu_tot[t] and scale s_tot[t]: log p_S(x_t | x_<t) = log p_base(z_t) - log s_tot[t]
/// and its entropy is log s_tot[t] + H(base). Everything that draws student noise (training,
/// validation, synthesis) draws it from `fill`.
public enum StudentBase: String, Codable, Sendable, CaseIterable {
    case logistic, gaussian

    /// Fills `buffer` with standard draws, one Philox call per value in order
    /// (`nextLogistic` or `nextNormal`), so a position always gets the same value for a stream.
    public func fill(_ buffer: UnsafeMutableBufferPointer<Float>, rng: inout Philox) {
        switch self {
        case .logistic: rng.fillLogistic(buffer)
        case .gaussian: rng.fillNormal(buffer)
        }
    }

    /// `[shape]` of standard draws.
    public func noise(shape: [Int], rng: inout Philox) -> Tensor {
        var z = Tensor(shape: shape)
        z.withUnsafeMutableBufferPointer { fill($0, rng: &rng) }
        return z
    }

    /// `[B, ...]` of standard draws, batch item b's from `streams[b]` (`CropStreams`); with
    /// fewer streams than items, stream j draws for the j-th equal run of consecutive items.
    public func noise(shape: [Int], streams: inout [Philox]) -> Tensor {
        var z = Tensor(shape: shape)
        let items = streams.count
        precondition(items >= 1 && (shape.first ?? 0) % items == 0, "\(items) streams for shape \(shape)")
        let per = z.count / max(1, items)
        z.withUnsafeMutableBufferPointer { all in
            for b in 0..<items {
                fill(UnsafeMutableBufferPointer(rebasing: all[(b * per)..<((b + 1) * per)]), rng: &streams[b])
            }
        }
        return z
    }

    /// log p(z) of the standard base.
    @inlinable
    public func standardLogPDF(_ z: Float) -> Float {
        switch self {
        case .logistic: return Logistic.logPDF(z, mean: 0, logScale: 0)
        case .gaussian: return Normal.logPDF(z, mean: 0, logScale: 0)
        }
    }

    /// Entropy of the standard base (nats): 2 (logistic), log(2 pi e)/2 ~ 1.4189 (gaussian).
    /// The per-step entropy of the student is log s_tot[t] plus this.
    public var standardEntropy: Double {
        switch self {
        case .logistic: return Double(Logistic.entropy(logScale: 0))
        case .gaussian: return Normal.standardEntropy
        }
    }

    /// Standard deviation of the standard base: pi / sqrt(3) (logistic), 1 (gaussian).
    public var standardDeviation: Double {
        switch self {
        case .logistic: return Double.pi / 3.0.squareRoot()
        case .gaussian: return 1
        }
    }
}
