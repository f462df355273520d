import Foundation
import Randomness

extension DiscretizedMixtureOfLogistics {
    /// Draws a component from softmax(w) (Gumbel-max: argmax_i w_i - log(-log u_i)), then
    /// x = m_i + temperature * s_i * logistic noise, clipped to [-1, 1].
    ///
    /// Temperature scales only the logistic noise, not the mixture weights: 1 is exact
    /// sampling, below 1 sharpens each mode, 0 returns the drawn component's mean (the mode
    /// of that component). The component draw is never tempered because the weights carry
    /// the multimodality the vocoder needs. The sample is continuous, not snapped to a
    /// 16-bit level, as in PixelCNN++.
    ///
    /// Every call consumes exactly M + 1 uniforms whatever the temperature, so two samplers
    /// given the same generator stay in step (naive and cached teacher sampling, DESIGN §3).
    public func sample(params: UnsafeBufferPointer<Float>, rng: inout Philox,
                       temperature: Float) -> Float {
        checkTemperature(temperature)
        precondition(params.count >= parameterCount,
                     "\(Self.self): a row needs \(parameterCount) parameters, got \(params.count)")
        let m = mixtureCount
        var chosen = 0
        var bestScore = -Double.infinity
        for i in 0..<m {
            let u = Double(rng.nextUniform())
            let score = Double(params[i]) - log(-log(u))
            if score > bestScore {
                bestScore = score
                chosen = i
            }
        }
        let noise = Double(rng.nextLogistic())
        let mean = Double(params[m + chosen])
        let scale = exp(Double(max(params[2 * m + chosen], logScaleMin)))
        let x = mean + Double(temperature) * scale * noise
        return Float(min(max(x, -1), 1))
    }
}
