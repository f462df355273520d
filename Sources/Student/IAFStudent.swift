import Configuration
import Distributions
import HarmonicSource
import LinearPrediction
import NeuralLayers
import Randomness
import SignalProcessing
import Tensors

/// The student: an inverse autoregressive flow (DESIGN §4), conditioned on log-mel frames, with
/// a logistic or Gaussian base (`config.base`, see `StudentBase`). From noise z `[B, T, 1]`
/// (z_t ~ Logistic(0, 1) or N(0, 1)) it computes, for all t at once,
///
///     c       = crop_T(upsampler(mel))                 [B, T, Cmel]   one upsampler shared by all flows
///     x_0     = z
///     mu_i, log s_i = f_i(x_{i-1}, c)                  flow i = 1...N (`StudentFlow`; depend on x_{i-1}[<t])
///     x_i     = x_{i-1} * s_i + mu_i                    s_i = exp(log s_i)
///     mu_tot  <- mu_tot * s_i + mu_i,  log s_tot += log s_i     (from 0, 0)
///
/// and returns x_N, mu_tot, log s_tot (`StudentOutput`). x_N[t] | z_<t ~ Base(mu_tot[t], s_tot[t]):
///
///     log p_S(x) = sum_t [ log p_base(z_t; 0, 1) - log s_tot[t] ]
///
/// Initialisation: every flow's head has zero weights and bias (0, log(initialScale)/N), so
/// at the start mu_i = 0 and s_i = initialScale^(1/N) for every input: the student's first
/// output is exactly x = initialScale * z, mu_tot = 0, s_tot = initialScale (small, DESIGN §4),
/// whatever the conditioning. The head's weights get gradients from the first step on (their
/// gradient is h_L^T d θ, nonzero); the layers below start receiving gradients once the head
/// weights move off zero. The rest is initialised like the teacher (LeCun-normal weights,
/// zero biases, triangle upsampler).
///
/// With `config.linearPrediction` the flows' output is an excitation in units of the mel
/// predictor's level, and `ExcitationFilter` turns it into the waveform (gain, then all-pole
/// synthesis); `StudentOutput` is then x-space: x, and x_t's location and log-scale given x_<t.
///
/// Parameters (checkpoint order): `student.upsampler.*`, then for each flow i
/// `student.flows.<i>.input.*`, `student.flows.<i>.layers.<l>.*`, `student.flows.<i>.head.*`.
/// docs/student.md lists every tensor.
public struct IAFStudent {
    public let config: StudentConfig
    /// Mel bands of the conditioning (the feature config's n_mels).
    public let conditionChannels: Int
    /// Samples per conditioning frame (the feature config's hop).
    public let hop: Int
    public let upsampler: ConditionUpsampler
    public let flows: [StudentFlow]
    /// The mel-LPC predictor of the excitation filter (nil: none).
    public let predictor: MelLinearPredictor?
    /// The voiced source added to the noise before the flows (nil: none).
    let source: HarmonicSourceStep?
    /// Every trainable tensor, in checkpoint order.
    public let parameters: ParameterSet

    /// A freshly initialised student. Throws if the config is invalid for this hop.
    /// With linear prediction `features` (the mel's definition) is required.
    public init(config: StudentConfig, conditionChannels: Int, hop: Int, seed: UInt64,
                features: FeatureConfig? = nil) throws {
        try config.validate(path: "student.model")
        try config.upsampler.validate(path: "student.model.upsampler", hop: hop)
        try Require.positive(conditionChannels, "conditionChannels")
        if let lpc = config.linearPrediction {
            predictor = try MelLinearPredictor(features: .required(features, melBands: conditionChannels, hop: hop, path: "student.model.linear_prediction"), config: lpc)
        } else {
            predictor = nil
        }
        if let sourceConfig = config.harmonicSource {
            source = try HarmonicSourceStep(features: .required(features, melBands: conditionChannels, hop: hop, path: "student.model.harmonic_source"), config: sourceConfig, base: config.base)
        } else {
            source = nil
        }
        self.config = config
        self.conditionChannels = conditionChannels
        self.hop = hop
        var rng = Philox(seed: seed, stream: 0x57D0_1AF0)
        upsampler = ConditionUpsampler(prefix: "student.upsampler", channels: conditionChannels, hop: hop,
                                       mode: config.upsampler.mode)
        var built: [StudentFlow] = []
        for i in config.flows.indices {
            built.append(StudentFlow(index: i, config: config, conditionChannels: conditionChannels, rng: &rng))
        }
        flows = built
        var all = ParameterSet(upsampler.parameters)
        for flow in flows { for p in flow.parameters { all.append(p) } }
        for p in source?.parameters ?? [] { all.append(p) }
        parameters = all
    }

    /// Samples of z that x_N[t] depends on: z[t - R + 1 ... t] (see `StudentConfig.receptiveField`).
    public var receptiveField: Int { config.receptiveField }

    // MARK: Conditioning

    /// The upsampled conditioning `[B, T, Cmel]` for `length` samples, with its cache.
    public func condition(mel: Tensor, length: Int) -> (condition: Tensor, cache: ConditionUpsampler.Cache) {
        checkMel(mel, length: length)
        let (up, cache) = upsampler.forward(mel)
        return (TimeWindow.crop(up, from: 0, length: length), cache)
    }

    /// Each batch item's per-sample predictor for `length` samples (nil without linear prediction).
    public func prediction(mel: Tensor, length: Int) -> [PredictionTrack]? {
        guard let predictor else { return nil }
        let (batch, frames) = (mel.shape[0], mel.shape[1])
        return mel.withUnsafeBufferPointer { m in
            (0..<batch).map { b in
                let per = frames * conditionChannels
                let item = UnsafeBufferPointer(rebasing: m[(b * per)..<((b + 1) * per)])
                return PredictionTrack(frames: predictor.frames(logMel: item, frameCount: frames), hop: hop, length: length)
            }
        }
    }

    func checkMel(_ mel: Tensor, length: Int) {
        precondition(mel.rank == 3 && mel.shape[2] == conditionChannels,
                     "student: mel must be [B, F, \(conditionChannels)], got \(mel.shape)")
        precondition(length >= 0 && mel.shape[1] * hop >= length,
                     "student: \(mel.shape[1]) frames x hop \(hop) cannot condition \(length) samples")
    }

    // MARK: Forward / backward

    public struct Cache {
        public let upsampler: ConditionUpsampler.Cache?
        public let upsampledLength: Int
        public let conditionShape: [Int]
        public let flows: [StudentFlow.Cache]
        let steps: [AffineComposition.Cache]
        /// The excitation filter's predictor of each item (nil: none).
        let prediction: [PredictionTrack]?
        /// The voiced source's cache (nil: none, or given as `sourceMean`).
        let source: HarmonicSourceStep.Cache?
    }

    /// mu_src `[B, T, 1]` of the voiced source for mel `[B, F, Cmel]` (nil without one): the
    /// `sourceMean` of `forward(noise:condition:prediction:sourceMean:)` and synthesis.
    public func sourceMean(mel: Tensor, length: Int) -> Tensor? {
        checkMel(mel, length: length)
        return source?.forward(mel: mel, length: length).mean
    }

    /// x_N, mu_tot, log s_tot for noise z `[B, T, 1]` under mel frames `[B, F, Cmel]`, F*hop >= T.
    /// The backward then also reaches the upsampler's parameters.
    public func forward(noise z: Tensor, mel: Tensor) -> (output: StudentOutput, cache: Cache) {
        let (c, upCache) = condition(mel: mel, length: z.shape[1])
        let src = source?.forward(mel: mel, length: z.shape[1])
        return forward(noise: z, condition: c, prediction: prediction(mel: mel, length: z.shape[1]),
                       sourceMean: src?.mean, sourceCache: src?.cache,
                       upsamplerCache: upCache, upsampledLength: mel.shape[1] * hop)
    }

    /// The same under an already upsampled conditioning c `[B, T, Cmel]` (no upsampler gradients).
    /// With linear prediction, `prediction` is each item's predictor (`prediction(mel:length:)`);
    /// with a voiced source, `sourceMean` is its mu_src (`sourceMean(mel:length:)`, no gradients).
    public func forward(noise z: Tensor, condition c: Tensor, prediction: [PredictionTrack]? = nil,
                        sourceMean: Tensor? = nil) -> (output: StudentOutput, cache: Cache) {
        forward(noise: z, condition: c, prediction: prediction, sourceMean: sourceMean, sourceCache: nil,
                upsamplerCache: nil, upsampledLength: c.shape[1])
    }

    private func forward(noise z: Tensor, condition c: Tensor, prediction: [PredictionTrack]?,
                         sourceMean: Tensor?, sourceCache: HarmonicSourceStep.Cache?,
                         upsamplerCache: ConditionUpsampler.Cache?,
                         upsampledLength: Int) -> (output: StudentOutput, cache: Cache) {
        checkInputs(z, c)
        precondition((predictor == nil) == (prediction == nil),
                     "student: linear prediction \(predictor == nil ? "off" : "on") but predictor tracks \(prediction == nil ? "missing" : "given")")
        precondition((source == nil) == (sourceMean == nil),
                     "student: voiced source \(source == nil ? "off" : "on") but its mean \(sourceMean == nil ? "missing" : "given")")
        // x_0 = z + mu_src: a first flow step with scale 1 (mean_0 = mu_src, log s_0 = 0).
        var x = z
        var mean = Tensor(shape: z.shape), logScale = Tensor(shape: z.shape)
        if let sourceMean {
            precondition(sourceMean.shape == z.shape, "student: source mean \(sourceMean.shape) for noise \(z.shape)")
            Ops.axpy(1, sourceMean, &x)
            mean = sourceMean
        }
        var flowCaches: [StudentFlow.Cache] = [], steps: [AffineComposition.Cache] = []
        for flow in flows {
            let (mu, l, cache) = flow.forward(x, condition: c)
            flowCaches.append(cache)
            if let step = AffineComposition.forward(x: &x, mean: &mean, logScale: &logScale,
                                                    flowMean: mu, flowLogScale: l, keepCache: true) {
                steps.append(step)
            }
        }
        var output = StudentOutput(x: x, mean: mean, logScale: logScale)
        if let prediction { output = ExcitationFilter.forward(output, tracks: prediction, base: config.base) }
        return (output, Cache(upsampler: upsamplerCache, upsampledLength: upsampledLength, conditionShape: c.shape,
                              flows: flowCaches, steps: steps, prediction: prediction, source: sourceCache))
    }

    func checkInputs(_ z: Tensor, _ c: Tensor) {
        precondition(z.rank == 3 && z.shape[2] == 1, "student: noise must be [B, T, 1], got \(z.shape)")
        precondition(c.shape == [z.shape[0], z.shape[1], conditionChannels],
                     "student: conditioning \(c.shape) does not match noise \(z.shape) (expected [B, T, \(conditionChannels)])")
    }

    /// Backward from the gradients of the three outputs (nil: zero), each `[B, T, 1]`. Adds every
    /// parameter gradient (the upsampler's too when the forward took mel frames) and returns
    /// d loss / d z `[B, T, 1]`.
    ///
    /// The forward in reverse, flow N first; for flow i (see `AffineComposition` for the algebra):
    ///
    ///     d mu_i, d log s_i          from (dx_i, dM_i, dL_i) through x_i, M_i, L_i
    ///     dx_{i-1}  = dx_i * s_i  +  f_i^T(d mu_i, d log s_i)    the second term: flow i's
    ///                                                            network on x_{i-1}[<t] (`StudentFlow.backward`)
    ///     dM_{i-1}  = dM_i * s_i,   dL_{i-1} = dL_i
    ///     d c      += the flow's conditioning gradient
    ///
    /// and at the end d z = dx_0, and the upsampler's backward on d c (zero-padded to F*hop).
    @discardableResult
    public func backward(x dX: Tensor?, mean dMean: Tensor?, logScale dLogScale: Tensor?, cache: Cache) -> Tensor {
        let shape = Array(cache.conditionShape.dropLast()) + [1]
        for (name, d) in [("x", dX), ("mean", dMean), ("logScale", dLogScale)] {
            if let d { precondition(d.shape == shape, "student.backward: d\(name) is \(d.shape), expected \(shape)") }
        }
        var dx = dX ?? Tensor(shape: shape)
        var dM = dMean ?? Tensor(shape: shape)
        if let tracks = cache.prediction {
            (dx, dM) = ExcitationFilter.backward(x: dx, mean: dM, tracks: tracks, base: config.base)
        }
        let dL = dLogScale ?? Tensor(shape: shape)
        var dCondition: Tensor?
        for i in flows.indices.reversed() {
            let (dMu, dl) = AffineComposition.backward(dx: &dx, dMean: &dM, dLogScale: dL, cache: cache.steps[i])
            let (dxNet, dc) = flows[i].backward(mean: dMu, logScale: dl, cache: cache.flows[i])
            Ops.axpy(1, dxNet, &dx)
            if let dc {
                if dCondition == nil { dCondition = dc } else { Ops.axpy(1, dc, &dCondition!) }
            }
        }
        // x_0 = z + mu_src and mean_0 = mu_src: d mu_src = dx_0 + dM_0; d z = dx_0.
        if let sourceCache = cache.source {
            var dSource = dx
            Ops.axpy(1, dM, &dSource)
            source?.backward(dSource, cache: sourceCache)
        }
        if let upCache = cache.upsampler, let dc = dCondition {
            _ = upsampler.backward(TimeWindow.pad(dc, toLength: cache.upsampledLength), cache: upCache)
        }
        return dx
    }

    // MARK: Likelihood

    /// log p_S(x_t | x_<t) for every t: `[B * T]` in row order, for the noise z `[B, T, 1]`
    /// that produced `output`:
    ///
    ///     log p_base(z_t; 0, 1) - log s_tot[t]     logistic: -z - 2 softplus(-z) - log s_tot
    ///                                              gaussian: -z^2/2 - log(2 pi)/2 - log s_tot
    ///
    /// z is the base noise itself (temperature 1): x_t = mu_tot + s_tot z_t with mu_tot, s_tot
    /// fixed given z_<t, so the density of x_t is the density of z_t divided by s_tot.
    public func logLikelihood(noise z: Tensor, output: StudentOutput) -> [Float] {
        precondition(z.shape == output.logScale.shape,
                     "student.logLikelihood: noise \(z.shape) does not match the output \(output.logScale.shape)")
        var out = [Float](repeating: 0, count: z.count)
        let base = config.base
        z.withUnsafeBufferPointer { zs in
            output.logScale.withUnsafeBufferPointer { ls in
                for i in out.indices { out[i] = base.standardLogPDF(zs[i]) - ls[i] }
            }
        }
        return out
    }
}

extension Require {
    static func positive(_ value: Int, _ name: String) throws {
        try Require.that(value > 0, name, "must be positive (got \(value))")
    }
}
