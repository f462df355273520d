import Distributions
import HarmonicSource
import LinearPrediction
import NeuralLayers
import Randomness
import SignalProcessing
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
        /// A temperature per batch item and sample (`[B][T]`), replacing `temperature` where
        /// given: `voiced(...)` builds LPCNet's voiced sampling from a voicing track.
        public var temperatures: [[Float]]?

        public init(temperature: Float = 1) { self.temperature = temperature }

        public init(temperatures: [[Float]]) {
            precondition(temperatures.allSatisfy { $0.allSatisfy { $0 >= 0 && $0.isFinite } },
                         "SamplingOptions: temperatures must be finite and >= 0")
            self.temperatures = temperatures
        }

        /// LPCNet samples voiced speech colder than the rest: a noise draw of full width in a
        /// voiced frame adds a broadband floor between the harmonics and can break a period,
        /// while unvoiced sounds are noise and need the full width. `voiced` in the samples of
        /// the frames each item's track marks voiced (the nearest frame decides, as for the
        /// pitch lag), `unvoiced` elsewhere.
        public static func voiced(_ tracks: [[SourceFrame]], hop: Int, length: Int, voiced: Float, unvoiced: Float = 1) -> Self {
            Self(temperatures: tracks.map { frames in
                (0..<length).map { PulseTrain.f0(atSample: $0, frames: frames, hop: hop) == nil ? unvoiced : voiced }
            })
        }

        /// `voiced(...)` with each item's voicing estimated from its mel `[B, F, n_mels]`
        /// (`MelPitchEstimator` with the harmonic source's default settings).
        public static func voiced(mel: Tensor, features: FeatureConfig, length: Int, voiced: Float,
                                  unvoiced: Float = 1) throws -> Self {
            let estimator = try MelPitchEstimator(features: features, config: HarmonicSourceConfig())
            let tracks = estimator.estimate(batchedLogMel: mel.scalars, items: mel.shape[0], frameCount: mel.shape[1])
            return Self.voiced(tracks, hop: features.hopLength, length: length, voiced: voiced, unvoiced: unvoiced)
        }

        /// The temperature of item `b`'s sample `t`.
        @inline(__always)
        func temperature(item b: Int, at t: Int) -> Float { temperatures?[b][t] ?? temperature }

        func check(batch: Int, length: Int) {
            guard let temperatures else { return }
            precondition(temperatures.count == batch && temperatures.allSatisfy { $0.count == length },
                         "teacher sampling: temperatures must be [\(batch)][\(length)]")
        }
    }

    /// `length` samples under mel frames `[B, F, Cmel]` by cached sampling, with the conditioning,
    /// predictor and pitch lag the model uses computed from the mel: the sampler to call.
    public func sample(mel: Tensor, length: Int, rng: inout Philox, options: SamplingOptions = .init(),
                       progress: ((Int) -> Void)? = nil) -> Tensor {
        sampleCached(condition: condition(mel: mel, length: length).condition, prediction: prediction(mel: mel, length: length),
                     pitchLag: pitchLag(mel: mel, length: length), rng: &rng, options: options, progress: progress)
    }

    /// The same by naive sampling (`sampleNaive`): the reference, O(R) times slower.
    public func sampleNaive(mel: Tensor, length: Int, rng: inout Philox, options: SamplingOptions = .init()) -> Tensor {
        sampleNaive(condition: condition(mel: mel, length: length).condition, prediction: prediction(mel: mel, length: length),
                    pitchLag: pitchLag(mel: mel, length: length), rng: &rng, options: options)
    }

    /// Cached (fast-wavenet) sampling: every residual layer keeps a queue of its last
    /// (k-1)*d inputs, so a step costs one column through the network. All buffers are made
    /// once per call (`CachedSamplingState`); the steps allocate nothing.
    /// - Parameters:
    ///   - condition: upsampled conditioning `[B, T, Cmel]` (see `condition(mel:length:)`).
    ///   - prediction: with linear prediction, each item's predictor (`prediction(mel:length:)`).
    ///   - pitchLag: with a pitch lag, each item's lag (`pitchLag(mel:length:)`).
    ///   - progress: called every 1024 steps with the number of steps done.
    /// - Returns: the waveform `[B, T]`.
    public func sampleCached(condition c: Tensor, prediction: [PredictionTrack]? = nil, pitchLag: [PitchLagTrack]? = nil,
                             rng: inout Philox, options: SamplingOptions = .init(),
                             progress: ((Int) -> Void)? = nil) -> Tensor {
        precondition(c.rank == 3 && c.shape[2] == conditionChannels,
                     "teacher: conditioning must be [B, T, \(conditionChannels)], got \(c.shape)")
        let (batch, length) = (c.shape[0], c.shape[1])
        checkPrediction(prediction, batch: batch, length: length)
        checkPitchLag(pitchLag, batch: batch, length: length)
        options.check(batch: batch, length: length)
        var out = Tensor(shape: [batch, length])
        guard batch > 0, length > 0 else { return out }
        var state = CachedSamplingState(self, batch: batch)
        var previous = [Float](repeating: 0, count: batch)
        var lagged = [Float](repeating: 0, count: batch)
        let p = parameterCount
        c.withPointer { pc in
            out.withMutablePointer { po in
                for t in 0..<length {
                    let offset = t % state.chunk
                    if offset == 0 { state.prepare(condition: pc, length: length, from: t, count: min(state.chunk, length - t)) }
                    if let pitchLag {
                        for b in 0..<batch { lagged[b] = pitchLag[b].lagged(at: t, past: po + b * length) }
                    }
                    let params = previous.withUnsafeBufferPointer { prev in
                        lagged.withUnsafeBufferPointer { lag in
                            // Non-empty: batch > 0.
                            guard let base = prev.baseAddress, let lagBase = lag.baseAddress else {
                                preconditionFailure("cached sampling: empty batch")
                            }
                            return state.step(previous: base, lagged: pitchLag == nil ? nil : lagBase, offset: offset)
                        }
                    }
                    if let prediction {
                        let rows = UnsafeMutablePointer(mutating: params)
                        for b in 0..<batch {
                            let xhat = Self.prediction(prediction[b], at: t, past: po + b * length)
                            addPrediction(to: rows + b * p, mean: xhat, logStd: prediction[b].logStd[t])
                        }
                    }
                    for b in 0..<batch {
                        let x = distribution.sample(params: UnsafeBufferPointer(start: params + b * p, count: p),
                                                    rng: &rng, temperature: options.temperature(item: b, at: t))
                        po[b * length + t] = x
                        previous[b] = x
                    }
                    if let progress, (t + 1) % 1024 == 0 { progress(t + 1) }
                }
            }
        }
        withExtendedLifetime(state) {}
        return out
    }

    /// Naive sampling, the reference for `sampleCached`: at every step the full network is
    /// re-run over the last R samples (R = receptive field), and the last output is used.
    /// O(R) times slower; only for tests and the benchmark's baseline. The predictor and the
    /// lagged input see the full past (they reach beyond the window).
    public func sampleNaive(condition c: Tensor, prediction: [PredictionTrack]? = nil, pitchLag: [PitchLagTrack]? = nil,
                            rng: inout Philox, options: SamplingOptions = .init()) -> Tensor {
        let (batch, length, cm) = (c.shape[0], c.shape[1], c.shape[2])
        checkPrediction(prediction, batch: batch, length: length)
        checkPitchLag(pitchLag, batch: batch, length: length)
        options.check(batch: batch, length: length)
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
            var laggedInput: Tensor?
            if let pitchLag {
                var lagged = Tensor(shape: [batch, span, 1])
                out.withPointer { po in
                    for b in 0..<batch {
                        for i in 0..<span { lagged.scalars[b * span + i] = pitchLag[b].lagged(at: start + i, past: po + b * length) }
                    }
                }
                laggedInput = lagged
            }
            var (params, _) = forward(audio: x, condition: cw, prediction: nil, pitchLag: nil, laggedInput: laggedInput,
                                      upsamplerCache: nil, upsampledLength: span, networkOnly: true)
            if let prediction {
                // The prediction for x_t from the samples drawn so far (the full past, as the
                // cached sampler sees it, not just the window).
                out.withPointer { po in
                    params.withMutablePointer { pp in
                        for b in 0..<batch {
                            let xhat = Self.prediction(prediction[b], at: t, past: po + b * length)
                            addPrediction(to: pp + (b * span + span - 1) * p, mean: xhat, logStd: prediction[b].logStd[t])
                        }
                    }
                }
            }
            params.withUnsafeBufferPointer { ps in
                for b in 0..<batch {
                    let r = b * span + span - 1
                    let row = UnsafeBufferPointer(rebasing: ps[(r * p)..<((r + 1) * p)])
                    out.scalars[b * length + t] = distribution.sample(params: row, rng: &rng,
                                                                      temperature: options.temperature(item: b, at: t))
                }
            }
        }
        return out
    }

    /// x^_t from the waveform drawn so far, `past[0 ..< t]` (zeros before the start).
    static func prediction(_ track: PredictionTrack, at t: Int, past: UnsafePointer<Float>) -> Float {
        var sum: Float = 0
        for k in 1...track.taps where t - k >= 0 { sum += track.coefficients[t * track.taps + k - 1] * past[t - k] }
        return sum
    }

    private func checkPitchLag(_ pitchLag: [PitchLagTrack]?, batch: Int, length: Int) {
        precondition((pitchEstimator == nil) == (pitchLag == nil),
                     "teacher sampling: pitch lag \(pitchEstimator == nil ? "off" : "on") but lag tracks \(pitchLag == nil ? "missing" : "given")")
        if let pitchLag {
            precondition(pitchLag.count == batch && pitchLag.allSatisfy { $0.length >= length },
                         "teacher sampling: \(pitchLag.count) pitch lag tracks for \(batch) x \(length) samples")
        }
    }

    private func checkPrediction(_ prediction: [PredictionTrack]?, batch: Int, length: Int) {
        precondition((predictor == nil) == (prediction == nil),
                     "teacher sampling: linear prediction \(predictor == nil ? "off" : "on") but predictor tracks \(prediction == nil ? "missing" : "given")")
        if let prediction {
            precondition(prediction.count == batch && prediction.allSatisfy { $0.length >= length },
                         "teacher sampling: \(prediction.count) predictor tracks for \(batch) x \(length) samples")
        }
    }
}
