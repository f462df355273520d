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
    /// The upsampler and the mel frames it was given (for `samples()`).
    private let upsampler: ConditionUpsampler
    private let mel: Tensor

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
        self.upsampler = upsampler
        self.mel = mel
    }

    var batch: Int { frames.shape[0] }
    var frameCount: Int { frames.shape[1] }
    var channels: Int { frames.shape[2] }

    /// c `[B, length, Cmel]` (the per-sample form; reference and fallback).
    func samples() -> Tensor {
        TimeWindow.crop(upsampler.interpolate(mel, with: interpolation), from: offset, length: length)
    }
}
