import NeuralLayers
import Tensors

/// The forward of a flow without backward caches (synthesis, evaluation): the same formula as
/// `forward(_:condition:)`, with every residual layer run by `FusedResidualBlock`. Memory: two
/// `[B, T, C]` residual-stream buffers, used alternately (and reused across flows and chunks
/// when the caller passes `ResidualStreamBuffers`).
extension StudentFlow {
    /// The fused layers, built once per synthesis call (they copy the weights).
    func fusedBlocks() -> [FusedResidualBlock] { blocks.map(FusedResidualBlock.init) }

    /// mu_i and log s_i (clamped), each `[B, T, 1]`, for x_{i-1} `[B, T, 1]` under c `[B, T, Cmel]`.
    func infer(_ x: Tensor, condition c: Tensor, fused: [FusedResidualBlock]? = nil) -> (mean: Tensor, logScale: Tensor) {
        var buffers = ResidualStreamBuffers()
        return infer(x, condition: c, fused: fused, buffers: &buffers)
    }

    /// The same, taking its two residual-stream buffers from `buffers` and giving them back.
    func infer(_ x: Tensor, condition c: Tensor, fused: [FusedResidualBlock]?,
               buffers: inout ResidualStreamBuffers) -> (mean: Tensor, logScale: Tensor) {
        infer(x, condition: .samples(c), fused: fused, buffers: &buffers)
    }

    /// The same under per-sample or frame-rate conditioning.
    func infer(_ x: Tensor, condition c: LayerCondition, fused: [FusedResidualBlock]?,
               buffers: inout ResidualStreamBuffers) -> (mean: Tensor, logScale: Tensor) {
        let layers = fused ?? fusedBlocks()
        let (batch, length, cc) = (x.shape[0], x.shape[1], channels)
        // h_0[t] = w_in * x[t-1] + b_in (x[-1] = 0): the input Linear on the shifted input.
        var h = buffers.take(shape: [batch, length, cc])
        let w = input.weight.value.scalars
        let bias = input.bias?.value.scalars ?? [Float](repeating: 0, count: cc)
        x.withPointer { px in
            h.withMutablePointer { ph in
                for b in 0..<batch {
                    for t in 0..<length {
                        let a = t == 0 ? 0 : px[b * length + t - 1]
                        let row = ph + (b * length + t) * cc
                        for ch in 0..<cc { row[ch] = w[ch] * a + bias[ch] }
                    }
                }
            }
        }
        var next = buffers.take(shape: h.shape)
        for layer in layers {
            layer.apply(h, condition: c, into: &next)
            swap(&h, &next)
        }
        let (mean, raw) = Self.split(head(h))
        buffers.giveBack(h)
        buffers.giveBack(next)
        return (mean, clamped(raw))
    }
}
