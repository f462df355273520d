import Tensors

/// WaveNet's gated activation on the last axis, which holds 2C channels `[a | b]`:
/// `a` = channels 0..<C, `b` = channels C..<2C, and
///
///     y[..., c] = tanh(a[..., c]) * sigmoid(b[..., c])      shape [..., 2C] -> [..., C]
///
/// The cache is `[tanh(a) | sigmoid(b)]` (same shape as the input), from which
/// dA = dy * s * (1 - t^2) and dB = dy * t * s * (1 - s).
public enum GatedActivation {
    public struct Cache {
        /// `[tanh(a) | sigmoid(b)]`, shape of the input.
        public let activations: Tensor
    }

    public static func forward(_ h: Tensor) -> (output: Tensor, cache: Cache) {
        let (rows, c) = split(h)
        var y = Tensor(shape: Array(h.shape.dropLast()) + [c])
        var cache = Tensor(shape: h.shape)
        h.withPointer { ph in
            y.withMutablePointer { py in
                cache.withMutablePointer { Ops.gateForward(ph, py, cache: $0, rows: rows, channels: c) }
            }
        }
        return (y, Cache(activations: cache))
    }

    /// The forward without a cache (inference, cached sampling).
    public static func apply(_ h: Tensor) -> Tensor {
        let (rows, c) = split(h)
        var y = Tensor(shape: Array(h.shape.dropLast()) + [c])
        h.withPointer { ph in y.withMutablePointer { Ops.gateForward(ph, $0, cache: nil, rows: rows, channels: c) } }
        return y
    }

    public static func backward(_ dy: Tensor, cache: Cache) -> Tensor {
        let (rows, c) = split(cache.activations)
        precondition(dy.shape == Array(cache.activations.shape.dropLast()) + [c],
                     "GatedActivation: upstream gradient \(dy.shape) does not match output shape")
        var dh = Tensor(shape: cache.activations.shape)
        cache.activations.withPointer { pc in
            dy.withPointer { pdy in dh.withMutablePointer { Ops.gateBackward(cache: pc, upstream: pdy, $0, rows: rows, channels: c) } }
        }
        return dh
    }

    private static func split(_ h: Tensor) -> (rows: Int, channels: Int) {
        guard let last = h.shape.last, last % 2 == 0, last > 0 else {
            preconditionFailure("GatedActivation: last axis must be even (2C), got shape \(h.shape)")
        }
        return (h.rowCount, last / 2)
    }
}

/// y = max(x, 0); the cache is the output (relu'(0) is taken as 0).
public enum ReLU {
    public struct Cache {
        public let output: Tensor
    }

    public static func forward(_ x: Tensor) -> (output: Tensor, cache: Cache) {
        let y = Ops.relu(x)
        return (y, Cache(output: y))
    }

    public static func backward(_ dy: Tensor, cache: Cache) -> Tensor {
        Ops.reluBackward(output: cache.output, upstream: dy)
    }
}

/// A causal time shift by `steps` samples: y[b, t] = x[b, t - steps] (0 for t < steps), shape
/// `[B, T, C]` preserved. Makes a prediction at t depend on x_<t only (WaveNet input, IAF
/// flows). Its backward is the shift the other way: dx[b, t] = dy[b, t + steps].
public enum TimeShift {
    public static func forward(_ x: Tensor, steps: Int = 1) -> Tensor {
        shifted(x, by: steps)
    }

    public static func backward(_ dy: Tensor, steps: Int = 1) -> Tensor {
        shifted(dy, by: -steps)
    }

    private static func shifted(_ x: Tensor, by s: Int) -> Tensor {
        precondition(x.rank == 3, "TimeShift: expected [B, T, C], got \(x.shape)")
        let (batch, t, c) = (x.shape[0], x.shape[1], x.shape[2])
        var y = Tensor(shape: x.shape)
        let n = t - abs(s)
        guard n > 0 else { return y }
        x.withPointer { px in
            y.withMutablePointer { py in
                for b in 0..<batch {
                    let src = px + (b * t + max(0, -s)) * c, dst = py + (b * t + max(0, s)) * c
                    dst.update(from: src, count: n * c)
                }
            }
        }
        return y
    }
}
