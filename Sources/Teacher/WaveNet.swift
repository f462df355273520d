import Foundation
import Configuration
import Distributions
import HarmonicSource
import LinearPrediction
import NeuralLayers
import Randomness
import SignalProcessing
import Tensors

/// The teacher: an autoregressive WaveNet conditioned on log-mel frames (DESIGN §3).
///
///     c     = crop_T(upsampler(mel))                   [B, T, Cmel]   mel [B, F, Cmel], F*hop >= T
///     h_0   = input(shift(x))                          [B, T, Cres]   x [B, T, 1], shift: x[t-1], 0 at t=0
///     h_l, s_l = block_l(h_{l-1}, c)                   l = 1...L, dilation 2^((l-1) mod L/stacks)
///     skip  = sum_l s_l                                [B, T, Cskip]
///     θ     = out(relu(hidden(relu(skip))))            [B, T, P]      P = head.parameterCount
///     log p(x_t | x_<t, c) = head.logLikelihood(x_t; θ_t)
///
/// θ_t depends on x[t-R+1 ..< t] and c only (R = `config.receptiveField`): the input is
/// shifted by one sample, so the prediction for x_t never sees x_t.
///
/// With `config.linearPrediction` the head's locations and log-scales are offsets from a
/// predictor computed from the mel alone (`MelLinearPredictor`, no parameters):
///
///     θ_t[means]      = x^_t + std_t * net_t[means]          x^_t = sum_k b_k[t] x_{t-k} (mel-LPC)
///     θ_t[log-scales] = net_t[log-scales] + log std_t + log(scale/std)
///
/// x^_t depends on x_<t only, so the model stays causal and its likelihood exact; the network
/// learns the excitation x_t - x^_t in units of the predictor's level std_t (a per-frame gain
/// normalisation, so its outputs are O(1) in loud and quiet frames alike). A fresh model (output
/// weights small, log-scale biases 0) starts near the parameter-free mel-LPC model.
///
/// With `config.pitchLag` the input layer also reads the sample one pitch period back,
///
///     h_0   = input([shift(x), lagged(x)])             [B, T, 2] -> [B, T, Cres]
///     lagged(x)[t] = x~_t = x[t - lag_t]               (`PitchLagTrack`, from the mel's pitch)
///
/// a long-term predictor's input: in voiced frames x~ is one period back, which the dilated
/// stack alone may not reach. lag_t >= 2, so θ_t still depends on x_<t only.
///
/// Parameters (all prefixed `teacher.`): `upsampler.*`, `input.{weight,bias}` `[1, Cres]` (`[2, Cres]` with the pitch lag),
/// `layers.<l>.*` (see `ResidualBlock`), `head.hidden.{weight,bias}` `[Cskip, Cskip]`,
/// `head.out.{weight,bias}` `[Cskip, P]`. docs/teacher.md lists every tensor.
public struct WaveNet {
    public let config: WaveNetConfig
    /// Mel bands of the conditioning (the feature config's n_mels).
    public let conditionChannels: Int
    /// Samples per conditioning frame (the feature config's hop).
    public let hop: Int
    public let distribution: any OutputDistribution
    /// The mel-LPC predictor whose prediction and level the head is relative to (nil: none).
    public let predictor: MelLinearPredictor?
    /// The pitch estimator behind the lagged input (nil: no pitch lag).
    public let pitchEstimator: MelPitchEstimator?
    public let upsampler: ConditionUpsampler
    public let input: Linear
    public let blocks: [ResidualBlock]
    public let hidden: Linear
    public let output: Linear
    /// Every trainable tensor, in checkpoint order.
    public let parameters: ParameterSet

    /// A freshly initialised teacher. Throws if the config is invalid for this hop, or if it
    /// asks for linear prediction without the feature definition it derives from.
    public init(config: WaveNetConfig, conditionChannels: Int, hop: Int, seed: UInt64,
                features: FeatureConfig? = nil) throws {
        try config.validate(path: "teacher.model")
        try config.upsampler.validate(path: "teacher.model.upsampler", hop: hop)
        self.config = config
        self.conditionChannels = conditionChannels
        self.hop = hop
        distribution = try config.head.makeDistribution()
        if let lpc = config.linearPrediction {
            predictor = try MelLinearPredictor(features: .required(features, melBands: conditionChannels, hop: hop, path: "teacher.model.linear_prediction"), config: lpc)
        } else {
            predictor = nil
        }
        if let lagConfig = config.pitchLag {
            pitchEstimator = try MelPitchEstimator(features: .required(features, melBands: conditionChannels, hop: hop, path: "teacher.model.pitch_lag"), config: lagConfig)
        } else {
            pitchEstimator = nil
        }
        var rng = Philox(seed: seed, stream: 0x7EAC_4E12)
        upsampler = ConditionUpsampler(prefix: "teacher.upsampler", channels: conditionChannels, hop: hop,
                                       mode: config.upsampler.mode)
        input = Linear(prefix: "teacher.input", inputChannels: config.pitchLag == nil ? 1 : 2,
                       outputChannels: config.residualChannels, rng: &rng)
        blocks = (0..<config.layers).map { l in
            ResidualBlock(prefix: "teacher.layers.\(l)", configuration: .init(
                residualChannels: config.residualChannels, gateChannels: config.gateChannels,
                skipChannels: config.skipChannels, conditionChannels: conditionChannels,
                kernelSize: config.kernelSize, dilation: config.dilation(ofLayer: l),
                scaleResidual: config.scaleResidual), rng: &rng)
        }
        hidden = Linear(prefix: "teacher.head.hidden", inputChannels: config.skipChannels,
                        outputChannels: config.skipChannels, rng: &rng)
        // A small output layer starts every head near its neutral distribution, at the
        // configured initial scale.
        output = Linear(prefix: "teacher.head.out", inputChannels: config.skipChannels,
                        outputChannels: distribution.parameterCount, initialScale: 0.1, rng: &rng)
        // With linear prediction the log-scales are relative to the predictor's level, so 0
        // starts the model at the predictor itself.
        if let bias = output.bias {
            let initial = config.linearPrediction == nil ? config.head.initialLogScale : 0
            for i in config.head.logScaleIndices { bias.value.scalars[i] = initial }
        }
        var all = ParameterSet(upsampler.parameters + input.parameters)
        for block in blocks { for p in block.parameters { all.append(p) } }
        for p in hidden.parameters + output.parameters { all.append(p) }
        parameters = all
    }

    /// Floats of θ per time step.
    public var parameterCount: Int { distribution.parameterCount }

    // MARK: Conditioning

    /// The upsampled conditioning `[B, T, Cmel]` for `length` samples, with its cache.
    public func condition(mel: Tensor, length: Int) -> (condition: Tensor, cache: ConditionUpsampler.Cache) {
        precondition(mel.rank == 3 && mel.shape[2] == conditionChannels,
                     "teacher: mel must be [B, F, \(conditionChannels)], got \(mel.shape)")
        precondition(mel.shape[1] * hop >= length,
                     "teacher: \(mel.shape[1]) frames x hop \(hop) cannot condition \(length) samples")
        let (up, cache) = upsampler.forward(mel)
        return (SequenceCrop.crop(up, length: length), cache)
    }

    /// The per-sample predictor of each batch item for `length` samples under mel `[B, F, Cmel]`
    /// (nil without linear prediction).
    public func prediction(mel: Tensor, length: Int) -> [PredictionTrack]? {
        guard let predictor else { return nil }
        let (batch, frames) = (mel.shape[0], mel.shape[1])
        return mel.withUnsafeBufferPointer { m in
            (0..<batch).map { b in
                let item = UnsafeBufferPointer(rebasing: m[(b * frames * conditionChannels)..<((b + 1) * frames * conditionChannels)])
                return PredictionTrack(frames: predictor.frames(logMel: item, frameCount: frames), hop: hop, length: length)
            }
        }
    }

    /// The pitch lag of each batch item for `length` samples under mel `[B, F, Cmel]` (nil without
    /// a pitch lag).
    public func pitchLag(mel: Tensor, length: Int) -> [PitchLagTrack]? {
        guard let pitchEstimator else { return nil }
        return pitchEstimator.estimate(batchedLogMel: mel.scalars, items: mel.shape[0], frameCount: mel.shape[1]).map {
            PitchLagTrack(frames: $0, hop: hop, sampleRate: pitchEstimator.features.sampleRate, length: length)
        }
    }

    /// Turns one row of the network's outputs into head parameters relative to the predictor:
    /// locations `mean + std * net`, log-scales `net + log std + log(scale/std)`.
    @inline(__always)
    func addPrediction(to row: UnsafeMutablePointer<Float>, mean: Float, logStd: Float) {
        let std = expf(logStd)
        for i in config.head.meanIndices { row[i] = mean + std * row[i] }
        let logScale = logStd + config.head.logScalePerStd
        for i in config.head.logScaleIndices { row[i] += logScale }
    }

    // MARK: Forward / backward

    public struct Cache {
        public let upsampler: ConditionUpsampler.Cache?
        public let upsampledLength: Int
        public let condition: Tensor
        public let input: Linear.Cache
        public let blocks: [ResidualBlock.Cache]
        public let skipReLU: ReLU.Cache
        public let hidden: Linear.Cache
        public let hiddenReLU: ReLU.Cache
        public let output: Linear.Cache
        /// The predictor of each batch item, and its predictions x^ `[B, T]` (nil without).
        public let prediction: [PredictionTrack]?
        /// The pitch lag of each batch item (nil without, or with the lagged input given).
        public let pitchLag: [PitchLagTrack]?
    }

    /// θ `[B, T, P]` for the waveform x `[B, T, 1]` under the mel frames `[B, F, Cmel]`.
    public func forward(audio x: Tensor, mel: Tensor) -> (params: Tensor, cache: Cache) {
        let (c, upCache) = condition(mel: mel, length: x.shape[1])
        return forward(audio: x, condition: c, prediction: prediction(mel: mel, length: x.shape[1]),
                       pitchLag: pitchLag(mel: mel, length: x.shape[1]),
                       upsamplerCache: upCache, upsampledLength: mel.shape[1] * hop)
    }

    /// θ for x `[B, T, 1]` under an already upsampled conditioning c `[B, T, Cmel]` and, with
    /// linear prediction, the predictor of each item (`prediction(mel:length:)`), with a pitch
    /// lag each item's lag (`pitchLag(mel:length:)`).
    public func forward(audio x: Tensor, condition c: Tensor, prediction: [PredictionTrack]? = nil,
                        pitchLag: [PitchLagTrack]? = nil) -> (params: Tensor, cache: Cache) {
        forward(audio: x, condition: c, prediction: prediction, pitchLag: pitchLag, upsamplerCache: nil,
                upsampledLength: c.shape[1])
    }

    /// `networkOnly`: θ without the predictor's offsets even when the model has a predictor
    /// (the naive sampler adds them itself, from its full past). `laggedInput` `[B, T, 1]`: the
    /// lagged samples x~ given instead of computed from x and `pitchLag` (the naive sampler's,
    /// from its full past; no gradient reaches x through them).
    func forward(audio x: Tensor, condition c: Tensor, prediction: [PredictionTrack]?, pitchLag: [PitchLagTrack]?,
                 laggedInput: Tensor? = nil, upsamplerCache: ConditionUpsampler.Cache?, upsampledLength: Int,
                 networkOnly: Bool = false) -> (params: Tensor, cache: Cache) {
        precondition(networkOnly || (predictor == nil) == (prediction == nil),
                     "teacher: linear prediction \(predictor == nil ? "off" : "on") but predictor tracks \(prediction == nil ? "missing" : "given")")
        precondition((pitchEstimator == nil) == (pitchLag == nil && laggedInput == nil),
                     "teacher: pitch lag \(pitchEstimator == nil ? "off" : "on") but lag tracks \(pitchLag == nil ? "missing" : "given")")
        precondition(x.rank == 3 && x.shape[2] == 1, "teacher: audio must be [B, T, 1], got \(x.shape)")
        precondition(c.shape == [x.shape[0], x.shape[1], conditionChannels],
                     "teacher: conditioning \(c.shape) does not match audio \(x.shape)")
        var inputs = TimeShift.forward(x, steps: 1)
        if pitchEstimator != nil {
            let lagged = laggedInput ?? Self.lagged(x, tracks: pitchLag ?? [])
            precondition(lagged.shape == x.shape, "teacher: lagged input \(lagged.shape) for audio \(x.shape)")
            inputs = Self.interleave(inputs, lagged)
        }
        var (h, inputCache) = input.forward(inputs)
        var skip = Tensor(shape: [x.shape[0], x.shape[1], config.skipChannels])
        var blockCaches: [ResidualBlock.Cache] = []
        blockCaches.reserveCapacity(blocks.count)
        for block in blocks {
            let (next, s, cache) = block.forward(h, condition: c)
            if let s { Ops.axpy(1, s, &skip) }
            blockCaches.append(cache)
            h = next
        }
        let (a1, relu1) = ReLU.forward(skip)
        let (z, hiddenCache) = hidden.forward(a1)
        let (a2, relu2) = ReLU.forward(z)
        var (params, outputCache) = output.forward(a2)
        if let prediction { addPredictions(prediction, audio: x, to: &params) }
        return (params, Cache(upsampler: upsamplerCache, upsampledLength: upsampledLength, condition: c,
                              input: inputCache, blocks: blockCaches, skipReLU: relu1, hidden: hiddenCache,
                              hiddenReLU: relu2, output: outputCache, prediction: prediction,
                              pitchLag: laggedInput == nil ? pitchLag : nil))
    }

    /// x~ `[B, T, 1]`: each item's samples one pitch period back.
    static func lagged(_ x: Tensor, tracks: [PitchLagTrack]) -> Tensor {
        let (batch, length) = (x.shape[0], x.shape[1])
        precondition(tracks.count == batch && tracks.allSatisfy { $0.length == length },
                     "teacher: \(tracks.count) pitch lag tracks for audio \(x.shape)")
        var out = Tensor(shape: x.shape)
        x.withPointer { px in
            out.withMutablePointer { po in
                for (b, track) in tracks.enumerated() {
                    for t in 0..<length { po[b * length + t] = track.lagged(at: t, past: px + b * length) }
                }
            }
        }
        return out
    }

    /// [B, T, 1] and [B, T, 1] -> [B, T, 2] (channel 0 from a, 1 from b).
    static func interleave(_ a: Tensor, _ b: Tensor) -> Tensor {
        var out = Tensor(shape: [a.shape[0], a.shape[1], 2])
        for i in 0..<a.count {
            out.scalars[2 * i] = a.scalars[i]
            out.scalars[2 * i + 1] = b.scalars[i]
        }
        return out
    }

    /// θ += the predictor's offsets, with x^ computed from the teacher-forced audio x `[B, T, 1]`.
    private func addPredictions(_ tracks: [PredictionTrack], audio x: Tensor, to params: inout Tensor) {
        let (batch, length, p) = (x.shape[0], x.shape[1], parameterCount)
        precondition(tracks.count == batch && tracks.allSatisfy { $0.length == length },
                     "teacher: \(tracks.count) predictor tracks for audio \(x.shape)")
        var xhat = [Float](repeating: 0, count: length)
        x.withPointer { px in
            params.withMutablePointer { pp in
                for b in 0..<batch {
                    let track = tracks[b]
                    xhat.withUnsafeMutableBufferPointer { track.predictions(of: px + b * length, into: $0.baseAddress!) }
                    for t in 0..<length {
                        addPrediction(to: pp + (b * length + t) * p, mean: xhat[t], logStd: track.logStd[t])
                    }
                }
            }
        }
    }

    /// Backward from dL/dθ `[B, T, P]`. Adds parameter gradients unless `parameterGradients`
    /// is false (the frozen teacher during distillation), and returns dL/dx `[B, T, 1]`: the
    /// gradient through the teacher's dependence on x_<t.
    @discardableResult
    public func backward(params dParams: Tensor, cache: Cache, parameterGradients: Bool = true) -> Tensor {
        let dNet = cache.prediction.map { networkGradient($0, params: dParams) } ?? dParams
        let dA2 = output.backward(dNet, cache: cache.output, parameterGradients: parameterGradients)
        let dHidden = ReLU.backward(dA2, cache: cache.hiddenReLU)
        let dA1 = hidden.backward(dHidden, cache: cache.hidden, parameterGradients: parameterGradients)
        let dSkip = ReLU.backward(dA1, cache: cache.skipReLU)
        // The conditioning's gradient only feeds the upsampler's weights: skip it otherwise
        // (frozen teacher, or a forward from an already upsampled conditioning).
        let conditionGradient = parameterGradients && cache.upsampler != nil
        var dCondition = conditionGradient ? Tensor(shape: cache.condition.shape) : nil
        // The last block's residual output is unused: its gradient is zero (nil).
        var dh: Tensor?
        for (block, blockCache) in zip(blocks, cache.blocks).reversed() {
            let (dx, dc) = block.backward(output: dh, skip: dSkip, cache: blockCache,
                                          parameterGradients: parameterGradients, conditionGradient: conditionGradient)
            if dCondition != nil, let dc { Ops.axpy(1, dc, &dCondition!) }
            dh = dx
        }
        if parameterGradients, let upCache = cache.upsampler, let dc = dCondition {
            _ = upsampler.backward(SequenceCrop.pad(dc, length: cache.upsampledLength), cache: upCache)
        }
        // Blocks exist (config validation), so dh is set; zeros keep a block-less net defined.
        let dResidual = dh ?? Tensor(shape: Array(dSkip.shape.dropLast()) + [config.residualChannels])
        let dInputs = input.backward(dResidual, cache: cache.input, parameterGradients: parameterGradients)
        var dx: Tensor
        if pitchEstimator != nil {
            // Channel 0 is the shifted x; channel 1 is x~, whose adjoint spreads over x one period
            // back (no track in the cache: x~ was given, by the naive sampler, and has no gradient).
            let shape = Array(dInputs.shape.dropLast()) + [1]
            var dShifted = Tensor(shape: shape)
            for i in 0..<dShifted.count { dShifted.scalars[i] = dInputs.scalars[2 * i] }
            dx = TimeShift.backward(dShifted, steps: 1)
            if let tracks = cache.pitchLag {
                let length = shape[1]
                dx.withMutablePointer { pdx in
                    for (b, track) in tracks.enumerated() {
                        for t in 0..<length {
                            track.addLaggedAdjoint(dInputs.scalars[2 * (b * length + t) + 1], at: t, into: pdx + b * length)
                        }
                    }
                }
            }
        } else {
            dx = TimeShift.backward(dInputs, steps: 1)
        }
        if let tracks = cache.prediction { addPredictionGradient(tracks, params: dParams, into: &dx) }
        return dx
    }

    /// dL/d(network output) from dL/dθ: the locations were scaled by std_t.
    private func networkGradient(_ tracks: [PredictionTrack], params dParams: Tensor) -> Tensor {
        var dNet = dParams
        let (length, p) = (tracks[0].length, parameterCount)
        dNet.withMutablePointer { d in
            for (b, track) in tracks.enumerated() {
                for t in 0..<length {
                    let std = expf(track.logStd[t])
                    for i in config.head.meanIndices { d[(b * length + t) * p + i] *= std }
                }
            }
        }
        return dNet
    }

    /// dL/dx += the path through the predictions: d x^_t = sum of dL/dθ_t over the locations,
    /// then the predictor's adjoint spreads it over x_{t-1} ... x_{t-taps}.
    private func addPredictionGradient(_ tracks: [PredictionTrack], params dParams: Tensor, into dx: inout Tensor) {
        let (length, p) = (tracks[0].length, parameterCount)
        var dMean = [Float](repeating: 0, count: length)
        dParams.withPointer { dp in
            dx.withMutablePointer { pdx in
                for (b, track) in tracks.enumerated() {
                    for t in 0..<length {
                        let row = dp + (b * length + t) * p
                        var g: Float = 0
                        for i in config.head.meanIndices { g += row[i] }
                        dMean[t] = g
                    }
                    dMean.withUnsafeBufferPointer { track.addPredictionAdjoint($0.baseAddress!, into: pdx + b * length) }
                }
            }
        }
    }

    // MARK: Likelihood

    /// log p(x_t | x_<t, c) for every t: `[B * T]` in row order, with the forward cache.
    public func logLikelihood(audio x: Tensor, mel: Tensor) -> (logLikelihood: [Float], params: Tensor, cache: Cache) {
        let (params, cache) = forward(audio: x, mel: mel)
        var out = [Float](repeating: 0, count: x.count)
        let rows = x.count
        x.withUnsafeBufferPointer { xs in
            params.withUnsafeBufferPointer { ps in
                out.withUnsafeMutableBufferPointer { distribution.logLikelihood(x: xs, params: ps, rows: rows, into: $0) }
            }
        }
        return (out, params, cache)
    }

    /// Mean negative log-likelihood (nats per sample) of x, and its gradients when `train` is
    /// set: the teacher's maximum-likelihood training step.
    /// Without `train` it scores in chunks and keeps no caches (`scoreLogLikelihood`).
    public func negativeLogLikelihood(audio x: Tensor, mel: Tensor, accumulateGradients train: Bool) -> Double {
        guard train else {
            let logp = scoreLogLikelihood(audio: x, mel: mel)
            return -logp.reduce(0.0) { $0 + Double($1) } / Double(logp.count)
        }
        let (logp, params, cache) = logLikelihood(audio: x, mel: mel)
        let nll = -logp.reduce(0.0) { $0 + Double($1) } / Double(logp.count)
        // d(mean NLL)/d log p_r = -1/N for every row.
        let rows = x.count
        let upstream = [Float](repeating: -1 / Float(rows), count: rows)
        var dParams = Tensor(shape: params.shape)
        x.withUnsafeBufferPointer { xs in
            params.withUnsafeBufferPointer { ps in
                upstream.withUnsafeBufferPointer { us in
                    dParams.withUnsafeMutableBufferPointer { dp in
                        distribution.backward(x: xs, params: ps, rows: rows, upstream: us,
                                              paramsGradient: dp, xGradient: nil)
                    }
                }
            }
        }
        backward(params: dParams, cache: cache)
        return nll
    }
}

/// Cropping a sequence `[B, T', C]` to its first T steps, and the adjoint (zero padding).
enum SequenceCrop {
    static func crop(_ x: Tensor, length: Int) -> Tensor {
        let (batch, full, c) = (x.shape[0], x.shape[1], x.shape[2])
        if full == length { return x }
        var y = Tensor(shape: [batch, length, c])
        x.withPointer { px in
            y.withMutablePointer { py in
                for b in 0..<batch { (py + b * length * c).update(from: px + b * full * c, count: length * c) }
            }
        }
        return y
    }

    static func pad(_ x: Tensor, length: Int) -> Tensor {
        let (batch, short, c) = (x.shape[0], x.shape[1], x.shape[2])
        if short == length { return x }
        var y = Tensor(shape: [batch, length, c])
        x.withPointer { px in
            y.withMutablePointer { py in
                for b in 0..<batch { (py + b * length * c).update(from: px + b * short * c, count: short * c) }
            }
        }
        return y
    }
}
