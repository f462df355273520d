import Foundation
import Tensors

/// The elementwise part of one IAF flow step and its adjoint (DESIGN §4). With flow i's
/// mu_i, log s_i and s_i = exp(log s_i), all `[B, T, 1]` and all t in parallel:
///
///     x_i     = x_{i-1} * s_i + mu_i          the sample
///     M_i     = M_{i-1} * s_i + mu_i          mu_tot after i flows   (M_0 = 0)
///     L_i     = L_{i-1} + log s_i             log s_tot after i flows (L_0 = 0)
///
/// By induction x_i = M_i + exp(L_i) * z: x_i[t] is affine in z[t] with slope s_tot[t], and
/// M_i[t], L_i[t] depend on z_<t only.
///
/// Backward (upstream dx_i, dM_i, dL_i; the products are elementwise):
///
///     d mu_i      = dx_i + dM_i                               (both sums add mu_i with slope 1)
///     d s_i       = dx_i * x_{i-1} + dM_i * M_{i-1}
///     d log s_i   = dL_i + d s_i * s_i                        (d exp(l)/dl = exp(l) = s_i)
///     dx_{i-1}    = dx_i * s_i       (+ the network's own path, added by the caller)
///     dM_{i-1}    = dM_i * s_i
///     dL_{i-1}    = dL_i
enum AffineComposition {
    /// What the backward of step i needs: its inputs x_{i-1}, M_{i-1} and its scale s_i.
    struct Cache {
        let input: Tensor
        let meanBefore: Tensor
        let scale: Tensor
    }

    /// One step in place: (x, M, L) <- (x * s + mu, M * s + mu, L + log s), s = exp(log s).
    /// Returns the cache for `backward` when `keepCache` is set.
    static func forward(x: inout Tensor, mean: inout Tensor, logScale: inout Tensor,
                        flowMean mu: Tensor, flowLogScale l: Tensor, keepCache: Bool) -> Cache? {
        precondition(x.shape == mu.shape && mean.shape == mu.shape && logScale.shape == mu.shape && l.shape == mu.shape,
                     "student: composition shapes differ (\(x.shape), \(mean.shape), \(logScale.shape), \(mu.shape), \(l.shape))")
        let s = Ops.exp(l)
        let cache = keepCache ? Cache(input: x, meanBefore: mean, scale: s) : nil
        let n = mu.count
        mu.withPointer { pmu in
            l.withPointer { pl in
                s.withPointer { ps in
                    x.withMutablePointer { px in
                        mean.withMutablePointer { pm in
                            logScale.withMutablePointer { pL in
                                for t in 0..<n {
                                    px[t] = px[t] * ps[t] + pmu[t]
                                    pm[t] = pm[t] * ps[t] + pmu[t]
                                    pL[t] += pl[t]
                                }
                            }
                        }
                    }
                }
            }
        }
        return cache
    }

    /// One step backwards in place: (dx, dM, dL) of step i become those of step i - 1
    /// (without the network's path into dx_{i-1}); returns (d mu_i, d log s_i).
    static func backward(dx: inout Tensor, dMean: inout Tensor, dLogScale: Tensor,
                         cache: Cache) -> (mean: Tensor, logScale: Tensor) {
        let shape = cache.scale.shape
        precondition(dx.shape == shape && dMean.shape == shape && dLogScale.shape == shape,
                     "student: composition gradient shapes differ from \(shape)")
        var dMu = Tensor(shape: shape), dL = Tensor(shape: shape)
        let n = cache.scale.count
        cache.input.withPointer { xPrev in
            cache.meanBefore.withPointer { mPrev in
                cache.scale.withPointer { s in
                    dLogScale.withPointer { dLi in
                        dx.withMutablePointer { dX in
                            dMean.withMutablePointer { dM in
                                dMu.withMutablePointer { dmu in
                                    dL.withMutablePointer { dl in
                                        for t in 0..<n {
                                            dmu[t] = dX[t] + dM[t]
                                            let ds = dX[t] * xPrev[t] + dM[t] * mPrev[t]
                                            dl[t] = dLi[t] + ds * s[t]
                                            dX[t] *= s[t]
                                            dM[t] *= s[t]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dMu, dL)
    }
}
