import Foundation
import HarmonicSource
import SignalProcessing
import Tensors

/// The student's voiced source (with `student.harmonic_source`): a first, fixed-scale flow step
/// that adds a pulse train at the pitch the mel carries to the base noise, before the learned
/// flows,
///
///     x_0[t]   = z_t + mu_src[t],     mu_src[t] = a_f * p_t,     f = round(t / hop)
///     a_f      = softplus(w . mel_f + b)                          (one amplitude per frame)
///
/// where p is the unit-power band-limited pulse train of `PulseTrain` (0 in unvoiced frames) at
/// the f0 that `MelPitchEstimator` finds in the mel frames given. mu_src depends on the
/// conditioning only, so this is an affine flow step with scale 1: x_0[t] | z_<t ~ Base(mu_src[t], 1),
/// the log-determinant is unchanged and the later flows compose with it as with any flow
/// (mean_0 = mu_src, log s_0 = 0). The flows' receptive field need not cover a pitch period:
/// the period is in their input.
///
/// With the excitation filter the pulse train is an LPC excitation: flat harmonics that the
/// all-pole filter gives the mel's envelope (classic pulse/noise LPC vocoding, with the
/// voiced/unvoiced mix and the pulse shape learned by the flows). w starts at 0 and b at
/// softplus^-1(std of the base): the pulses start at the noise's power (0 dB harmonics-to-noise),
/// and training sets the mix per frame.
///
/// Parameters: `student.source.weight` `[Cmel]`, `student.source.bias` `[1]`.
struct HarmonicSourceStep {
    let estimator: MelPitchEstimator
    let weight: Parameter
    let bias: Parameter
    let hop: Int
    let sampleRate: Int

    init(features: FeatureConfig, config: HarmonicSourceConfig, base: StudentBase) throws {
        estimator = try MelPitchEstimator(features: features, config: config)
        hop = features.hopLength
        sampleRate = features.sampleRate
        weight = Parameter(name: "student.source.weight", value: Tensor(shape: [features.melBandCount]))
        bias = Parameter(name: "student.source.bias", value: Tensor(shape: [1], scalars: [Float(log(expm1(base.standardDeviation)))]))
    }

    var parameters: [Parameter] { [weight, bias] }

    struct Cache {
        /// p_t per item, `[B * T]`.
        let pulse: [Float]
        /// w . mel_f + b per item and frame, `[B * F]`.
        let preActivation: [Float]
        let mel: Tensor
        let length: Int
    }

    /// The pulse train of every item of mel `[B, F, Cmel]`, `length` samples each, `[B * T]`.
    func pulses(mel: Tensor, length: Int) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(mel.shape[0] * length)
        for source in estimator.estimate(batchedLogMel: mel.scalars, items: mel.shape[0], frameCount: mel.shape[1]) {
            out += PulseTrain.samples(frames: source, hop: hop, sampleRate: sampleRate, length: length,
                                      maximumHarmonicHz: estimator.config.maximumHarmonicHz).pulse
        }
        return out
    }

    /// mu_src `[B, T, 1]` for mel `[B, F, Cmel]`.
    func forward(mel: Tensor, length: Int) -> (mean: Tensor, cache: Cache) {
        let (batch, frames, bands) = (mel.shape[0], mel.shape[1], mel.shape[2])
        let pulse = pulses(mel: mel, length: length)
        var pre = [Float](repeating: bias.value.scalars[0], count: batch * frames)
        let w = weight.value.scalars
        for r in 0..<(batch * frames) {
            var sum: Float = 0
            for m in 0..<bands { sum += w[m] * mel.scalars[r * bands + m] }
            pre[r] += sum
        }
        var mean = Tensor(shape: [batch, length, 1])
        for b in 0..<batch {
            for t in 0..<length {
                let f = min(frames - 1, Int((Double(t) / Double(hop)).rounded()))
                mean.scalars[b * length + t] = Self.softplus(pre[b * frames + f]) * pulse[b * length + t]
            }
        }
        return (mean, Cache(pulse: pulse, preActivation: pre, mel: mel, length: length))
    }

    /// Adds the gradients of w and b from d mu_src `[B, T, 1]`:
    ///
    ///     d a_f   = sum_{t in f} d mu_src[t] p_t
    ///     d pre_f = d a_f sigmoid(pre_f),   dw += d pre_f mel_f,   db += d pre_f
    func backward(_ dMean: Tensor, cache: Cache) {
        let (batch, frames, bands) = (cache.mel.shape[0], cache.mel.shape[1], cache.mel.shape[2])
        let length = cache.length
        var dPre = [Float](repeating: 0, count: batch * frames)
        for b in 0..<batch {
            for t in 0..<length {
                let f = min(frames - 1, Int((Double(t) / Double(hop)).rounded()))
                dPre[b * frames + f] += dMean.scalars[b * length + t] * cache.pulse[b * length + t]
            }
        }
        for r in dPre.indices where dPre[r] != 0 {
            let d = dPre[r] / (1 + expf(-cache.preActivation[r]))
            bias.gradient.scalars[0] += d
            for m in 0..<bands { weight.gradient.scalars[m] += d * cache.mel.scalars[r * bands + m] }
        }
    }

    static func softplus(_ x: Float) -> Float { x > 20 ? x : log1pf(expf(x)) }
}
