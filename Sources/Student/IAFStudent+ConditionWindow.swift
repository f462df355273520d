import NeuralLayers
import Tensors

/// The conditioning of a window of samples, computed from a window of frames only, equal to
/// the same samples of `condition(mel:length:)` (chunked synthesis needs this to keep memory
/// bounded and to reproduce one-shot synthesis).
///
/// The upsampler is local (see `ConditionUpsampler`):
/// - `transposed`, `shared_transposed`: stage output u reads stage inputs floor(u/s) and, when u mod s >= 1,
///   floor(u/s) + 1, i.e. inputs floor(u/s) ... ceil(u/s); no stage pads on the left. So sample
///   t reads frames floor(t/hop) ... ceil(t/hop), and a window's outputs differ from the full
///   sequence's only where that range crosses the window's right edge.
/// - `repeat`: sample t repeats frame round(t/hop) (clamped to the last frame), then the
///   centred smoothing of width w reads t - w/2 ... t + w/2, zero-padded at both window edges.
/// So with m = 2 + ceil((w/2) / hop) frames of margin (w = 0 for `transposed`) on both sides
/// (one frame more than needed on each side, for safety; it costs nothing), every sample of the
/// window reads exactly what it reads in the full sequence: the window edges differ from the
/// full sequence's edges only where they coincide with them. Tested for every window start.
extension IAFStudent {
    /// Frames of margin on each side of a sample window (see the type's comment).
    var conditionFrameMargin: Int {
        let halfWidth: Int
        switch config.upsampler.kind {
        case .transposed, .sharedTransposed: halfWidth = 0
        case .repeat: halfWidth = config.upsampler.smoothingWidth / 2
        }
        return 2 + (halfWidth + hop - 1) / hop
    }

    /// The frames `f0 ..< f1` that samples `samples` need, within `0 ..< frameCount`.
    func frameWindow(samples: Range<Int>, frameCount: Int) -> Range<Int> {
        precondition(!samples.isEmpty && samples.lowerBound >= 0, "student: empty or negative sample window \(samples)")
        let m = conditionFrameMargin
        let f0 = max(0, samples.lowerBound / hop - m)
        let f1 = min(frameCount, (samples.upperBound - 1) / hop + m + 2)
        return f0..<f1
    }

    /// c[:, samples, :] `[B, samples.count, Cmel]` from the frames of `frameWindow` only, without
    /// a backward cache (inference).
    func condition(mel: Tensor, samples: Range<Int>) -> Tensor {
        checkMel(mel, length: samples.upperBound)
        let window = frameWindow(samples: samples, frameCount: mel.shape[1])
        let frames = TimeWindow.crop(mel, from: window.lowerBound, length: window.count)
        let up = upsampler(frames)
        return TimeWindow.crop(up, from: samples.lowerBound - window.lowerBound * hop, length: samples.count)
    }

    /// The same window as frame-rate conditioning (shared-tap upsampler), from the same frames.
    func frameCondition(mel: Tensor, samples: Range<Int>) -> FrameCondition {
        checkMel(mel, length: samples.upperBound)
        let window = frameWindow(samples: samples, frameCount: mel.shape[1])
        let frames = TimeWindow.crop(mel, from: window.lowerBound, length: window.count)
        return FrameCondition(upsampler: upsampler, mel: frames, offset: samples.lowerBound - window.lowerBound * hop,
                              length: samples.count)
    }
}
