import Foundation
import Tensors

/// Adam (Kingma & Ba, 2015) with bias correction and optional decoupled weight decay (AdamW,
/// Loshchilov & Hutter, 2019), over one model's `ParameterSet`.
///
/// For each parameter, at its t-th update (t counted per parameter, from 1), with gradient g:
/// ```
/// m = beta1 m + (1 - beta1) g             v = beta2 v + (1 - beta2) g^2
/// m_hat = m / (1 - beta1^t)                v_hat = v / (1 - beta2^t)
/// p = p - lr * weight_decay * p - lr * m_hat / (sqrt(v_hat) + epsilon)
/// ```
/// Weight decay is decoupled: it shrinks the weights directly (using their value before this
/// update, scaled by the scheduled lr, as PyTorch's AdamW) instead of being added to g, so it is
/// not rescaled by the adaptive denominator. Bias correction makes the first update of a
/// constant gradient exactly lr in magnitude instead of lr * (1 - beta1) / sqrt(1 - beta2).
///
/// The state (m, v, t) is created zeroed for every parameter at construction, so the optimiser
/// is bound to one parameter list (same names, shapes and order) and says so if it is handed
/// another. `t` is per parameter so that a model grown by new layers can resume with fresh state
/// for those layers only (see `Adam(contentsOf:for:allowingNewParameters:)`).
public struct Adam {
    public var hyperparameters: AdamHyperparameters
    /// Number of `update` calls so far (the checkpoint's optimiser step).
    public internal(set) var step: Int = 0

    let names: [String]
    let shapes: [[Int]]
    var firstMoments: [[Float]]
    var secondMoments: [[Float]]
    /// Updates applied to each parameter (its t before the next update).
    var parameterSteps: [Int]

    /// Zeroed state for every parameter of `parameters`.
    public init(for parameters: ParameterSet, hyperparameters: AdamHyperparameters = AdamHyperparameters()) {
        self.hyperparameters = hyperparameters
        names = parameters.parameters.map(\.name)
        shapes = parameters.parameters.map(\.shape)
        firstMoments = parameters.parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = firstMoments
        parameterSteps = [Int](repeating: 0, count: names.count)
    }

    /// One Adam step on every parameter from its accumulated `gradient`. Gradients are read,
    /// not cleared. Throws before changing anything if `parameters` is not the list this
    /// optimiser was built for.
    public mutating func update(_ parameters: ParameterSet, learningRate: Double) throws(ParameterListMismatch) {
        try ParameterListMismatch.check(parameters, names: names, shapes: shapes, owner: "Adam")
        let h = hyperparameters
        for (i, parameter) in parameters.parameters.enumerated() {
            parameterSteps[i] += 1
            let t = Double(parameterSteps[i])
            // Bias corrections folded into two scalars, in double: beta2^t is close to 1 for
            // small t, and 1 - beta2^t loses digits in float.
            let coefficients = Coefficients(
                beta1: Float(h.beta1), oneMinusBeta1: Float(1 - h.beta1),
                beta2: Float(h.beta2), oneMinusBeta2: Float(1 - h.beta2),
                epsilon: Float(h.epsilon), decayFactor: Float(1 - learningRate * h.weightDecay),
                stepSize: Float(learningRate / (1 - pow(h.beta1, t))),
                inverseSqrtCorrection2: Float(1 / (1 - pow(h.beta2, t)).squareRoot()))
            let gradient = parameter.gradient
            gradient.withUnsafeBufferPointer { g in
                firstMoments[i].withUnsafeMutableBufferPointer { m in
                    secondMoments[i].withUnsafeMutableBufferPointer { v in
                        parameter.value.withUnsafeMutableBufferPointer { p in
                            Self.kernel(p: p, m: m, v: v, g: g, coefficients)
                        }
                    }
                }
            }
        }
        step += 1
    }

    struct Coefficients {
        var beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, decayFactor, stepSize, inverseSqrtCorrection2: Float
    }

    /// The update of one parameter. The buffers are passed by value (not as the `inout`
    /// closure arguments), so the compiler knows their base addresses do not change inside the
    /// loop and vectorises it (with `-fno-math-errno`, see Package.swift, sqrt is one instruction).
    private static func kernel(p: UnsafeMutableBufferPointer<Float>, m: UnsafeMutableBufferPointer<Float>,
                               v: UnsafeMutableBufferPointer<Float>, g: UnsafeBufferPointer<Float>, _ c: Coefficients) {
        for j in 0..<p.count {
            let gj = g[j]
            let mj = c.beta1 * m[j] + c.oneMinusBeta1 * gj
            let vj = c.beta2 * v[j] + c.oneMinusBeta2 * gj * gj
            m[j] = mj
            v[j] = vj
            p[j] = p[j] * c.decayFactor - c.stepSize * mj / (vj.squareRoot() * c.inverseSqrtCorrection2 + c.epsilon)
        }
    }

    /// The names of the parameters this optimiser updates, in order.
    public var parameterNames: [String] { names }

    /// The state of one parameter (copies), or nil for an unknown name.
    public func moments(of name: String) -> AdamMoments? {
        guard let i = names.firstIndex(of: name) else { return nil }
        return AdamMoments(name: name,
                           firstMoment: Tensor(shape: shapes[i], scalars: firstMoments[i]),
                           secondMoment: Tensor(shape: shapes[i], scalars: secondMoments[i]),
                           step: parameterSteps[i])
    }
}

/// One parameter's Adam state: m (`adam_m`), v (`adam_v`) and its update count t.
public struct AdamMoments: Sendable, Equatable {
    public var name: String
    public var firstMoment: Tensor
    public var secondMoment: Tensor
    public var step: Int
}
