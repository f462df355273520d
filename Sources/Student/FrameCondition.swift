import NeuralLayers
import Tensors

/// The conditioning of a window of samples kept at the frame rate, for a student whose
/// upsampler shares its taps (`.sharedTransposed`): the gained frames, the stage biases and the
/// interpolation weights (`UpsamplerInterpolation`). Sample row t of the window is upsampled
/// position u = offset + t of the frames, so
///
///     c[t] = w_0[u] frames[u / hop] + w_1[u] frames[u / hop + 1] + sum_s w_{2+s}[u] stageBiases[s]
///
/// Each flow layer projects `frames` and `stageBiases` by its conditioning weight W (`[Cmel, G]`)
/// and interpolates the projection: the same h as projecting c[t], with 2 (Cmel G) FLOPs per
/// frame instead of per sample (`RegisterBlockedFlowLayer.apply(_:frames:into:)`).
struct FrameCondition {
    /// gain * mel of the window, `[B, F, Cmel]`.
    let frames: Tensor
    /// `[S, Cmel]`.
    let stageBiases: Tensor
    let interpolation: UpsamplerInterpolation
    /// Upsampled position of row 0.
    let offset: Int
    /// Rows (samples) of the window.
    let length: Int

    /// For samples offset ..< offset + length of the upsampled `frames` (mel `[B, F, Cmel]`).
    init(upsampler: ConditionUpsampler, mel: Tensor, offset: Int, length: Int) {
        precondition(upsampler.sharesTaps, "FrameCondition needs an upsampler with shared taps")
        precondition(offset >= 0 && length >= 0 && offset + length <= mel.shape[1] * upsampler.hop,
                     "FrameCondition: samples \(offset) ..< \(offset + length) outside \(mel.shape[1]) frames")
        frames = upsampler.inputGain.map { ConditionUpsampler.scaleChannels(mel, by: $0.value) } ?? mel
        let cm = upsampler.channels
        stageBiases = Tensor(shape: [upsampler.biases.count, cm], scalars: upsampler.biases.flatMap(\.value.scalars))
        interpolation = upsampler.interpolation(frames: mel.shape[1])
        self.offset = offset
        self.length = length
    }

    var batch: Int { frames.shape[0] }
    var frameCount: Int { frames.shape[1] }
    var channels: Int { frames.shape[2] }

    /// c `[B, length, Cmel]` (the per-sample form; reference and fallback).
    func samples() -> Tensor {
        let w = interpolation, positions = w.positions, hop = w.hop
        var c = Tensor(shape: [batch, length, channels])
        frames.withPointer { pf in
            stageBiases.withPointer { pb in
                c.withMutablePointer { pc in
                    for b in 0..<batch {
                        for t in 0..<length {
                            let u = offset + t, f = u / hop
                            let row = pc + (b * length + t) * channels
                            let x0 = pf + (b * frameCount + f) * channels
                            for ch in 0..<channels { row[ch] = w.weights[u] * x0[ch] }
                            if f + 1 < frameCount {
                                let x1 = x0 + channels, w1 = w.weights[positions + u]
                                for ch in 0..<channels { row[ch] += w1 * x1[ch] }
                            }
                            for s in 0..<w.stageCount {
                                let ws = w.weights[(2 + s) * positions + u], bs = pb + s * channels
                                for ch in 0..<channels { row[ch] += ws * bs[ch] }
                            }
                        }
                    }
                }
            }
        }
        return c
    }
}
