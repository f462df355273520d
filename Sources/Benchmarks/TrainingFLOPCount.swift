import Student
import Teacher

/// FLOPs of one training step, from the layer shapes: what the training benchmark's GFLOP/s
/// and share of the FMA peak divide by.
///
/// Counted as in `FLOPCount`: 2 per multiply-add of every matrix product, and the conditioning
/// upsampler's multiply-adds. A backward pass runs two products per forward product: the input
/// gradient (same shape) and, for trained weights, the weight gradient (same multiply-adds).
/// Per step of B crops of T samples (N = B*T) and F mel frames per crop:
///
///     teacher step (maximum likelihood):
///       forward   N * Ft + B * Ut
///       backward  N * (2*Ft - 2*G*R) + B * 2*Ut      the last block's residual output is unused:
///                                                   its projection has no backward (2 * (G/2)*R
///                                                   multiply-adds each way)
///     distillation step (P teacher passes: 2 with the contrastive term, else 1):
///       forward   N * Fs + B * Us + P * (N * Ft + B * Ut)
///       backward  N * 2*Fs + B * 2*Us               student: weights and inputs
///               + P * N * (Ft - L*2*Cmel*G - G*R)   frozen teacher: input gradients only; no
///                                                   conditioning gradient, no upsampler backward
///
/// Ft, Fs: the networks' per-sample forward FLOPs (`FLOPCount.teacher`, with the input layer's
/// real width: 2 with a pitch lag; `FLOPCount.student`), Ut, Us: one upsampler pass over F frames
/// (`FLOPCount.upsampler`). Not counted (elementwise, not matrix work): the gates, biases,
/// residual sums, ReLUs, the heads' log-densities and their gradients (the K Monte-Carlo samples
/// of the cross-entropy), the linear predictor and voiced source, the spectral losses' FFTs,
/// gradient clipping, Adam and the EMA. The profile in docs/benchmarks.md shows how much time
/// they take.
public enum TrainingFLOPCount {
    /// FLOPs of one step.
    public struct Step: Codable, Sendable, Equatable {
        public var forward: Int
        public var backward: Int
        public var total: Int { forward + backward }

        public init(forward: Int, backward: Int) {
            self.forward = forward
            self.backward = backward
        }

        enum CodingKeys: String, CodingKey { case forward, backward, total }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(forward: try c.decode(Int.self, forKey: .forward), backward: try c.decode(Int.self, forKey: .backward))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(forward, forKey: .forward)
            try c.encode(backward, forKey: .backward)
            try c.encode(total, forKey: .total)
        }
    }

    /// Per-sample forward FLOPs of the teacher network, the input layer at its real width (the
    /// pitch lag adds a second input channel; `FLOPCount.teacher` counts one).
    public static func teacherForwardPerSample(_ config: WaveNetConfig, conditionChannels: Int) -> Int {
        let inputWidth = config.pitchLag == nil ? 1 : 2
        let parts = FLOPCount.teacher(config, conditionChannels: conditionChannels)
        return parts.total - parts.input + 2 * inputWidth * config.residualChannels
    }

    /// One maximum-likelihood step of the teacher on `batch` crops of `cropSamples` samples,
    /// each conditioned by `frames` mel frames.
    public static func teacherStep(_ config: WaveNetConfig, conditionChannels: Int, hop: Int,
                                   batch: Int, cropSamples: Int, frames: Int) -> Step {
        let n = batch * cropSamples
        let ft = teacherForwardPerSample(config, conditionChannels: conditionChannels)
        let ut = FLOPCount.upsampler(config.upsampler, channels: conditionChannels, hop: hop, frames: frames)
        let unusedResidual = config.gateChannels * config.residualChannels  // 2 * (G/2) * R
        return Step(forward: n * ft + batch * ut,
                    backward: n * (2 * ft - 2 * unusedResidual) + batch * 2 * ut)
    }

    /// One distillation step: the student's forward and backward, and `teacherPasses` passes of
    /// the frozen teacher (forward, and the backward to its input) on the student's samples.
    public static func distillationStep(teacher: WaveNetConfig, student: StudentConfig, conditionChannels: Int,
                                        hop: Int, batch: Int, cropSamples: Int, frames: Int,
                                        teacherPasses: Int) -> Step {
        let n = batch * cropSamples
        let fs = FLOPCount.student(student, conditionChannels: conditionChannels)
        let us = FLOPCount.upsampler(student.upsampler, channels: conditionChannels, hop: hop, frames: frames)
        let ft = teacherForwardPerSample(teacher, conditionChannels: conditionChannels)
        let ut = FLOPCount.upsampler(teacher.upsampler, channels: conditionChannels, hop: hop, frames: frames)
        let teacherBackward = ft - teacher.layers * 2 * conditionChannels * teacher.gateChannels
            - teacher.gateChannels * teacher.residualChannels
        return Step(forward: n * fs + batch * us + teacherPasses * (n * ft + batch * ut),
                    backward: n * 2 * fs + batch * 2 * us + teacherPasses * n * teacherBackward)
    }
}
