import Tensors

/// What the student computes from noise z `[B, T, 1]`, every tensor `[B, T, 1]`:
///
///     x         = x_N                 the sample (the output of the last flow)
///     mean      = mu_tot              x_N[t] | z_<t ~ Base(mu_tot[t], s_tot[t]), Base = `config.base`
///     logScale  = log s_tot           = sum_i log s_i
///
/// so that x = mean + exp(logScale) * z (up to float rounding), and mean[t], logScale[t]
/// depend on z_<t only (DESIGN §4).
public struct StudentOutput: Sendable {
    public var x: Tensor
    public var mean: Tensor
    public var logScale: Tensor

    public init(x: Tensor, mean: Tensor, logScale: Tensor) {
        self.x = x
        self.mean = mean
        self.logScale = logScale
    }
}
