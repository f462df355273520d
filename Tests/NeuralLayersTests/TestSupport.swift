import GradientCheck
import Randomness
import Tensors
@testable import NeuralLayers

/// Shared helpers: random tensors, parameter gradient checks and naive references.
enum Support {
    static func random(_ shape: [Int], _ rng: inout Philox, std: Float = 1) -> Tensor {
        Tensor.normal(shape: shape, std: std, rng: &rng)
    }

    /// Gives every parameter a random non-zero value (biases start at zero, which would hide
    /// a dropped bias term in the forward).
    static func randomize(_ parameters: [Parameter], _ rng: inout Philox, std: Float = 0.5) {
        for p in parameters { p.value = random(p.shape, &rng, std: std) }
    }

    /// Checks `p.gradient` (which the caller filled by one backward from zero) against central
    /// differences of `loss`, restoring the parameter afterwards.
    static func check(_ p: Parameter, checker: GradientChecker = GradientChecker(),
                      loss: @escaping () -> Double) -> GradientChecker.Result {
        let original = p.value
        defer { p.value = original }
        return checker.check(name: p.name, at: original, analytic: p.gradient) { t in
            p.value = t
            return loss()
        }
    }

    static func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)")
        return zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// The causal dilated conv by its defining loops (DESIGN §3), in Double.
    static func naiveConv(_ x: Tensor, weight w: Tensor, bias: Tensor?, dilation d: Int) -> Tensor {
        let (batch, length, ci) = (x.shape[0], x.shape[1], x.shape[2])
        let (k, co) = (w.shape[0], w.shape[2])
        var y = Tensor(shape: [batch, length, co])
        for b in 0..<batch {
            for t in 0..<length {
                for o in 0..<co {
                    var s = Double(bias?[o] ?? 0)
                    for j in 0..<k {
                        let src = t - (k - 1 - j) * d
                        guard src >= 0 else { continue }
                        for c in 0..<ci { s += Double(w[j, c, o]) * Double(x[b, src, c]) }
                    }
                    y[b, t, o] = Float(s)
                }
            }
        }
        return y
    }
}
