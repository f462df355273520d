import Randomness

/// The per-sample output distribution of the teacher WaveNet (DESIGN §3): the network emits one
/// row of `parameterCount` floats per time step and the head turns it into p(x_t | x_<t).
///
/// Buffers are row-major with contiguous rows, so a model's `[B, T, P]` output buffer is passed
/// as is with `rows = B * T`: row r of `params` is `params[r * P ..< (r + 1) * P]`, and row r of
/// `x`, `out`, `upstream` and `xGradient` is element r. Buffers may be longer than needed.
///
/// The backward pass *adds* into the gradient buffers (DESIGN §7), so several losses can
/// accumulate into one buffer; zero them first when starting a step.
public protocol OutputDistribution: Sendable {
    /// Floats per row (per time step).
    var parameterCount: Int { get }

    /// Whether d log p / d x is informative. The distillation needs it (the teacher scores the
    /// student's continuous samples), so a head without it cannot teach an IAF student.
    var providesInputGradient: Bool { get }

    /// out[r] = log p(x[r] | params row r), for `rows` rows.
    func logLikelihood(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>,
                       rows: Int, into out: UnsafeMutableBufferPointer<Float>)

    /// Given upstream[r] = dL / d log p(x[r]), adds dL / dparams into `paramsGradient` (same
    /// layout as `params`) and, when `xGradient` is not nil, dL / dx into `xGradient`.
    /// Recomputes what it needs from `x` and `params`: nothing is cached between the calls.
    func backward(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>, rows: Int,
                  upstream: UnsafeBufferPointer<Float>,
                  paramsGradient: UnsafeMutableBufferPointer<Float>,
                  xGradient: UnsafeMutableBufferPointer<Float>?)

    /// `logLikelihood` followed by `backward`, for when the upstream gradient is known before
    /// log p (maximum likelihood and distillation weight every row by a constant). Heads whose
    /// backward computes log p anyway do both in one pass.
    func logLikelihoodAndBackward(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>,
                                  rows: Int, upstream: UnsafeBufferPointer<Float>,
                                  into out: UnsafeMutableBufferPointer<Float>,
                                  paramsGradient: UnsafeMutableBufferPointer<Float>,
                                  xGradient: UnsafeMutableBufferPointer<Float>?)

    /// One sample from the distribution of one row (`params.count >= parameterCount`), in
    /// [-1, 1]. Each head documents what `temperature` does; 1 is always exact sampling.
    func sample(params: UnsafeBufferPointer<Float>, rng: inout Philox, temperature: Float) -> Float
}

extension OutputDistribution {
    public func logLikelihoodAndBackward(x: UnsafeBufferPointer<Float>,
                                         params: UnsafeBufferPointer<Float>, rows: Int,
                                         upstream: UnsafeBufferPointer<Float>,
                                         into out: UnsafeMutableBufferPointer<Float>,
                                         paramsGradient: UnsafeMutableBufferPointer<Float>,
                                         xGradient: UnsafeMutableBufferPointer<Float>?) {
        logLikelihood(x: x, params: params, rows: rows, into: out)
        backward(x: x, params: params, rows: rows, upstream: upstream,
                 paramsGradient: paramsGradient, xGradient: xGradient)
    }

    /// Samples every row in order from one generator: out[r] from params row r.
    public func sample(params: UnsafeBufferPointer<Float>, rows: Int, rng: inout Philox,
                       temperature: Float, into out: UnsafeMutableBufferPointer<Float>) {
        checkRows(rows, params: params, vectors: ("out", out.count))
        let p = parameterCount
        for r in 0..<rows {
            let row = UnsafeBufferPointer(rebasing: params[(r * p)..<((r + 1) * p)])
            out[r] = sample(params: row, rng: &rng, temperature: temperature)
        }
    }

    /// Array form of `logLikelihood` (tests and small cases); rows = x.count.
    public func logLikelihood(x: [Float], params: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xs in
            params.withUnsafeBufferPointer { ps in
                out.withUnsafeMutableBufferPointer { o in
                    logLikelihood(x: xs, params: ps, rows: xs.count, into: o)
                }
            }
        }
        return out
    }

    /// Array form of `backward` starting from zero gradients; rows = x.count.
    public func gradients(x: [Float], params: [Float], upstream: [Float])
        -> (params: [Float], x: [Float]) {
        var gp = [Float](repeating: 0, count: params.count)
        var gx = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xs in
            params.withUnsafeBufferPointer { ps in
                upstream.withUnsafeBufferPointer { us in
                    gp.withUnsafeMutableBufferPointer { gpb in
                        gx.withUnsafeMutableBufferPointer { gxb in
                            backward(x: xs, params: ps, rows: xs.count, upstream: us,
                                     paramsGradient: gpb, xGradient: gxb)
                        }
                    }
                }
            }
        }
        return (gp, gx)
    }

    /// Array form of single-row `sample`.
    public func sample(params: [Float], rng: inout Philox, temperature: Float = 1) -> Float {
        params.withUnsafeBufferPointer { sample(params: $0, rng: &rng, temperature: temperature) }
    }

    /// Traps with a message naming the short buffer: a wrong layout is a programming error
    /// that would otherwise read or write out of bounds.
    func checkRows(_ rows: Int, params: UnsafeBufferPointer<Float>,
                   vectors: (name: String, count: Int)...) {
        precondition(rows >= 0, "\(Self.self): negative row count \(rows)")
        precondition(params.count >= rows * parameterCount,
                     "\(Self.self): params holds \(params.count) floats, "
                        + "\(rows) rows x \(parameterCount) parameters need \(rows * parameterCount)")
        for v in vectors {
            precondition(v.count >= rows,
                         "\(Self.self): \(v.name) holds \(v.count) floats, \(rows) rows need \(rows)")
        }
    }

    /// Traps unless `temperature` is a finite number >= 0.
    func checkTemperature(_ temperature: Float) {
        precondition(temperature.isFinite && temperature >= 0,
                     "\(Self.self): temperature must be finite and >= 0, got \(temperature)")
    }
}
