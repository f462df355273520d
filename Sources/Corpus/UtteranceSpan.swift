import Tensors

/// The start of an utterance and the frames that condition it: what validation, evaluate and
/// `score` feed a model. One owner for two rules that were written out in each of them:
/// T samples have `1 + T / hop` frames (centred frames: frame f sits on sample f·hop), and a
/// scored span is rounded down to whole hops.
public struct UtteranceSpan {
    /// `[1, n, 1]`.
    public var audio: Tensor
    /// `[1, frames, n_mels]`: the utterance's own first frames (cut from the whole file's
    /// features, not recomputed from the cut audio, which would differ near the cut).
    public var mel: Tensor
    public var samples: Int { audio.shape[1] }
    public var frames: Int { mel.shape[1] }

    /// Frames of `samples` samples at `hop` (centred frames, as the extractor gives them).
    public static func frameCount(samples: Int, hop: Int) -> Int { samples / hop + 1 }
}

extension Utterance {
    /// The first min(T, maxSamples) samples rounded down to whole hops, and their frames; nil
    /// when that is empty. Validation during training and evaluate score exactly this span.
    public func leadingSpan(maxSamples: Int, hop: Int) -> UtteranceSpan? {
        let n = min(samples.count, maxSamples) / hop * hop
        return n > 0 ? span(samples: n, hop: hop) : nil
    }

    /// The first `n` samples (not rounded: n <= T) and the frames that condition them, at most
    /// the utterance's own.
    public func span(samples n: Int, hop: Int) -> UtteranceSpan {
        precondition(n >= 0 && n <= samples.count, "span of \(n) samples of \(id) (\(samples.count))")
        let f = min(frames, UtteranceSpan.frameCount(samples: n, hop: hop))
        return UtteranceSpan(audio: Tensor(shape: [1, n, 1], scalars: Array(samples[0..<n])),
                             mel: Tensor(shape: [1, f, melBands], scalars: Array(mel[0..<(f * melBands)])))
    }
}
