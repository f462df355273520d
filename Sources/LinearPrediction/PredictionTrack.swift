/// A frame predictor laid out per sample for one waveform of `length` samples (frames centred
/// on samples f * hop, as the features are):
/// - coefficients are held: sample t uses frame round(t / hop) (each frame's filter is stable;
///   interpolated coefficients need not be);
/// - the log std is interpolated linearly between frame centres (a smooth gain, no steps).
///
///     x^_t = sum_{k=1}^{taps} b_k[t] x_{t-k}          (x_{t-k} = 0 before the start)
///
/// x^_t depends on x_<t only, so a model that shifts its distribution by x^_t stays causal and
/// its likelihood exact.
public struct PredictionTrack: Sendable {
    public let length: Int
    public let taps: Int
    /// [length, taps]: b_1[t] ... b_taps[t].
    public let coefficients: [Float]
    /// [length]: log std of the innovation at t.
    public let logStd: [Float]

    public init(frames: FramePredictors, hop: Int, length: Int) {
        precondition(hop > 0 && frames.frameCount > 0, "PredictionTrack: needs frames and a positive hop")
        let taps = frames.taps, last = frames.frameCount - 1
        var coefficients = [Float](repeating: 0, count: length * taps)
        var logStd = [Float](repeating: 0, count: length)
        for t in 0..<length {
            let nearest = min((t + hop / 2) / hop, last)
            for k in 0..<taps { coefficients[t * taps + k] = frames.coefficients[nearest * taps + k] }
            let f = min(t / hop, last), next = min(f + 1, last)
            let w = Float(t - f * hop) / Float(hop)
            logStd[t] = (1 - w) * frames.logStd[f] + w * frames.logStd[next]
        }
        self.length = length
        self.taps = taps
        self.coefficients = coefficients
        self.logStd = logStd
    }

    /// x^_t from the `taps` samples before t: `history[taps - k]` is x_{t-k} (oldest first).
    @inline(__always)
    public func prediction(at t: Int, history: UnsafePointer<Float>) -> Float {
        var sum: Float = 0
        let b = t * taps
        for k in 1...taps { sum += coefficients[b + k - 1] * history[taps - k] }
        return sum
    }

    /// x^ for a whole waveform x [length] (teacher forcing): out[t] = x^_t.
    public func predictions(of x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        for t in 0..<length {
            var sum: Float = 0
            if t >= 1 { for k in 1...min(taps, t) { sum += coefficients[t * taps + k - 1] * x[t - k] } }
            out[t] = sum
        }
    }

    /// The adjoint of `predictions`: dx[t-k] += b_k[t] * dPrediction[t].
    public func addPredictionAdjoint(_ dPrediction: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        for t in 1..<max(length, 1) {
            let g = dPrediction[t]
            if g == 0 { continue }
            for k in 1...min(taps, t) { dx[t - k] += coefficients[t * taps + k - 1] * g }
        }
    }

    /// The all-pole synthesis x_t = e_t + x^_t(x_<t), run forward in time (the inverse of
    /// x -> x - x^): a unit lower-triangular map, so its log-determinant is 0.
    public func synthesize(excitation e: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        for t in 0..<length {
            var sum = e[t]
            if t >= 1 { for k in 1...min(taps, t) { sum += coefficients[t * taps + k - 1] * x[t - k] } }
            x[t] = sum
        }
    }

    /// The adjoint of `synthesize`: given dL/dx (total, from every use of x), the gradient with
    /// respect to e, run backwards in time: de_t = dx_t + sum_k b_k[t+k] de_{t+k}.
    public func synthesisAdjoint(_ dx: UnsafePointer<Float>, into de: UnsafeMutablePointer<Float>) {
        var t = length - 1
        while t >= 0 {
            var g = dx[t]
            for k in 1...taps where t + k < length { g += coefficients[(t + k) * taps + k - 1] * de[t + k] }
            de[t] = g
            t -= 1
        }
    }
}
