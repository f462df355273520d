import NeuralLayers
import Randomness
import Tensors

/// Parallel synthesis: every sample of the utterance at once (DESIGN §4), optionally in chunks
/// of bounded memory.
///
/// Noise: z = temperature * eps, eps `[B, T]` drawn once for the whole utterance from
/// `Philox(seed: seed, stream: IAFStudent.noiseStream)`, row-major (item 0's T samples first),
/// each one draw of the student's base (`StudentBase.fill`: `Philox.nextLogistic()` or
/// `Philox.nextNormal()`). Only T floats per item, and position t always gets the same
/// value, so chunked and one-shot synthesis see the same z. Temperature 1 samples the student's
/// distribution; below 1 it shrinks the base noise (quieter, less noisy output) -- the flows are
/// applied to the scaled noise, so the output is not simply a rescaled sample.
///
/// Chunks: with `chunkSamples` = S, the output is made S samples at a time. Chunk [a, b) runs
/// the flows on z[s ..< b] with s = max(0, a - (R - 1)), R the stack's receptive field, under
/// the conditioning of samples s ..< b computed from a window of frames only (see
/// `condition(mel:samples:)`), and keeps samples a ..< b. Every value the kept samples depend
/// on lies in [s, b): x_N[t] depends on x_i[t'] only for t' >= t - sum_{m > i} (R_m - 1) >= s,
/// and those on z and c at positions >= s. So chunked output equals one-shot output (tested to
/// 1e-5), and memory is O((S + R) * C) instead of O(T * C): only z and the output are [B, T].
extension IAFStudent {
    /// The Philox stream of the synthesis noise.
    public static let noiseStream: UInt64 = 0x1AF5_2015

    /// temperature * eps, eps ~ base(0, 1), `[B, T, 1]` (see the extension's comment).
    public static func noise(batch: Int, length: Int, seed: UInt64, temperature: Float = 1,
                             base: StudentBase) -> Tensor {
        precondition(batch >= 0 && length >= 0, "student.noise: negative size \(batch) x \(length)")
        precondition(temperature.isFinite && temperature >= 0, "student.noise: temperature must be >= 0, got \(temperature)")
        var rng = Philox(seed: seed, stream: noiseStream)
        var z = Tensor(shape: [batch, length, 1])
        z.withUnsafeMutableBufferPointer { buffer in
            base.fill(buffer, rng: &rng)
            if temperature != 1 { for i in buffer.indices { buffer[i] *= temperature } }
        }
        return z
    }

    /// The synthesis noise of this student's base (`config.base`).
    public func noise(batch: Int, length: Int, seed: UInt64, temperature: Float = 1) -> Tensor {
        Self.noise(batch: batch, length: length, seed: seed, temperature: temperature, base: config.base)
    }

    /// Whether synthesis keeps the conditioning at the frame rate (`FrameCondition`): when the
    /// upsampler shares its taps (`shared_transposed`) and the flow layers run the register-blocked
    /// kernels (channels and gate channels multiples of 16), with at most 8 upsampler stages (the
    /// kernel's limit). Then each layer projects the frames, not every sample: 2 (2 + S) G
    /// instead of 2 Cmel G FLOPs per sample and layer.
    public var synthesizesAtFrameRate: Bool {
        upsampler.sharesTaps && config.upsampler.strides.count <= RegisterBlockedFlowLayer.maximumConditionStages
            && RegisterBlockedFlowLayer.supports(channels: config.channels, gateChannels: config.gateChannels)
    }

    /// x_N, mu_tot and log s_tot without backward caches (evaluation); equal to
    /// `forward(noise:condition:sourceMean:)` up to float rounding (before the excitation filter).
    public func infer(noise z: Tensor, condition c: Tensor, sourceMean: Tensor? = nil) -> StudentOutput {
        checkInputs(z, c)
        var x = z
        var mean = Tensor(shape: z.shape), logScale = Tensor(shape: z.shape)
        if let sourceMean {
            Ops.axpy(1, sourceMean, &x)
            mean = sourceMean
        }
        var buffers = ResidualStreamBuffers()
        for flow in flows {
            let (mu, l) = flow.infer(x, condition: c, fused: nil, buffers: &buffers)
            _ = AffineComposition.forward(x: &x, mean: &mean, logScale: &logScale, flowMean: mu, flowLogScale: l,
                                          keepCache: false)
        }
        return StudentOutput(x: x, mean: mean, logScale: logScale)
    }

    /// A waveform `[B, T]` for mel frames `[B, F, Cmel]`.
    /// - Parameters:
    ///   - length: T, at most F * hop; default (F - 1) * hop (the crop convention: L samples
    ///     have L/hop + 1 frames).
    ///   - seed: the noise seed (see the extension's comment); same seed, same waveform.
    ///   - temperature: scales the base noise (1 = the student's distribution).
    ///   - chunkSamples: process at most this many output samples at a time (plus the
    ///     receptive field of left context); nil = the whole utterance at once.
    /// - Returns: x_N, not clipped (a writer clips to [-1, 1]).
    public func synthesize(mel: Tensor, length: Int? = nil, seed: UInt64, temperature: Float = 1,
                           chunkSamples: Int? = nil) -> Tensor {
        let t = length ?? max(0, mel.shape[1] - 1) * hop
        let z = noise(batch: mel.shape[0], length: t, seed: seed, temperature: temperature)
        return synthesize(mel: mel, noise: z, chunkSamples: chunkSamples)
    }

    /// A waveform `[B, T]` from given noise z `[B, T, 1]` (already scaled) and mel frames `[B, F, Cmel]`.
    public func synthesize(mel: Tensor, noise z: Tensor, chunkSamples: Int? = nil) -> Tensor {
        precondition(z.rank == 3 && z.shape[2] == 1 && z.shape[0] == mel.shape[0],
                     "student.synthesize: noise must be [B, T, 1] with B = \(mel.shape[0]), got \(z.shape)")
        let (batch, length) = (z.shape[0], z.shape[1])
        checkMel(mel, length: length)
        if let chunkSamples { precondition(chunkSamples >= 1, "student.synthesize: chunkSamples must be >= 1, got \(chunkSamples)") }
        guard length > 0 else { return Tensor(shape: [batch, 0]) }
        // The voiced source is a shift of the noise (x_0 = z + mu_src), computed once for the
        // whole utterance: its pitch estimate and phase do not depend on the chunking.
        var input = z
        if let mu = sourceMean(mel: mel, length: length) { Ops.axpy(1, mu, &input) }
        let excitation = flowSynthesis(mel: mel, noise: input, chunkSamples: chunkSamples)
        guard let tracks = prediction(mel: mel, length: length) else { return excitation }
        // The all-pole filter runs over the whole utterance after the chunks are joined: its
        // recursion crosses chunk boundaries.
        return ExcitationFilter.synthesize(excitation, tracks: tracks, base: config.base)
    }

    /// x_N `[B, T]` of the flows alone (the excitation, with linear prediction).
    private func flowSynthesis(mel: Tensor, noise z: Tensor, chunkSamples: Int?) -> Tensor {
        let (batch, length) = (z.shape[0], z.shape[1])
        let fused = flows.map { $0.fusedBlocks() }
        let chunk = min(chunkSamples ?? length, length)
        var buffers = ResidualStreamBuffers()
        let atFrameRate = synthesizesAtFrameRate
        if chunk == length {
            let c: LayerCondition = atFrameRate
                ? .frames(FrameCondition(upsampler: upsampler, mel: mel, offset: 0, length: length))
                : .samples(TimeWindow.crop(upsampler(mel), from: 0, length: length))
            return sample(noise: z, condition: c, fused: fused, buffers: &buffers).reshaped([batch, length])
        }
        var out = Tensor(shape: [batch, length, 1])
        let context = receptiveField - 1
        for a in stride(from: 0, to: length, by: chunk) {
            let b = min(length, a + chunk), s = max(0, a - context)
            let c: LayerCondition = atFrameRate ? .frames(frameCondition(mel: mel, samples: s..<b))
                                                : .samples(condition(mel: mel, samples: s..<b))
            let x = sample(noise: TimeWindow.crop(z, from: s, length: b - s), condition: c, fused: fused, buffers: &buffers)
            TimeWindow.copy(x, from: a - s, into: &out, to: a, count: b - a)
        }
        return out.reshaped([batch, length])
    }

    /// x_N `[B, T, 1]` only, without caches.
    private func sample(noise z: Tensor, condition c: LayerCondition, fused: [[FusedResidualBlock]],
                        buffers: inout ResidualStreamBuffers) -> Tensor {
        var x = z
        var mean = Tensor(shape: z.shape), logScale = Tensor(shape: z.shape)
        for (flow, layers) in zip(flows, fused) {
            let (mu, l) = flow.infer(x, condition: c, fused: layers, buffers: &buffers)
            _ = AffineComposition.forward(x: &x, mean: &mean, logScale: &logScale, flowMean: mu, flowLogScale: l,
                                          keepCache: false)
        }
        return x
    }
}
