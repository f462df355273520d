import Configuration
import HarmonicSource
import Foundation
import LinearPrediction
import NeuralLayers

/// The IAF student's architecture (YAML section `student.model`). Stored in every student
/// checkpoint (`model_config`), so a checkpoint rebuilds its own model.
///
/// `preset` picks a named size (`tiny`, `small`, `full`); keys given next to it override the
/// preset's values.
///
///     model:
///       preset: full
///       flows: [10, 10, 10, 30]   # residual layers of each flow, first flow first
///       channels: 64              # residual channels of every flow
///       gate_channels: 128        # dilated-conv output, halved by the gate (default 2 * channels)
///       kernel_size: 3
///       dilation_cycle: 10        # layer l of a flow has dilation 2^(l mod dilation_cycle)
///       scale_residual: true      # residual sum times sqrt(1/2)
///       log_scale_min: -7         # clamp of each flow's log s_i (natural log)
///       log_scale_max: 3
///       initial_scale: 0.05       # s_tot of the freshly initialised student
///       upsampler: {kind: shared_transposed, strides: [4, 4, 4, 4]}   # give `kind` when you give
///                                 # the section: alone, it means `transposed` (per-band taps,
///                                 # which synthesis cannot project at the frame rate)
///       base: logistic            # noise distribution: logistic (Parallel WaveNet) | gaussian (ClariNet,
///                                 # needs teacher.head.kind: gaussian); absent in old checkpoints = logistic
///
/// The clamp: each flow's raw log-scale r_i is clamped to [log_scale_min, log_scale_max]
/// before s_i = exp(.) (the gradient is zero where it is clamped). The floor e^-7 ~ 9e-4
/// per flow still lets N = 4 flows reach s_tot = e^-28, far below the 16-bit bin width
/// (2^-15 ~ e^-10.4), so it never limits how sharp the student can be; it only keeps one
/// flow from collapsing to exp underflow. The ceiling e^3 ~ 20 per flow allows intermediate
/// flows to expand while stopping a diverging step from producing huge samples.
public struct StudentConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// Residual layers of each flow, in order of application (flow 0 acts on the noise).
    public var flows: [Int]
    /// Residual channels (the width of every flow's residual stream).
    public var channels: Int
    /// Channels of each dilated conv's output, split in half by the gate.
    public var gateChannels: Int
    public var kernelSize: Int
    /// Layers per dilation cycle: layer l of a flow (0-based) has dilation 2^(l mod cycle).
    public var dilationCycle: Int
    /// Multiply each residual sum by sqrt(1/2) (keeps the residual stream's variance flat).
    public var scaleResidual: Bool
    /// Clamp of each flow's log s_i (natural log).
    public var logScaleMin: Float
    public var logScaleMax: Float
    /// s_tot of a freshly initialised student: its first output is exactly initialScale * z.
    public var initialScale: Float
    public var upsampler: UpsamplerConfig
    /// Distribution of the noise z (and so of x_N[t] given z_<t): see `StudentBase`.
    public var base: StudentBase
    /// Linear prediction from the mel (YAML `linear_prediction`, absent: none). The flows then
    /// produce the excitation in units of the predictor's level, and a fixed all-pole filter adds
    /// the prediction (see `ExcitationFilter`); `initial_scale: 1` starts the excitation at the
    /// predictor's level.
    public var linearPrediction: LinearPredictionConfig?
    /// A pulse train at the pitch the mel carries, added to the base noise before the flows
    /// (YAML `harmonic_source`, absent: none; see `HarmonicSourceStep`).
    public var harmonicSource: HarmonicSourceConfig?

    public init(flows: [Int], channels: Int, gateChannels: Int? = nil, kernelSize: Int, dilationCycle: Int = 10,
                scaleResidual: Bool = true, logScaleMin: Float = -7, logScaleMax: Float = 3,
                initialScale: Float = 0.05, upsampler: UpsamplerConfig = UpsamplerConfig(kind: .sharedTransposed),
                base: StudentBase = .logistic) {
        self.flows = flows
        self.channels = channels
        self.gateChannels = gateChannels ?? 2 * channels
        self.kernelSize = kernelSize
        self.dilationCycle = dilationCycle
        self.scaleResidual = scaleResidual
        self.logScaleMin = logScaleMin
        self.logScaleMax = logScaleMax
        self.initialScale = initialScale
        self.upsampler = upsampler
        self.base = base
    }

    /// Named sizes.
    /// - `tiny`: 2 flows [2, 2], 8 channels, kernel 2 (tests; receptive field 9 samples).
    /// - `small`: 4 flows [6, 6, 6, 6], 48 channels, kernel 3: the 10-minute quickstart on two
    ///   cores, ~1.14 MFLOP per sample with 80 mel bands (24 % of `full`).
    /// - `full`: the Parallel WaveNet student, 4 flows [10, 10, 10, 30], 64 channels, kernel 3
    ///   (~4.67 MFLOP per sample with 80 mel bands; receptive field 12281 samples).
    public enum Preset: String, Codable, Sendable, CaseIterable {
        case tiny, small, full
    }

    public static func preset(_ preset: Preset) -> StudentConfig {
        switch preset {
        case .tiny:
            return StudentConfig(flows: [2, 2], channels: 8, kernelSize: 2)
        case .small:
            return StudentConfig(flows: [6, 6, 6, 6], channels: 48, kernelSize: 3)
        case .full:
            return StudentConfig(flows: [10, 10, 10, 30], channels: 64, kernelSize: 3)
        }
    }

    // MARK: Derived sizes

    public var flowCount: Int { flows.count }

    /// Dilation of layer l (0-based) of any flow: 2^(l mod dilationCycle).
    public func dilation(ofLayer l: Int) -> Int { 1 << (l % dilationCycle) }

    /// Receptive field of flow i, in samples of its input x_{i-1}:
    ///
    ///     R_i = (k - 1) * sum_l d_l + 2
    ///
    /// mu_i[t] and log s_i[t] see x_{i-1}[t - R_i + 1 ..< t] (the layers' (k-1)*sum d_l + 1
    /// samples, moved one step into the past by the input shift), and x_i[t] = x_{i-1}[t] * s_i[t]
    /// + mu_i[t] adds x_{i-1}[t] itself: x_i[t] depends on x_{i-1}[t - R_i + 1 ... t].
    public func receptiveField(ofFlow i: Int) -> Int {
        (kernelSize - 1) * (0..<flows[i]).reduce(0) { $0 + dilation(ofLayer: $1) } + 2
    }

    /// Receptive field of the whole stack, in samples of the noise z:
    ///
    ///     R = sum_i (R_i - 1) + 1
    ///
    /// x_N[t] depends on z[t - R + 1 ... t]; mu_tot[t] and log s_tot[t] on z[t - R + 1 ..< t].
    /// The conditioning c enters at c[t - R + 2 ... t] at most. `full`: 3 * 2047 + 6139 + 1 = 12281.
    public var receptiveField: Int {
        flows.indices.reduce(0) { $0 + receptiveField(ofFlow: $1) - 1 } + 1
    }

    /// Multiply-adds times two per output sample of the flows (the conditioning upsampler and
    /// the elementwise work are left out): per residual layer
    /// 2 * (k*C*G + Cmel*G + (G/2)*C), per flow 2*C (input) + 2*2*C (head).
    public func flopsPerSample(conditionChannels: Int) -> Int {
        let (c, g, k) = (channels, gateChannels, kernelSize)
        let layer = 2 * (k * c * g + conditionChannels * g + (g / 2) * c)
        return flows.reduce(0) { $0 + $1 * layer + 2 * c + 4 * c }
    }

    /// Initial bias of each flow's log-scale output: log(initialScale) / N, so that
    /// s_tot = prod_i s_i = initialScale at initialisation.
    public var initialLogScalePerFlow: Float {
        Float(Foundation.log(Double(initialScale)) / Double(flowCount))
    }

    // MARK: Coding

    enum CodingKeys: String, CodingKey, CaseIterable {
        case preset, flows, channels
        case gateChannels = "gate_channels"
        case kernelSize = "kernel_size"
        case dilationCycle = "dilation_cycle"
        case scaleResidual = "scale_residual"
        case logScaleMin = "log_scale_min"
        case logScaleMax = "log_scale_max"
        case initialScale = "initial_scale"
        case upsampler, base
        case linearPrediction = "linear_prediction"
        case harmonicSource = "harmonic_source"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let preset = StudentConfig.preset(try c.value(.preset, default: Preset.small))
        flows = try c.value(.flows, default: preset.flows)
        channels = try c.value(.channels, default: preset.channels)
        // gate_channels follows an overridden `channels` unless given itself.
        gateChannels = try c.value(.gateChannels, default: 2 * channels)
        kernelSize = try c.value(.kernelSize, default: preset.kernelSize)
        dilationCycle = try c.value(.dilationCycle, default: preset.dilationCycle)
        scaleResidual = try c.value(.scaleResidual, default: preset.scaleResidual)
        logScaleMin = try c.value(.logScaleMin, default: preset.logScaleMin)
        logScaleMax = try c.value(.logScaleMax, default: preset.logScaleMax)
        initialScale = try c.value(.initialScale, default: preset.initialScale)
        upsampler = try c.value(.upsampler, default: preset.upsampler)
        // Checkpoints written before the Gaussian variant have no `base`: they are logistic.
        base = try c.value(.base, default: preset.base)
        linearPrediction = try c.decodeIfPresent(LinearPredictionConfig.self, forKey: .linearPrediction)
        harmonicSource = try c.decodeIfPresent(HarmonicSourceConfig.self, forKey: .harmonicSource)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(flows, forKey: .flows)
        try c.encode(channels, forKey: .channels)
        try c.encode(gateChannels, forKey: .gateChannels)
        try c.encode(kernelSize, forKey: .kernelSize)
        try c.encode(dilationCycle, forKey: .dilationCycle)
        try c.encode(scaleResidual, forKey: .scaleResidual)
        try c.encode(logScaleMin, forKey: .logScaleMin)
        try c.encode(logScaleMax, forKey: .logScaleMax)
        try c.encode(initialScale, forKey: .initialScale)
        try c.encode(upsampler, forKey: .upsampler)
        try c.encode(base, forKey: .base)
        try c.encodeIfPresent(linearPrediction, forKey: .linearPrediction)
        try c.encodeIfPresent(harmonicSource, forKey: .harmonicSource)
    }

    public func validate(path: String) throws {
        try Require.that(!flows.isEmpty && flows.count <= 16, key(path, "flows"), "must list 1 to 16 flows")
        for (i, layers) in flows.enumerated() {
            try Require.that(layers >= 1 && layers <= 128, key(path, "flows.\(i)"), "layers per flow must be in 1...128")
        }
        try Require.that(channels >= 1 && channels <= 1024, key(path, "channels"), "must be in 1...1024")
        try Require.that(gateChannels >= 2 && gateChannels % 2 == 0, key(path, "gate_channels"),
                         "must be even and >= 2")
        try Require.that(kernelSize >= 1 && kernelSize <= 8, key(path, "kernel_size"), "must be in 1...8")
        try Require.that(dilationCycle >= 1 && dilationCycle <= 16, key(path, "dilation_cycle"),
                         "must be in 1...16 (dilation at most 2^15)")
        try Require.that(logScaleMin.isFinite && logScaleMax.isFinite && logScaleMin < logScaleMax,
                         key(path, "log_scale_max"),
                         "log_scale_min (\(logScaleMin)) must be below log_scale_max (\(logScaleMax)), both finite")
        try Require.that(initialScale.isFinite && initialScale > 0, key(path, "initial_scale"), "must be positive")
        let perFlow = initialLogScalePerFlow
        try Require.that(perFlow >= logScaleMin && perFlow <= logScaleMax, key(path, "initial_scale"),
                         "log(initial_scale) / flows = \(perFlow) must lie in [log_scale_min, log_scale_max]"
                            + " = [\(logScaleMin), \(logScaleMax)]")
        try upsampler.validate(path: key(path, "upsampler"))
        try linearPrediction?.validate(path: key(path, "linear_prediction"))
        try harmonicSource?.validate(path: key(path, "harmonic_source"))
    }
}
