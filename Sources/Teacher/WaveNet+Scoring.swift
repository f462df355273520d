import Foundation
import NeuralLayers
import Tensors

/// Scoring without backward caches: log p(x_t | x_<t, c) in time chunks.
///
/// The training forward keeps every layer's activations for the backward (about 60 KB per
/// sample for the full teacher: 3.3 GB for 4 s). Scoring needs none of them, and θ_t depends
/// only on x[t-R+1 ..< t] and the conditioning at t (R = receptive field), so the forward runs
/// chunk by chunk: a chunk [t0, t1) is computed from the audio [t0 - R, t1). Its first position
/// sees a zero for x[t0 - R - 1] (the causal shift's padding) and the convolutions' zero padding
/// before it, but no θ_t with t >= t0 reaches back that far, so the chunk's θ are the full
/// forward's (up to the GEMMs' summation order). The upsampler runs on the chunk's frames with a
/// margin (its taps reach at most one frame ahead per stage, and half the smoothing width in the
/// repeat mode), the predictor's x^ and the pitch-lagged input come from the whole audio (they
/// are per-sample and cheap), and each layer's activations are freed as soon as the next layer
/// has read them. Memory: O(chunk x channels) besides the audio, independent of its length.
extension WaveNet {
    /// Samples per scoring chunk (plus R samples of context each): large enough that the GEMMs
    /// run at full speed and the context costs a few per cent, small enough to stay in tens of MB.
    public static let scoreChunkSamples = 16_384

    /// log p(x_t | x_<t, c) for every t: `[B * T]` in row order, like `logLikelihood(audio:mel:)`
    /// but without caches (see above).
    public func scoreLogLikelihood(audio x: Tensor, mel: Tensor, chunkSamples: Int = scoreChunkSamples) -> [Float] {
        precondition(chunkSamples >= 1, "teacher: chunkSamples must be positive, got \(chunkSamples)")
        precondition(x.rank == 3 && x.shape[2] == 1, "teacher: audio must be [B, T, 1], got \(x.shape)")
        precondition(mel.rank == 3 && mel.shape[0] == x.shape[0] && mel.shape[2] == conditionChannels,
                     "teacher: mel must be [\(x.shape[0]), F, \(conditionChannels)], got \(mel.shape)")
        let (batch, length, p) = (x.shape[0], x.shape[1], parameterCount)
        precondition(mel.shape[1] * hop >= length,
                     "teacher: \(mel.shape[1]) frames x hop \(hop) cannot condition \(length) samples")
        let tracks = prediction(mel: mel, length: length)
        // x^ of every item from the whole audio: row b is item b's predictions.
        var xhat: [[Float]] = []
        if let tracks {
            x.withPointer { px in
                xhat = tracks.enumerated().map { b, track in
                    var out = [Float](repeating: 0, count: length)
                    out.withUnsafeMutableBufferPointer { track.predictions(of: px + b * length, into: $0.baseAddress!) }
                    return out
                }
            }
        }
        let laggedAudio = pitchLag(mel: mel, length: length).map { Self.lagged(x, tracks: $0) }
        let context = config.receptiveField
        var out = [Float](repeating: 0, count: batch * length)
        var t0 = 0
        while t0 < length {
            let t1 = min(length, t0 + chunkSamples), s0 = max(0, t0 - context), n = t1 - s0
            var params = networkParameters(audio: TimeSlice.slice(x, s0..<t1), condition: conditionWindow(mel: mel, samples: s0..<t1),
                                           laggedInput: laggedAudio.map { TimeSlice.slice($0, s0..<t1) })
            params.withMutablePointer { pp in
                for b in 0..<batch {
                    if let tracks {
                        for t in t0..<t1 {
                            addPrediction(to: pp + (b * n + t - s0) * p, mean: xhat[b][t], logStd: tracks[b].logStd[t])
                        }
                    }
                }
            }
            x.withUnsafeBufferPointer { xs in
                params.withUnsafeBufferPointer { ps in
                    out.withUnsafeMutableBufferPointer { os in
                        for b in 0..<batch {
                            let rows = t1 - t0, first = b * n + t0 - s0
                            distribution.logLikelihood(
                                x: UnsafeBufferPointer(rebasing: xs[(b * length + t0)..<(b * length + t1)]),
                                params: UnsafeBufferPointer(rebasing: ps[(first * p)..<((first + rows) * p)]), rows: rows,
                                into: UnsafeMutableBufferPointer(rebasing: os[(b * length + t0)..<(b * length + t1)]))
                        }
                    }
                }
            }
            t0 = t1
        }
        return out
    }

    /// The upsampled conditioning `[B, n, Cmel]` for samples `samples` only: the upsampler on
    /// the frames they need plus a margin, cropped. Equal to the same samples of
    /// `condition(mel:length:)`, whose outputs depend on nearby frames only.
    func conditionWindow(mel: Tensor, samples: Range<Int>) -> Tensor {
        let frames = mel.shape[1]
        let half = config.upsampler.kind == .repeat ? config.upsampler.smoothingWidth / 2 : 0
        let margin = 2 + (half + hop - 1) / hop
        let f0 = max(0, samples.lowerBound / hop - margin)
        let f1 = min(frames, (samples.upperBound - 1) / hop + margin + 2)
        let (up, _) = upsampler.forward(TimeSlice.slice(mel, f0..<f1))
        return TimeSlice.slice(up, (samples.lowerBound - f0 * hop)..<(samples.upperBound - f0 * hop))
    }

    /// The network's θ `[B, T, P]` (no predictor offsets) for x `[B, T, 1]` under c, keeping no
    /// caches: each block's activations are released when the next block has read its output.
    func networkParameters(audio x: Tensor, condition c: Tensor, laggedInput: Tensor?) -> Tensor {
        precondition(c.shape == [x.shape[0], x.shape[1], conditionChannels],
                     "teacher: conditioning \(c.shape) does not match audio \(x.shape)")
        var inputs = TimeShift.forward(x, steps: 1)
        if let laggedInput { inputs = Self.interleave(inputs, laggedInput) }
        var h = input(inputs)
        var skip = Tensor(shape: [x.shape[0], x.shape[1], config.skipChannels])
        for block in blocks {
            let (next, s, _) = block.forward(h, condition: c)
            if let s { Ops.axpy(1, s, &skip) }
            h = next
        }
        return output(ReLU.forward(hidden(ReLU.forward(skip).output)).output)
    }
}

/// Time windows `[B, range, C]` of a sequence `[B, T, C]`.
enum TimeSlice {
    static func slice(_ x: Tensor, _ range: Range<Int>) -> Tensor {
        let (batch, length, c) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(range.lowerBound >= 0 && range.upperBound <= length, "TimeSlice: \(range) outside 0..<\(length)")
        if range.count == length { return x }
        var y = Tensor(shape: [batch, range.count, c])
        x.withPointer { px in
            y.withMutablePointer { py in
                for b in 0..<batch {
                    (py + b * range.count * c).update(from: px + (b * length + range.lowerBound) * c, count: range.count * c)
                }
            }
        }
        return y
    }
}
