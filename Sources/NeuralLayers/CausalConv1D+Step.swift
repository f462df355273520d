import Tensors

/// One-step form of the causal conv for cached sampling (fast-wavenet, DESIGN §3).
///
/// The queue keeps each item's window [x[t-(k-1)d] | ... | x[t]] contiguous (see `ConvQueue`), so
/// a step is: push x_t (C floats), then one product of the k*Cin window with the weight viewed as
/// [k*Cin, Cout] (`StepProduct`: GEMV per item for B <= 4).
///
/// Two forms with the same arithmetic:
/// - `step(_:queue:)` / `step(_:into:queue:accumulate:)` read the layer's live parameters (tests,
///   occasional use);
/// - `StepKernel`, made once per sampling call, holds a copy of the weights in a `FloatBuffer`:
///   its steps do no allocation, reference counting or exclusivity checks, which at 64 channels
///   are a measurable share of a ~1.5 µs step.
extension CausalConv1D {
    /// A zeroed input history for `batch` items (see `ConvQueue`).
    public func makeQueue(batch: Int) -> ConvQueue {
        ConvQueue(batch: batch, channels: inputChannels, kernelSize: kernelSize, dilation: dilation)
    }

    /// The output for one new time step: x `[B, Cin]` -> y `[B, Cout]`, reading the past from
    /// `queue` and pushing x into it.
    public func step(_ x: Tensor, queue: inout ConvQueue) -> Tensor {
        precondition(x.shape == [queue.batch, inputChannels],
                     "\(weight.name).step: expected [\(queue.batch), \(inputChannels)], got \(x.shape)")
        var y = Tensor(shape: [queue.batch, outputChannels])
        x.withPointer { px in y.withMutablePointer { step(px, into: $0, queue: &queue) } }
        return y
    }

    /// Pointer form of `step`: x `[B, Cin]` in, y `[B, Cout]` out (overwritten, or added to with
    /// `accumulate`), with the layer's current weights.
    public func step(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, queue: inout ConvQueue,
                     accumulate: Bool = false) {
        checkQueue(queue)
        weight.value.withPointer { w in
            if let bias {
                bias.value.withPointer { b in
                    Self.step(x, into: y, yStride: outputChannels, accumulate: accumulate, weights: w, bias: b,
                              outputs: outputChannels, queue: &queue)
                }
            } else {
                Self.step(x, into: y, yStride: outputChannels, accumulate: accumulate, weights: w, bias: nil,
                          outputs: outputChannels, queue: &queue)
            }
        }
    }

    func checkQueue(_ queue: ConvQueue) {
        precondition(queue.channels == inputChannels && queue.kernelSize == kernelSize && queue.dilation == dilation,
                     "\(weight.name).step: queue was made for another conv (C \(queue.channels), k \(queue.kernelSize), d \(queue.dilation))")
    }

    /// The one arithmetic of both forms. The bias goes in first (copied, or added when
    /// accumulating), so that the product accumulates onto it with beta = 1: no second pass over y.
    @inline(__always)
    static func step(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, yStride: Int, accumulate: Bool,
                     weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outputs co: Int,
                     queue: inout ConvQueue) {
        let batch = queue.batch
        if let bias {
            for b in 0..<batch {
                if accumulate { Ops.axpy(1, bias, y + b * yStride, count: co) } else { (y + b * yStride).update(from: bias, count: co) }
            }
        }
        let beta: Float = accumulate || bias != nil ? 1 : 0
        let kc = queue.kernelSize * queue.channels
        queue.withWindow(pushing: x) { window, stride in
            StepProduct.multiply(rows: batch, x: window, xStride: stride, weights: weights, inputs: kc, outputs: co,
                                 beta: beta, y: y, yStride: yStride)
        }
    }

    /// The conv's weights (and bias) copied once, for allocation-free steps.
    public struct StepKernel: @unchecked Sendable {
        public let inputChannels: Int
        public let outputChannels: Int
        public let kernelSize: Int
        public let dilation: Int
        /// [k*Cin, Cout] (public for benchmarks: a GEMV on the same memory).
        public let weights: FloatBuffer
        /// [Cout], or nil when the conv has none or the caller folds it in elsewhere.
        let bias: FloatBuffer?

        /// - Parameter includeBias: false leaves the bias out (a caller that adds it itself,
        ///   e.g. folded into a precomputed conditioning term).
        public init(_ conv: CausalConv1D, includeBias: Bool = true) {
            inputChannels = conv.inputChannels
            outputChannels = conv.outputChannels
            kernelSize = conv.kernelSize
            dilation = conv.dilation
            weights = FloatBuffer(copying: conv.weight.value)
            bias = includeBias ? conv.bias.map { FloatBuffer(copying: $0.value) } : nil
        }

        public func makeQueue(batch: Int) -> ConvQueue {
            ConvQueue(batch: batch, channels: inputChannels, kernelSize: kernelSize, dilation: dilation)
        }

        /// x `[B, Cin]` in; row b of y at `y + b * yStride` (Cout floats) overwritten, or added to
        /// with `accumulate`. Pushes x into `queue`.
        @inline(__always)
        public func step(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, yStride: Int? = nil,
                         accumulate: Bool = false, queue: inout ConvQueue) {
            precondition(queue.channels == inputChannels && queue.kernelSize == kernelSize && queue.dilation == dilation,
                         "CausalConv1D.StepKernel: queue was made for another conv")
            CausalConv1D.step(x, into: y, yStride: yStride ?? outputChannels, accumulate: accumulate,
                              weights: weights.base, bias: bias?.base, outputs: outputChannels, queue: &queue)
        }
    }
}
