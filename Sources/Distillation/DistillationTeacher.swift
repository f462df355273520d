import Distributions
import Tensors
import Teacher

/// What the distillation needs from a teacher: its output distribution, and for a waveform x
/// the per-step parameters θ_t (which depend on x_<t only) together with the map
/// dL/dθ -> dL/dx. The teacher is frozen: its weights get no gradient.
///
/// `WaveNet` is the real teacher; `LogisticAutoregressiveTeacher` is a closed-form one whose
/// density is known exactly, used to prove the whole distillation chain in tests.
public protocol DistillationTeacher {
    var distribution: any OutputDistribution { get }
    /// θ `[B, T, P]` for x `[B, T, 1]` under mel `[B, F, Cmel]`, and the backward map from
    /// dL/dθ to dL/dx (`[B, T, 1]`).
    func parametersWithBackward(audio x: Tensor, mel: Tensor) -> (params: Tensor, backward: (Tensor) -> Tensor)
}

extension WaveNet: DistillationTeacher {
    public func parametersWithBackward(audio x: Tensor, mel: Tensor) -> (params: Tensor, backward: (Tensor) -> Tensor) {
        let (params, cache) = forward(audio: x, mel: mel)
        return (params, { dParams in self.backward(params: dParams, cache: cache, parameterGradients: false) })
    }
}
