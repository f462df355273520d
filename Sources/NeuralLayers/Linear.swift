import Randomness
import Tensors

/// A 1x1 convolution / fully connected layer over the last axis.
///
///     y[..., o] = sum_c x[..., c] * weight[c, o] + bias[o]
///
/// Shapes: input `[..., Cin]` (any leading axes, e.g. `[B, T, Cin]` or one step `[B, Cin]`),
/// output `[..., Cout]`. Parameters: `prefix.weight` `[Cin, Cout]`, `prefix.bias` `[Cout]`
/// (optional). All leading axes are flattened into rows, so one call is one GEMM.
public struct Linear: Layer {
    public let inputChannels: Int
    public let outputChannels: Int
    public let weight: Parameter
    public let bias: Parameter?

    /// - Parameter initialScale: weights are N(0, (initialScale / sqrt(Cin))^2); 0 gives zeros.
    public init(prefix: String, inputChannels: Int, outputChannels: Int, bias: Bool = true,
                initialScale: Float = 1, rng: inout Philox) {
        precondition(inputChannels > 0 && outputChannels > 0,
                     "\(prefix): channels must be positive, got \(inputChannels) -> \(outputChannels)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        weight = Initialization.normal(name: prefix + ".weight", shape: [inputChannels, outputChannels],
                                       fanIn: inputChannels, scale: initialScale, rng: &rng)
        self.bias = bias ? Initialization.zeros(name: prefix + ".bias", shape: [outputChannels]) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public struct Cache {
        /// The forward input (needed for the weight gradient).
        public let input: Tensor
    }

    public func forward(_ x: Tensor) -> (output: Tensor, cache: Cache) {
        (callAsFunction(x), Cache(input: x))
    }

    /// The forward without a cache (inference, cached sampling).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == inputChannels,
                     "\(weight.name): expected last axis \(inputChannels), got shape \(x.shape)")
        var y = Tensor(shape: Array(x.shape.dropLast()) + [outputChannels])
        let rows = x.rowCount
        x.withPointer { px in y.withMutablePointer { apply(px, rows: rows, into: $0) } }
        return y
    }

    /// dx from dy; adds dW = x^T dy and db = sum_rows dy into the parameter gradients.
    public func backward(_ dy: Tensor, cache: Cache, parameterGradients: Bool = true) -> Tensor {
        let x = cache.input
        precondition(dy.shape == Array(x.shape.dropLast()) + [outputChannels],
                     "\(weight.name): upstream gradient shape \(dy.shape) does not match output shape")
        let rows = x.rowCount
        var dx = Tensor(shape: x.shape)
        dy.withPointer { pdy in
            if parameterGradients {
                x.withPointer { px in accumulateParameterGradients(input: px, upstream: pdy, rows: rows) }
            }
            dx.withMutablePointer { inputGradient(pdy, rows: rows, into: $0) }
        }
        return dx
    }

    // MARK: Pointer forms (rows of Cin floats in, rows of Cout floats out)

    /// y = x W + b, or y += x W + b with `accumulate`. One row uses GEMV.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
                      accumulate: Bool = false, threading: BLAS.Threading = .compute) {
        guard rows > 0 else { return }
        weight.value.withPointer { w in
            if rows == 1 {
                BLAS.gemv(transpose: true, m: inputChannels, n: outputChannels, a: w, lda: outputChannels,
                          x: x, beta: accumulate ? 1 : 0, y: y)
            } else {
                BLAS.gemm(m: rows, n: outputChannels, k: inputChannels, a: x, lda: inputChannels,
                          b: w, ldb: outputChannels, beta: accumulate ? 1 : 0, c: y, ldc: outputChannels,
                          threading: threading)
            }
        }
        if let bias {
            bias.value.withPointer { Ops.addRowBias(y, rows: rows, bias: $0, columns: outputChannels) }
        }
    }

    /// weight.gradient += x^T dy; bias.gradient += column sums of dy.
    public func accumulateParameterGradients(input x: UnsafePointer<Float>, upstream dy: UnsafePointer<Float>,
                                             rows: Int) {
        guard rows > 0 else { return }
        weight.gradient.withMutablePointer { dw in
            BLAS.gemm(transposeA: true, m: inputChannels, n: outputChannels, k: rows, a: x, lda: inputChannels,
                      b: dy, ldb: outputChannels, beta: 1, c: dw, ldc: outputChannels)
        }
        bias?.gradient.withMutablePointer { db in
            Ops.accumulateColumnSums(dy, rows: rows, columns: outputChannels, into: db)
        }
    }

    /// dx = dy W^T, or dx += dy W^T with `accumulate`.
    public func inputGradient(_ dy: UnsafePointer<Float>, rows: Int, into dx: UnsafeMutablePointer<Float>,
                              accumulate: Bool = false) {
        guard rows > 0 else { return }
        weight.value.withPointer { w in
            BLAS.gemm(transposeB: true, m: rows, n: inputChannels, k: outputChannels, a: dy, lda: outputChannels,
                      b: w, ldb: outputChannels, beta: accumulate ? 1 : 0, c: dx, ldc: inputChannels)
        }
    }
}
