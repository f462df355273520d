import Tensors

/// What the flow layers read as conditioning at synthesis: c per sample `[B, T, Cmel]`, or the
/// frames with interpolation weights (shared-tap upsampler; each layer projects them at the
/// frame rate, see `FrameCondition`).
enum LayerCondition {
    case samples(Tensor)
    case frames(FrameCondition)
}
