import Distributions
import Foundation
import Tensors

/// The closed-form distillation KL of ClariNet (DESIGN §5): a Gaussian student, x_t | z_<t ~
/// N(m_S[t], s_S[t]) with m_S = mu_tot, s_S = s_tot, against a Gaussian teacher head run once on
/// the student's waveform x, θ_t = [m_T[t], l_T[t]] depending on x_<t only. Per sample:
///
///     KL  = mean_t [ log s_T - log s_S + (s_S^2 + (m_S - m_T)^2) / (2 s_T^2) - 1/2 ]
///     R   = mean_t lambda (log s_T - log s_S)^2                    (the regulariser)
///
/// (`GaussianKL` per step). No sampling: KL is exact given x, so its gradient has no Monte-Carlo
/// noise. l_T is the teacher's raw log-scale floored at the head's `logScaleMin`, as the head
/// scores samples (its gradient is zero below the floor). Gradients reach the student directly
/// through (m_S, log s_S), and through x via d/dθ, which the caller maps to d/dx with the frozen
/// teacher's backward.
public struct GaussianDistillation: Sendable {
    public let head: GaussianOutput
    public let lambda: Float
    private let plain: GaussianKL
    private let regularised: GaussianKL

    /// - Parameter lambda: weight of the log-scale regulariser (`losses.gaussian_kl_lambda`).
    public init(head: GaussianOutput, lambda: Float) throws {
        self.head = head
        self.lambda = lambda
        plain = try GaussianKL(lambda: 0)
        regularised = try GaussianKL(lambda: lambda)
    }

    /// Values per sample (nats), and the gradients of `weight * (kl + regulariser)`.
    public struct Divergence {
        /// mean_t KL_t.
        public var kl: Double
        /// mean_t lambda (l_T - l_S)^2; 0 when not asked for.
        public var regulariser: Double
        /// d/dθ `[B, T, 2]`.
        public var params: Tensor
        /// d/d mu_tot and d/d log s_tot, `[B, T, 1]`.
        public var mean: Tensor
        public var logScale: Tensor
    }

    /// KL (and with `regularise` the regulariser) for student mean and log-scale `[B, T, 1]`
    /// and teacher parameters `[B, T, 2]`; with `weight` != 0 also the gradients of
    /// weight * (kl + regulariser), returned fresh.
    public func divergence(mean: Tensor, logScale: Tensor, teacherParams: Tensor, regularise: Bool,
                           weight: Float) -> Divergence {
        let rows = mean.count
        precondition(logScale.count == rows && teacherParams.count == rows * 2,
                     "GaussianDistillation: mean \(mean.shape), log-scale \(logScale.shape), teacher params \(teacherParams.shape) (expected [B, T, 2])")
        let kl = regularise ? regularised : plain
        let floor = head.logScaleMin
        var dParams = Tensor(shape: teacherParams.shape)
        var dMean = Tensor(shape: mean.shape), dLogScale = Tensor(shape: logScale.shape)
        let upstream = weight / Float(max(1, rows))
        var klSum = 0.0, penaltySum = 0.0
        mean.withPointer { ms in
            logScale.withPointer { ls in
                teacherParams.withPointer { ps in
                    dParams.withMutablePointer { dp in
                        dMean.withMutablePointer { dm in
                            dLogScale.withMutablePointer { dl in
                                for r in 0..<rows {
                                    let rawL = ps[2 * r + 1]
                                    let lT = max(rawL, floor)
                                    let (mS, lS, mT) = (ms[r], ls[r], ps[2 * r])
                                    klSum += Double(plain.divergence(studentMean: mS, studentLogScale: lS,
                                                                     teacherMean: mT, teacherLogScale: lT))
                                    let gap = Double(lT) - Double(lS)
                                    if regularise { penaltySum += Double(lambda) * gap * gap }
                                    guard weight != 0 else { continue }
                                    let g = kl.gradient(studentMean: mS, studentLogScale: lS, teacherMean: mT, teacherLogScale: lT)
                                    dm[r] = upstream * g.studentMean
                                    dl[r] = upstream * g.studentLogScale
                                    dp[2 * r] = upstream * g.teacherMean
                                    dp[2 * r + 1] = rawL >= floor ? upstream * g.teacherLogScale : 0
                                }
                            }
                        }
                    }
                }
            }
        }
        let n = Double(max(1, rows))
        return Divergence(kl: klSum / n, regulariser: penaltySum / n, params: dParams, mean: dMean, logScale: dLogScale)
    }

    /// H(P_S) = mean_t log s_tot[t] + log(2 pi e)/2 per sample.
    public static func entropy(logScale: Tensor) -> Double {
        logScale.scalars.reduce(0.0) { $0 + Double($1) } / Double(max(1, logScale.count)) + Normal.standardEntropy
    }
}
