import Tensors

/// The global gradient norm before clipping and the factor the gradients were multiplied by.
public struct GradientNorm: Sendable, Equatable {
    /// sqrt(sum of squares of every gradient element), accumulated in double. Log it every step:
    /// its trend shows instability long before the loss does.
    public var norm: Double
    /// 1 when the norm was within bounds; maxNorm / norm otherwise.
    public var scale: Double
    public var wasClipped: Bool { scale < 1 }
}

extension ParameterSet {
    /// The L2 norm of all gradients taken together, accumulated in double.
    public func gradientGlobalNorm() -> Double {
        parameters.reduce(0.0) { $0 + Ops.sumOfSquares($1.gradient) }.squareRoot()
    }

    /// Clipping by global norm (Pascanu et al., 2013): if the norm of all gradients together
    /// exceeds `maxNorm`, every gradient is scaled by the same factor maxNorm / norm, which keeps
    /// the update's direction. Gradients within bounds are left untouched (bit for bit).
    /// A non-finite norm is returned as is, and nothing is scaled: check
    /// `checkGradientsAreFinite()` first and skip such a step.
    @discardableResult
    public func clipGradients(maxGlobalNorm maxNorm: Double) -> GradientNorm {
        precondition(maxNorm > 0, "maxGlobalNorm must be positive, got \(maxNorm)")
        let norm = gradientGlobalNorm()
        guard norm.isFinite, norm > maxNorm else { return GradientNorm(norm: norm, scale: 1) }
        let scale = maxNorm / norm
        let factor = Float(scale)
        for parameter in parameters {
            parameter.gradient.withUnsafeMutableBufferPointer { buffer in
                let g = buffer  // a copy of the inout argument, so the loop vectorises
                for j in 0..<g.count { g[j] *= factor }
            }
        }
        return GradientNorm(norm: norm, scale: scale)
    }
}
