import Configuration
import HarmonicSource
import LinearPrediction
import NeuralLayers

/// The teacher WaveNet's architecture (YAML section `teacher.model`). Stored in every teacher
/// checkpoint, so a checkpoint rebuilds its own model.
///
/// `preset` picks a named size (`tiny`, `small`, `full`); keys given next to it override the
/// preset's values.
public struct WaveNetConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// Residual layers in all; layer i has dilation 2^(i mod layersPerStack).
    public var layers: Int
    /// Dilation cycles; layers must be a multiple of stacks.
    public var stacks: Int
    public var kernelSize: Int
    public var residualChannels: Int
    /// Channels of the dilated conv's output, split in half by the gate.
    public var gateChannels: Int
    public var skipChannels: Int
    /// Multiply each residual sum by sqrt(1/2) (keeps the residual stream's variance flat).
    public var scaleResidual: Bool = true
    public var head: OutputHeadConfig
    public var upsampler: UpsamplerConfig
    /// Linear prediction from the mel (LPCNet / ExcitNet): when set, every output distribution is
    /// located at the mel-LPC prediction x^_t(x_<t) plus the net's mean, and scaled by the
    /// predictor's innovation std times the net's scale, so the net models the excitation.
    /// nil (the key absent): the plain WaveNet.
    public var linearPrediction: LinearPredictionConfig?
    /// Long-term (pitch) prediction input (CELP's pitch predictor, here as an input): the net also
    /// reads x[t - lag_t], the sample one pitch period back, with the period from the pitch found
    /// in the mel (`MelPitchEstimator`, settings as `student.harmonic_source`; its
    /// `max_harmonic_hz` is not used). nil (the key absent): none.
    public var pitchLag: HarmonicSourceConfig?

    public init(layers: Int, stacks: Int, kernelSize: Int, residualChannels: Int, gateChannels: Int,
                skipChannels: Int, scaleResidual: Bool = true, head: OutputHeadConfig = OutputHeadConfig(),
                upsampler: UpsamplerConfig = UpsamplerConfig(), linearPrediction: LinearPredictionConfig? = nil) {
        self.layers = layers
        self.stacks = stacks
        self.kernelSize = kernelSize
        self.residualChannels = residualChannels
        self.gateChannels = gateChannels
        self.skipChannels = skipChannels
        self.scaleResidual = scaleResidual
        self.head = head
        self.upsampler = upsampler
        self.linearPrediction = linearPrediction
    }

    /// Named sizes. `tiny` is for tests, `small` for the quickstart on two cores, `full` the
    /// usual vocoder size (24 layers in 4 stacks, kernel 3, 128/256/128 channels, 10-way MoL).
    public enum Preset: String, Codable, Sendable, CaseIterable {
        case tiny, small, full
    }

    public static func preset(_ preset: Preset) -> WaveNetConfig {
        switch preset {
        case .tiny:
            return WaveNetConfig(layers: 4, stacks: 2, kernelSize: 2, residualChannels: 8, gateChannels: 16,
                                 skipChannels: 8, head: OutputHeadConfig(mixtures: 2))
        case .small:
            return WaveNetConfig(layers: 10, stacks: 2, kernelSize: 3, residualChannels: 32, gateChannels: 64,
                                 skipChannels: 64, head: OutputHeadConfig(mixtures: 10))
        case .full:
            return WaveNetConfig(layers: 24, stacks: 4, kernelSize: 3, residualChannels: 128, gateChannels: 256,
                                 skipChannels: 128, head: OutputHeadConfig(mixtures: 10))
        }
    }

    public var layersPerStack: Int { layers / stacks }

    public func dilation(ofLayer i: Int) -> Int { 1 << (i % layersPerStack) }

    /// Samples of the past that the prediction at t sees: (k-1) * sum of dilations + 1, plus
    /// one for the input shift (the prediction at t sees x[t-R+1 ..< t], never x[t]).
    public var receptiveField: Int {
        (kernelSize - 1) * (0..<layers).reduce(0) { $0 + dilation(ofLayer: $1) } + 1 + 1
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case preset, layers, stacks
        case kernelSize = "kernel_size"
        case residualChannels = "residual_channels"
        case gateChannels = "gate_channels"
        case skipChannels = "skip_channels"
        case scaleResidual = "scale_residual"
        case head, upsampler
        case linearPrediction = "linear_prediction"
        case pitchLag = "pitch_lag"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let base = WaveNetConfig.preset(try c.value(.preset, default: Preset.small))
        layers = try c.value(.layers, default: base.layers)
        stacks = try c.value(.stacks, default: base.stacks)
        kernelSize = try c.value(.kernelSize, default: base.kernelSize)
        residualChannels = try c.value(.residualChannels, default: base.residualChannels)
        gateChannels = try c.value(.gateChannels, default: base.gateChannels)
        skipChannels = try c.value(.skipChannels, default: base.skipChannels)
        scaleResidual = try c.value(.scaleResidual, default: base.scaleResidual)
        head = try c.value(.head, default: base.head)
        upsampler = try c.value(.upsampler, default: base.upsampler)
        linearPrediction = try c.decodeIfPresent(LinearPredictionConfig.self, forKey: .linearPrediction)
        pitchLag = try c.decodeIfPresent(HarmonicSourceConfig.self, forKey: .pitchLag)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(layers, forKey: .layers)
        try c.encode(stacks, forKey: .stacks)
        try c.encode(kernelSize, forKey: .kernelSize)
        try c.encode(residualChannels, forKey: .residualChannels)
        try c.encode(gateChannels, forKey: .gateChannels)
        try c.encode(skipChannels, forKey: .skipChannels)
        try c.encode(scaleResidual, forKey: .scaleResidual)
        try c.encode(head, forKey: .head)
        try c.encode(upsampler, forKey: .upsampler)
        try c.encodeIfPresent(linearPrediction, forKey: .linearPrediction)
        try c.encodeIfPresent(pitchLag, forKey: .pitchLag)
    }

    public func validate(path: String) throws {
        try Require.that(layers >= 1 && layers <= 128, key(path, "layers"), "must be in 1...128")
        try Require.that(stacks >= 1 && layers % stacks == 0, key(path, "stacks"),
                         "must be >= 1 and divide layers (\(layers))")
        try Require.that(layersPerStack <= 16, key(path, "layers"), "at most 16 layers per stack (dilation 2^15)")
        try Require.that(kernelSize >= 1 && kernelSize <= 8, key(path, "kernel_size"), "must be in 1...8")
        try Require.that(residualChannels >= 1, key(path, "residual_channels"), "must be positive")
        try Require.that(gateChannels >= 2 && gateChannels % 2 == 0, key(path, "gate_channels"), "must be even and >= 2")
        try Require.that(skipChannels >= 1, key(path, "skip_channels"), "must be positive")
        try head.validate(path: key(path, "head"))
        try upsampler.validate(path: key(path, "upsampler"))
        if let linearPrediction {
            try linearPrediction.validate(path: key(path, "linear_prediction"))
            try Require.that(head.kind != .mulaw256, key(path, "linear_prediction"),
                             "needs a head with a location and a scale (mol or gaussian), not mulaw256")
        }
        try pitchLag?.validate(path: key(path, "pitch_lag"))
    }
}
