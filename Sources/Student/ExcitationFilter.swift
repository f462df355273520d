import Foundation
import LinearPrediction
import Tensors

/// The student's linear-prediction stage (LPCNet / ExcitNet / GELP structure), after the flows:
///
///     g_t        = std_t * scale/std(base)            the mel predictor's innovation level, in base units
///     e_t        = g_t * x_N[t]                       excitation: the flows' output in units of g
///     x_t        = e_t + x^_t(x_<t)                   all-pole synthesis, x^_t = sum_k b_k[t] x_{t-k}
///
/// Both maps are lower-triangular with a diagonal that does not depend on z (g_t, then 1), so
/// x_t | x_<t stays in the base's family:
///
///     mean_x[t]     = g_t * mu_tot[t] + x^_t(x_<t)
///     logScale_x[t] = log s_tot[t] + log g_t
///
/// and the Monte Carlo and closed-form KLs of the distillation apply unchanged to these x-space
/// parameters. The synthesis recursion is sequential in t but costs `taps` multiply-adds a sample.
///
/// Backward, from (dX, dMean, dLogScale) of the x-space outputs (dX from every use of x):
///
///     dx     = dX + P^T dMean                 P: the prediction map x -> x^ (mean_x depends on x_<t)
///     de     = S^T dx                         S: the synthesis e -> x, its adjoint runs backwards in time
///     dx_N   = g * de,   d mu_tot = g * dMean,   d log s_tot = dLogScale
enum ExcitationFilter {
    /// log(scale / std) of the base: logistic s = std sqrt(3)/pi, Gaussian s = std.
    static func logScalePerStd(_ base: StudentBase) -> Float {
        base == .logistic ? Float(log(3.0.squareRoot() / Double.pi)) : 0
    }

    /// The x-space output from the flows' output (`normalised`, `[B, T, 1]` each).
    static func forward(_ normalised: StudentOutput, tracks: [PredictionTrack], base: StudentBase) -> StudentOutput {
        var out = normalised
        let (batch, length) = (normalised.x.shape[0], normalised.x.shape[1])
        precondition(tracks.count == batch && tracks.allSatisfy { $0.length == length },
                     "student: \(tracks.count) predictor tracks for output \(normalised.x.shape)")
        let offset = logScalePerStd(base)
        var e = [Float](repeating: 0, count: length), xhat = e
        for (b, track) in tracks.enumerated() {
            let row = b * length
            for t in 0..<length { e[t] = expf(track.logStd[t] + offset) * normalised.x.scalars[row + t] }
            out.x.withMutablePointer { px in
                e.withUnsafeBufferPointer { track.synthesize(excitation: $0.baseAddress!, into: px + row) }
                xhat.withUnsafeMutableBufferPointer { track.predictions(of: px + row, into: $0.baseAddress!) }
            }
            for t in 0..<length {
                let logGain = track.logStd[t] + offset
                out.mean.scalars[row + t] = expf(logGain) * normalised.mean.scalars[row + t] + xhat[t]
                out.logScale.scalars[row + t] = normalised.logScale.scalars[row + t] + logGain
            }
        }
        return out
    }

    /// The waveform alone, for synthesis: x from the flows' x_N `[B, T]` (or `[B, T, 1]`).
    static func synthesize(_ xN: Tensor, tracks: [PredictionTrack], base: StudentBase) -> Tensor {
        var out = xN
        let (batch, length) = (xN.shape[0], xN.shape[1])
        let offset = logScalePerStd(base)
        var e = [Float](repeating: 0, count: length)
        for (b, track) in tracks.enumerated() where b < batch {
            let row = b * length
            for t in 0..<length { e[t] = expf(track.logStd[t] + offset) * xN.scalars[row + t] }
            out.withMutablePointer { px in
                e.withUnsafeBufferPointer { track.synthesize(excitation: $0.baseAddress!, into: px + row) }
            }
        }
        return out
    }

    /// The gradients of the flows' outputs (x_N, mu_tot, log s_tot) from those of the x-space
    /// outputs; `dLogScale` passes through unchanged.
    static func backward(x dX: Tensor, mean dMean: Tensor, tracks: [PredictionTrack], base: StudentBase)
        -> (x: Tensor, mean: Tensor) {
        let length = dX.shape[1]
        let offset = logScalePerStd(base)
        var dXN = dX, dMu = dMean
        var dx = [Float](repeating: 0, count: length), de = dx
        for (b, track) in tracks.enumerated() {
            let row = b * length
            for t in 0..<length { dx[t] = dX.scalars[row + t] }
            dMean.withPointer { dm in track.addPredictionAdjoint(dm + row, into: &dx) }
            dx.withUnsafeBufferPointer { track.synthesisAdjoint($0.baseAddress!, into: &de) }
            for t in 0..<length {
                let gain = expf(track.logStd[t] + offset)
                dXN.scalars[row + t] = gain * de[t]
                dMu.scalars[row + t] = gain * dMean.scalars[row + t]
            }
        }
        return (dXN, dMu)
    }
}
