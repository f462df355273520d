import Distributions
import Foundation
import Tensors

/// A teacher whose density is known in closed form: the autoregressive logistic process
///
///     x_t | x_<t ~ Logistic(a * x_{t-1}, s)      (x_{-1} = 0)
///
/// expressed as a one-component discretized mixture of logistics, θ_t = [0, a x_{t-1}, log s],
/// and ignoring the mel. An IAF student can represent it exactly (mu_tot[t] = a x[t-1],
/// s_tot = s), so distilling from it must drive the KL to ~0 and recover a and s: the
/// end-to-end test of the estimator, its gradients and the student's backward.
public struct LogisticAutoregressiveTeacher: DistillationTeacher {
    public let coefficient: Float
    public let scale: Float
    public let distribution: any OutputDistribution

    public init(coefficient: Float, scale: Float) throws {
        self.coefficient = coefficient
        self.scale = scale
        distribution = try DiscretizedMixtureOfLogistics(mixtureCount: 1, logScaleMin: -9)
    }

    public func parametersWithBackward(audio x: Tensor, mel: Tensor) -> (params: Tensor, backward: (Tensor) -> Tensor) {
        autoregressiveReferenceParameters(audio: x, coefficient: coefficient, scale: scale, rowWidth: 3,
                                          meanIndex: 1, logScaleIndex: 2)
    }
}
