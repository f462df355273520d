import Tensors

/// The causal dilated conv stepped one time step at a time (cached sampling), with its past taps
/// computed ahead in blocks of d steps:
///
///     y[t] = bias + sum_{j < k-1} W_j x[t - (k-1-j) d]  +  W_{k-1} x[t]
///            \________ known d steps ahead _________/     \_ this step _/
///
/// Every input a past tap reads for steps t ..< t+d is known at step t when t mod d = 0, and for
/// one tap those inputs are d consecutive rows of the history: one GEMM with M = d per tap and
/// block gives the past taps' contributions of the next d steps. So a step multiplies only the
/// current input by the last tap's weights; the other taps' weights are read once per d steps
/// instead of every step. At batch 1 a step is bound by weight traffic (the full teacher's
/// per-step weights exceed the L2 cache), and this takes (k-1)/k of a dilated conv's weight
/// bytes off the per-step stream, less the 1/d amortised block (nothing for d = 1).
///
/// The history is each item's inputs in time order; when a buffer is full its last (k-1)*d rows
/// are copied to its front (every `4d + 16` steps). Tested against the full conv.
public struct BlockedStepConv: @unchecked Sendable {
    public let batch: Int
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let dilation: Int
    /// [k, Cin, Cout], the conv's weights copied once.
    let weights: FloatBuffer
    let bias: FloatBuffer?
    /// [B, capacity, Cin]: each item's past inputs in time order.
    let history: FloatBuffer
    let capacity: Int
    /// [d, B, Cout]: the past taps' sum for the steps of the current block.
    let past: FloatBuffer
    /// Next history row to write (the same for every item), and t mod d.
    private var position: Int
    private var phase = 0

    /// (k-1)*d rows of history the past taps read.
    var span: Int { (kernelSize - 1) * dilation }

    /// - Parameter includeBias: false leaves the bias out (a caller that folds it in elsewhere).
    public init(_ conv: CausalConv1D, batch: Int, includeBias: Bool = true) {
        precondition(batch > 0, "BlockedStepConv: batch must be positive, got \(batch)")
        self.batch = batch
        inputChannels = conv.inputChannels
        outputChannels = conv.outputChannels
        kernelSize = conv.kernelSize
        dilation = conv.dilation
        weights = FloatBuffer(copying: conv.weight.value)
        bias = includeBias ? conv.bias.map { FloatBuffer(copying: $0.value) } : nil
        let span = (conv.kernelSize - 1) * conv.dilation
        // Zero rows before t = 0 are the causal padding.
        capacity = span > 0 ? span + 4 * conv.dilation + 16 : 0
        history = FloatBuffer(count: batch * capacity * conv.inputChannels)
        past = FloatBuffer(count: span > 0 ? conv.dilation * batch * conv.outputChannels : 0)
        position = span
    }

    /// One step: x `[B, Cin]` in; row b of y (at `y + b * yStride`, Cout floats) overwritten, or
    /// added to with `accumulate`. Equal to the full conv at t when stepped from t = 0.
    public mutating func step(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, yStride: Int? = nil,
                              accumulate: Bool = false) {
        let (ci, co, k, d, span) = (inputChannels, outputChannels, kernelSize, dilation, self.span)
        let ys = yStride ?? co
        if span > 0 && phase == 0 {
            // Past taps of steps t ..< t+d: tap j reads rows t - (k-1-j)d + s, s < d, all before t.
            for b in 0..<batch {
                let rows = history.base + b * capacity * ci
                for j in 0..<(k - 1) {
                    StepProduct.multiply(rows: d, x: rows + (position - (k - 1 - j) * d) * ci, xStride: ci,
                                         weights: weights.base + j * ci * co, inputs: ci, outputs: co,
                                         beta: j == 0 ? 0 : 1, y: past.base + b * co, yStride: batch * co)
                }
            }
        }
        for b in 0..<batch {
            let row = y + b * ys
            switch (accumulate, bias) {
            case (true, let bias?): Ops.axpy(1, bias.base, row, count: co)
            case (false, let bias?): row.update(from: bias.base, count: co)
            case (false, nil): row.update(repeating: 0, count: co)
            case (true, nil): break
            }
            if span > 0 { Ops.axpy(1, past.base + (phase * batch + b) * co, row, count: co) }
        }
        StepProduct.multiply(rows: batch, x: x, xStride: ci, weights: weights.base + (k - 1) * ci * co, inputs: ci,
                             outputs: co, beta: 1, y: y, yStride: ys)
        guard span > 0 else { return }
        if position == capacity {
            for b in 0..<batch {
                let rows = history.base + b * capacity * ci
                rows.update(from: rows + (capacity - span) * ci, count: span * ci)
            }
            position = span
        }
        for b in 0..<batch { (history.base + (b * capacity + position) * ci).update(from: x + b * ci, count: ci) }
        position += 1
        phase = phase + 1 == d ? 0 : phase + 1
    }
}
