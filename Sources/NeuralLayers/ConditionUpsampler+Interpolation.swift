import Tensors

/// A shared-tap upsampler (`.sharedTransposed`) written as interpolation weights: for `frames`
/// input frames, output position u (0 ..< frames * hop) is
///
///     y[u, c] = w_0[u] x'[f, c] + w_1[u] x'[f + 1, c] + sum_s w_{2+s}[u] b_s[c],   f = u / hop
///
/// with x' = gain * x (x'[frames] = 0) and b_s the biases of stage s. Every channel has the same
/// weights, so any linear map W of the channels can be applied to the frames and the biases
/// first: y W = w_0 (x' W)[f] + w_1 (x' W)[f + 1] + sum_s w_{2+s} (b_s W). Synthesis uses this to
/// project each layer's conditioning at the frame rate (`RegisterBlockedFlowLayer`).
///
/// Why two frames are enough: a stage with stride s and kernel 2s - 1 spreads an input over
/// s - 1 outputs either side of its centre, so a frame reaches hop - 1 samples either side of
/// f * hop after all stages (sum over stages of (s_i - 1) * (product of the later strides) =
/// hop - 1). Position u is therefore reached by frames u / hop and u / hop + 1 only.
public struct UpsamplerInterpolation: Sendable, Equatable {
    public let hop: Int
    public let frames: Int
    public let stageCount: Int
    /// `[terms][positions]`, term-major: w_0, w_1, then one row per stage bias.
    public let weights: [Float]

    /// 2 + stageCount: the frame weights and the stage-bias weights.
    public var terms: Int { 2 + stageCount }
    /// frames * hop.
    public var positions: Int { frames * hop }
}

extension ConditionUpsampler {
    /// The interpolation weights of this upsampler for `frames` frames (`.sharedTransposed` only).
    ///
    /// Computed by running the stages once on 2 + S probe channels: frames alternating 1, 0
    /// and 0, 1 (each position sees one even and one odd frame, so these give w_0 and w_1), and
    /// for each stage s a zero input with bias 1 at that stage only (w_{2+s}).
    public func interpolation(frames: Int) -> UpsamplerInterpolation {
        guard case .sharedTransposed(let strides) = mode else {
            preconditionFailure("\(weights[0].name): interpolation weights need shared taps (mode \(mode))")
        }
        precondition(frames >= 1, "\(weights[0].name): interpolation over \(frames) frames")
        let probes = 2 + strides.count
        var x = Tensor(shape: [1, frames, probes])
        for f in 0..<frames { x[0, f, f % 2] = 1 }
        for (i, s) in strides.enumerated() {
            let taps = weights[i].value.scalars
            let w = Tensor(shape: [2 * s - 1, probes], scalars: taps.flatMap { [Float](repeating: $0, count: probes) })
            var bias = Tensor(shape: [probes])
            bias[2 + i] = 1
            x = transposedStage(x, stride: s, weight: w, bias: bias)
        }
        let positions = frames * hop
        var out = [Float](repeating: 0, count: probes * positions)
        x.withPointer { px in
            for u in 0..<positions {
                let probe = px + u * probes
                let even = (u / hop) % 2 == 0
                out[u] = even ? probe[0] : probe[1]
                out[positions + u] = even ? probe[1] : probe[0]
                for s in 0..<strides.count { out[(2 + s) * positions + u] = probe[2 + s] }
            }
        }
        return UpsamplerInterpolation(hop: hop, frames: frames, stageCount: strides.count, weights: out)
    }

    /// y `[B, frames * hop, C]` from the interpolation weights (the reference for the form
    /// synthesis uses; equal to `forward` up to rounding).
    public func interpolate(_ frames: Tensor, with w: UpsamplerInterpolation) -> Tensor {
        precondition(sharesTaps && frames.rank == 3 && frames.shape[1] == w.frames && frames.shape[2] == channels,
                     "\(weights[0].name): interpolate \(frames.shape) with weights for \(w.frames) frames")
        guard let gain = inputGain else { return frames }
        let (batch, count, c) = (frames.shape[0], w.frames, channels)
        let x = Self.scaleChannels(frames, by: gain.value)
        var y = Tensor(shape: [batch, w.positions, c])
        for b in 0..<batch {
            for u in 0..<w.positions {
                let f = u / hop
                for ch in 0..<c {
                    var v = w.weights[u] * x[b, f, ch]
                    if f + 1 < count { v += w.weights[w.positions + u] * x[b, f + 1, ch] }
                    for s in 0..<w.stageCount { v += w.weights[(2 + s) * w.positions + u] * biases[s].value[ch] }
                    y[b, u, ch] = v
                }
            }
        }
        return y
    }
}
