import Distributions
import Foundation
import LinearPrediction
import SignalProcessing

/// The NLL ladder: held-out negative log-likelihoods of predictors with no learned parameters,
/// built from the same mel a teacher is conditioned on, in the teacher's unit (bits per sample of
/// a 16-bit discretized logistic). A teacher that has not passed a rung has not learned what that
/// rung knows:
///
/// | rung | location x^_t | scale |
/// |---|---|---|
/// | `previous_sample` | x_{t-1} | one scale for the whole span (the residual's std: one fitted number) |
/// | `mel_gain` | x_{t-1} | per frame, the mel's level of the first difference |
/// | `mel_lpc` | LPC-16 from the mel | the predictor's innovation level |
/// | `preemphasized_mel_lpc` | LPC-16 of the pre-emphasised (0.85) signal, from the mel | its innovation level |
///
/// Each is the `MelLinearPredictor` with (order, pre-emphasis) = (0, 1), (0, 1), (16, 0),
/// (16, 0.85); the location and scale parameterise one logistic (scale = std sqrt(3)/pi), scored
/// on the 16-bit bins exactly as the teacher's head scores (`DiscretizedMixtureOfLogistics`, M = 1,
/// with the teacher's floor on the log-scale: a rung may not use scales the teacher cannot).
public struct PredictorLadder: Sendable {
    public struct Rung: Sendable {
        public let name: String
        public let config: LinearPredictionConfig
        /// One scale for the whole span instead of the mel's per-frame level.
        public let globalScale: Bool
    }

    public static let rungs: [Rung] = [
        Rung(name: "previous_sample", config: .init(order: 0, preemphasis: 1), globalScale: true),
        Rung(name: "mel_gain", config: .init(order: 0, preemphasis: 1), globalScale: false),
        Rung(name: "mel_lpc", config: .init(order: 16, preemphasis: 0), globalScale: false),
        Rung(name: "preemphasized_mel_lpc", config: .init(order: 16, preemphasis: 0.85), globalScale: false),
    ]

    public let features: FeatureConfig
    let head: DiscretizedMixtureOfLogistics
    let predictors: [MelLinearPredictor]

    /// - Parameter logScaleMin: the floor of the logistic's log-scale (the teacher head's).
    public init(features: FeatureConfig, logScaleMin: Float = -9) throws {
        self.features = features
        head = try DiscretizedMixtureOfLogistics(mixtureCount: 1, logScaleMin: logScaleMin)
        predictors = try Self.rungs.map { try MelLinearPredictor(features: features, config: $0.config) }
    }

    /// NLL in bits per sample of every rung (keyed by rung name) on `samples`, with its log-mel
    /// `[frames, n_mels]` (frame f centred on sample f * hop).
    public func bitsPerSample(samples: [Float], logMel: [Float], frames: Int) -> [String: Double] {
        let n = samples.count
        guard n > 0, frames > 0 else { return [:] }
        let logScalePerStd = Float(log(3.0.squareRoot() / Double.pi))
        var result: [String: Double] = [:]
        for (rung, predictor) in zip(Self.rungs, predictors) {
            let track = PredictionTrack(frames: predictor.frames(logMel: logMel, frameCount: frames),
                                        hop: features.hopLength, length: n)
            var xhat = [Float](repeating: 0, count: n)
            samples.withUnsafeBufferPointer { track.predictions(of: $0.baseAddress!, into: &xhat) }
            var logStd = track.logStd
            if rung.globalScale {
                let variance = zip(samples, xhat).reduce(0.0) { $0 + pow(Double($1.0 - $1.1), 2) } / Double(n)
                logStd = [Float](repeating: Float(0.5 * log(max(variance, MelLinearPredictor.minimumVariance))), count: n)
            }
            var params = [Float](repeating: 0, count: 3 * n)
            for t in 0..<n {
                params[3 * t + 1] = xhat[t]
                params[3 * t + 2] = logStd[t] + logScalePerStd
            }
            let logp = head.logLikelihood(x: samples, params: params)
            result[rung.name] = -logp.reduce(0.0) { $0 + Double($1) } / Double(n) / log(2)
        }
        return result
    }
}
