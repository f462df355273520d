import Randomness
import Tensors

/// The common shape of every layer in this module.
///
/// A layer is a value holding its hyperparameters and its `Parameter`s (reference types, so
/// copies of a layer share weights and gradients). The forward/backward protocol, the same for
/// every layer (DESIGN §7):
///
///     let (y, cache) = layer.forward(x)          // cache: exactly what backward needs
///     let dx = layer.backward(dy, cache: cache)  // ADDS into each parameter's gradient
///
/// Caches are plain values, so a model may run several forwards (e.g. the teacher on two
/// conditionings) before calling the backwards, in any order. Backwards take
/// `parameterGradients: false` to skip the weight gradients when the weights are frozen (the
/// teacher during distillation): only the input gradient is computed then.
///
/// Sequence tensors are channels-last `[B, T, C]`, row-major.
public protocol Layer {
    /// Every trainable tensor of the layer, in a fixed order, named `prefix + ".suffix"`.
    var parameters: [Parameter] { get }
}

extension Layer {
    public var parameterSet: ParameterSet { ParameterSet(parameters) }
}

/// Weight initialisation shared by the layers.
enum Initialization {
    /// N(0, (scale / sqrt(fanIn))^2) weights (LeCun normal for scale 1; scale 0 gives zeros).
    static func normal(name: String, shape: [Int], fanIn: Int, scale: Float, rng: inout Philox) -> Parameter {
        let std = scale / Float(max(1, fanIn)).squareRoot()
        let value = std == 0 ? Tensor(shape: shape) : Tensor.normal(shape: shape, std: std, rng: &rng)
        return Parameter(name: name, value: value)
    }

    static func zeros(name: String, shape: [Int]) -> Parameter {
        Parameter(name: name, value: Tensor(shape: shape))
    }
}

/// Checks a sequence tensor's rank and channel count, naming the layer in the message.
@inline(__always)
func checkSequence(_ x: Tensor, channels: Int, _ layer: @autoclosure () -> String) {
    precondition(x.rank == 3 && x.shape[2] == channels,
                 "\(layer()): expected input [B, T, \(channels)], got \(x.shape)")
}
