import Distributions
import NeuralLayers
import Randomness
import Tensors

/// Autoregressive generation (DESIGN §3): one sample per step, each drawn from
/// p(x_t | x_<t, c) and fed back as the next input.
///
/// Both samplers draw, at every step t, the B samples of the batch in order from one
/// generator, and the head consumes a fixed number of random numbers per draw, so the same
/// seed gives the same waveform from either sampler (up to float rounding).
extension WaveNet {
    public struct SamplingOptions: Sendable {
        /// Scales the noise of each draw (1 = exact sampling; see the head's `sample`).
        public var temperature: Float = 1
        public init(temperature: Float = 1) { self.temperature = temperature }
    }

    /// Cached (fast-wavenet) sampling: every residual layer keeps a queue of its last
    /// (k-1)*d inputs, so a step costs one column through the network.
    /// - Parameters:
    ///   - condition: upsampled conditioning `[B, T, Cmel]` (see `condition(mel:length:)`).
    ///   - progress: called every 1024 steps with the number of steps done.
    /// - Returns: the waveform `[B, T]`.
    public func sampleCached(condition c: Tensor, rng: inout Philox, options: SamplingOptions = .init(),
                             progress: ((Int) -> Void)? = nil) -> Tensor {
        let (batch, length) = (c.shape[0], c.shape[1])
        var queues = blocks.map { $0.makeQueue(batch: batch) }
        var out = Tensor(shape: [batch, length])
        var previous = Tensor(shape: [batch, 1])
        var conditionStep = Tensor(shape: [batch, conditionChannels])
        let p = parameterCount
        for t in 0..<length {
            copyStep(of: c, at: t, into: &conditionStep)
            var h = input(previous)
            var skip = Tensor(shape: [batch, config.skipChannels])
            for (l, block) in blocks.enumerated() {
                let (next, s) = block.step(h, condition: conditionStep, queue: &queues[l])
                if let s { Ops.axpy(1, s, &skip) }
                h = next
            }
            let params = output(Ops.relu(hidden(Ops.relu(skip))))
            params.withUnsafeBufferPointer { ps in
                for b in 0..<batch {
                    let row = UnsafeBufferPointer(rebasing: ps[(b * p)..<((b + 1) * p)])
                    let x = distribution.sample(params: row, rng: &rng, temperature: options.temperature)
                    out.scalars[b * length + t] = x
                    previous.scalars[b] = x
                }
            }
            if let progress, (t + 1) % 1024 == 0 { progress(t + 1) }
        }
        return out
    }

    /// Naive sampling, the reference for `sampleCached`: at every step the full network is
    /// re-run over the last R samples (R = receptive field), and the last output is used.
    /// O(R) times slower; only for tests and the benchmark's baseline.
    public func sampleNaive(condition c: Tensor, rng: inout Philox, options: SamplingOptions = .init()) -> Tensor {
        let (batch, length, cm) = (c.shape[0], c.shape[1], c.shape[2])
        let window = config.receptiveField
        var out = Tensor(shape: [batch, length])
        let p = parameterCount
        for t in 0..<length {
            // Positions start...t; x[t] itself is unknown (zero) and unused (input shift).
            let start = max(0, t - window + 1)
            let span = t - start + 1
            var x = Tensor(shape: [batch, span, 1])
            var cw = Tensor(shape: [batch, span, cm])
            for b in 0..<batch {
                for i in 0..<(span - 1) { x.scalars[b * span + i] = out.scalars[b * length + start + i] }
                for i in 0..<span {
                    for k in 0..<cm { cw.scalars[(b * span + i) * cm + k] = c.scalars[(b * length + start + i) * cm + k] }
                }
            }
            let (params, _) = forward(audio: x, condition: cw)
            params.withUnsafeBufferPointer { ps in
                for b in 0..<batch {
                    let r = b * span + span - 1
                    let row = UnsafeBufferPointer(rebasing: ps[(r * p)..<((r + 1) * p)])
                    out.scalars[b * length + t] = distribution.sample(params: row, rng: &rng,
                                                                      temperature: options.temperature)
                }
            }
        }
        return out
    }

    /// c[:, t, :] into a `[B, Cmel]` tensor.
    private func copyStep(of c: Tensor, at t: Int, into step: inout Tensor) {
        let (batch, length, cm) = (c.shape[0], c.shape[1], c.shape[2])
        c.withPointer { pc in
            step.withMutablePointer { ps in
                for b in 0..<batch { (ps + b * cm).update(from: pc + (b * length + t) * cm, count: cm) }
            }
        }
    }
}
