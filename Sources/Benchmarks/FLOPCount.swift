import NeuralLayers
import Student
import Teacher

/// FLOPs of the models, from their configs: what "GFLOP/s" and "fraction of peak" divide by.
///
/// What is counted: every matrix product, as 2 FLOPs per multiply-add (2*M*N*K for a GEMM,
/// 2*M*N for a GEMV), and the conditioning upsampler's multiply-adds (2 per tap per channel).
/// Per output sample of a network, that is 2 * (its input width) * (its output width) for each
/// 1x1 layer and 2 * k * Cin * Cout for each dilated conv of kernel k:
///
///     teacher, per sample:  2*Cres (input 1 -> Cres)
///                         + L * 2 * (k*Cres*G + Cmel*G + (G/2)*Cres + (G/2)*Cskip)
///                         + 2*Cskip*Cskip + 2*Cskip*P   (head: hidden, output; P = θ per step)
///     student, per sample:  sum over flows of  2*C (input 1 -> C)
///                         + L_i * 2 * (k*C*G + Cmel*G + (G/2)*C)     (no skip projections)
///                         + 2*C*2                                   (head: mu, log s)
///
/// What is not counted (a few % of the time at most, and not matrix work): bias additions,
/// the gate's tanh and sigmoid, residual sums and their sqrt(1/2) scale, ReLUs, the output
/// head's log-likelihood or sampling, the flows' affine updates, copies and the noise.
/// The same per-sample count holds for the parallel forward and for one cached step: a
/// cached step does exactly one column of the same products.
public enum FLOPCount {
    /// Per-sample FLOPs of the teacher by part.
    public struct TeacherBreakdown: Codable, Sendable, Equatable {
        public var input: Int
        public var dilated: Int
        public var condition: Int
        public var residual: Int
        public var skip: Int
        public var head: Int
        public var total: Int { input + dilated + condition + residual + skip + head }

        enum CodingKeys: String, CodingKey {
            case input, dilated, condition, residual, skip, head, total
        }

        public init(input: Int, dilated: Int, condition: Int, residual: Int, skip: Int, head: Int) {
            (self.input, self.dilated, self.condition, self.residual, self.skip, self.head)
                = (input, dilated, condition, residual, skip, head)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(input: try c.decode(Int.self, forKey: .input), dilated: try c.decode(Int.self, forKey: .dilated),
                      condition: try c.decode(Int.self, forKey: .condition),
                      residual: try c.decode(Int.self, forKey: .residual), skip: try c.decode(Int.self, forKey: .skip),
                      head: try c.decode(Int.self, forKey: .head))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(input, forKey: .input)
            try c.encode(dilated, forKey: .dilated)
            try c.encode(condition, forKey: .condition)
            try c.encode(residual, forKey: .residual)
            try c.encode(skip, forKey: .skip)
            try c.encode(head, forKey: .head)
            try c.encode(total, forKey: .total)
        }
    }

    /// θ floats per time step of a teacher head (mol: 3 per component, mulaw256: 256 logits,
    /// gaussian: mean and log-scale).
    public static func headParameterCount(_ head: OutputHeadConfig) -> Int {
        switch head.kind {
        case .mol: return 3 * head.mixtures
        case .mulaw256: return 256
        case .gaussian: return 2
        }
    }

    /// Per-sample FLOPs of the teacher network (conditioning upsampler excluded: see `upsampler`).
    public static func teacher(_ config: WaveNetConfig, conditionChannels: Int) -> TeacherBreakdown {
        let (k, r, g, s, l) = (config.kernelSize, config.residualChannels, config.gateChannels,
                               config.skipChannels, config.layers)
        let p = headParameterCount(config.head)
        return TeacherBreakdown(input: 2 * r,
                       dilated: l * 2 * k * r * g,
                       condition: l * 2 * conditionChannels * g,
                       residual: l * 2 * (g / 2) * r,
                       skip: l * 2 * (g / 2) * s,
                       head: 2 * s * s + 2 * s * p)
    }

    /// Per-sample FLOPs of the student's flows (conditioning upsampler excluded).
    public static func student(_ config: StudentConfig, conditionChannels: Int) -> Int {
        let (k, c, g) = (config.kernelSize, config.channels, config.gateChannels)
        let layer = 2 * (k * c * g + conditionChannels * g + (g / 2) * c)
        return config.flows.reduce(0) { $0 + 2 * c + $1 * layer + 2 * c * 2 }
    }

    /// Per-sample FLOPs of the student's synthesis. With frame-rate conditioning
    /// (`IAFStudent.synthesizesAtFrameRate`: shared upsampler taps and the kernel path) each
    /// layer's conditioning projection runs on the frames (`studentConditioning`), and per sample
    /// a layer only interpolates the projection: 2 * (2 + S) * G for S upsampler stages instead
    /// of 2 * Cmel * G. Otherwise the same as `student`.
    public static func studentSynthesis(_ config: StudentConfig, conditionChannels: Int, atFrameRate: Bool) -> Int {
        guard atFrameRate else { return student(config, conditionChannels: conditionChannels) }
        let (k, c, g) = (config.kernelSize, config.channels, config.gateChannels)
        let layer = 2 * (k * c * g + (2 + config.upsampler.strides.count) * g + (g / 2) * c)
        return config.flows.reduce(0) { $0 + 2 * c + $1 * layer + 2 * c * 2 }
    }

    /// FLOPs of the student's conditioning for `frames` frames of one item, besides the
    /// per-sample count: the upsampler pass (`upsampler`), or at the frame rate: the
    /// interpolation weights (the stages run once on 2 + S probe channels) and, for each layer,
    /// the projection of the frames and of the S stage biases (2 * Cmel * G each).
    public static func studentConditioning(_ config: StudentConfig, conditionChannels: Int, hop: Int, frames: Int,
                                           atFrameRate: Bool) -> Int {
        guard atFrameRate else { return upsampler(config.upsampler, channels: conditionChannels, hop: hop, frames: frames) }
        let stages = config.upsampler.strides.count
        let layers = config.flows.reduce(0, +)
        return upsampler(config.upsampler, channels: 2 + stages, hop: hop, frames: frames)
            + layers * 2 * conditionChannels * config.gateChannels * (frames + stages)
    }

    /// FLOPs of one conditioning upsampler pass over `frames` frames of `channels` channels
    /// (one batch item; it runs once per item):
    /// - transposed (shared taps or not), per stage of input length L and stride s: L*s outputs
    ///   with one tap and (L-1)*(s-1) of them with a second tap, 2 FLOPs per tap per channel;
    /// - repeat-then-smooth: a centred conv of `width` taps over F*hop samples, minus the taps
    ///   that fall in the zero padding at both ends.
    public static func upsampler(_ config: UpsamplerConfig, channels: Int, hop: Int, frames: Int) -> Int {
        guard frames > 0 else { return 0 }
        switch config.kind {
        case .transposed, .sharedTransposed:
            var length = frames, macs = 0
            for s in config.strides {
                macs += length * s + (length - 1) * (s - 1)
                length *= s
            }
            return 2 * channels * macs
        case .repeat:
            let n = frames * hop, w = config.smoothingWidth, half = w / 2
            let outside = n >= w ? half * (half + 1) : (0..<n).reduce(0) { t, i in
                t + (0..<w).filter { i + $0 - half < 0 || i + $0 - half >= n }.count
            }
            return 2 * channels * (n * w - outside)
        }
    }

    /// Samples the naive teacher sampler pushes through the network to generate `length`
    /// samples: step t re-runs the forward over min(t + 1, R) positions (R = receptive field).
    public static func naiveSamplingPositions(length: Int, receptiveField r: Int) -> Int {
        (0..<length).reduce(0) { $0 + Swift.min($1 + 1, r) }
    }
}
