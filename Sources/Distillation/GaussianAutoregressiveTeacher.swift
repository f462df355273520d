import Distributions
import Foundation
import Tensors

/// A Gaussian teacher whose density is known in closed form: the autoregressive process
///
///     x_t | x_<t ~ N(a * x_{t-1}, sigma)      (x_{-1} = 0)
///
/// as a Gaussian head, θ_t = [a x_{t-1}, log sigma], ignoring the mel. A Gaussian IAF student
/// represents it exactly (mu_tot[t] = a x[t-1], s_tot = sigma), so distilling from it with the
/// closed-form KL must drive the KL to ~0 and recover a and sigma: the end-to-end test of the
/// Gaussian variant, the counterpart of `LogisticAutoregressiveTeacher`.
public struct GaussianAutoregressiveTeacher: DistillationTeacher {
    public let coefficient: Float
    public let scale: Float
    public let distribution: any OutputDistribution

    public init(coefficient: Float, scale: Float) throws {
        self.coefficient = coefficient
        self.scale = scale
        distribution = try GaussianOutput(logScaleMin: -9)
    }

    public func parametersWithBackward(audio x: Tensor, mel: Tensor) -> (params: Tensor, backward: (Tensor) -> Tensor) {
        autoregressiveReferenceParameters(audio: x, coefficient: coefficient, scale: scale, rowWidth: 2,
                                          meanIndex: 0, logScaleIndex: 1)
    }
}
