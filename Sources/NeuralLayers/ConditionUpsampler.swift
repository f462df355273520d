import Randomness
import Tensors

/// Upsamples conditioning frames (e.g. log-mel, frame rate) to the sample rate.
///
/// Input `[B, F, C]`, output `[B, F * hop, C]`: exactly `hop` samples per frame. With the
/// features' center=true STFT, frame f is centred on sample f*hop; both modes keep that
/// alignment (to within half a sample): the output at sample t is dominated by frame
/// round(t / hop). For audio of T samples there are F = 1 + floor(T / hop) frames, so
/// F * hop > T and samples 0..<T are all covered; crop the output to T.
///
/// Modes (all operations are per channel, "depthwise", so C is unchanged):
/// - `.repeatThenSmooth(width:)`: nearest-frame repetition, u[t] = x[min(F-1, (t + hop/2) / hop)]
///   (frame f covers samples [f*hop - hop/2, f*hop + hop/2)), then a centred (non-causal)
///   depthwise conv of odd `width`, zero-padded by width/2 on both sides:
///   y[t, c] = bias[c] + sum_i weight[i, c] * u[t + i - width/2, c].
///   Parameters `prefix.smooth.weight` `[width, C]` (initialised to 1/width: a moving average)
///   and `prefix.smooth.bias` `[C]`.
/// - `.transposed(strides:)`: stacked depthwise transposed convs, stage i with stride s_i and
///   kernel 2*s_i - 1, product of strides = hop. Input frame f writes kernel tap r
///   (0..<2s-1) to output position f*s + r - (s-1), so its footprint [f*s - (s-1), f*s + s-1]
///   is centred exactly on f*s (stage after stage, so frame f ends centred on f*hop); outputs
///   outside [0, L*s) are cropped, so stage i maps length L to L*s_i exactly. With o = u % s:
///   y[u, c] = bias[c] + weight[o + s - 1, c] * x[u / s, c] + weight[o - 1, c] * x[u / s + 1, c]
///   (the second term only when o >= 1 and u/s + 1 < L). Parameters `prefix.stages.<i>.weight`
///   `[2*s_i - 1, C]`, initialised to the triangle 1 - |r - (s-1)| / s (linear interpolation
///   between neighbouring frames), and `prefix.stages.<i>.bias` `[C]`. No nonlinearity
///   between stages.
/// - `.sharedTransposed(strides:)`: the same stages with one set of taps for all channels,
///   after a per-channel input gain: x' = gain * x, then the stages with
///   `prefix.stages.<i>.weight` `[2*s_i - 1]` (same triangle) and per-channel biases `[C]`.
///   Parameters `prefix.input_gain` `[C]` (initialised to 1), then the stages.
///   Why: a linear map of the channels (a layer's conditioning projection W) then commutes
///   with the taps, W^T (K x + b) = K (W^T x) + W^T b, so synthesis can project the frames and
///   interpolate the projection (`interpolation(frames:)`) instead of projecting every sample.
public struct ConditionUpsampler: Layer {
    public enum Mode: Sendable, Equatable {
        case repeatThenSmooth(width: Int)
        case transposed(strides: [Int])
        case sharedTransposed(strides: [Int])
    }

    public let channels: Int
    public let hop: Int
    public let mode: Mode
    /// `.repeatThenSmooth`: [weight, bias] of the smoothing conv; `.transposed`,
    /// `.sharedTransposed`: per stage.
    public let weights: [Parameter]
    public let biases: [Parameter]
    /// `.sharedTransposed`: the per-channel input gain `[C]`.
    public let inputGain: Parameter?

    public init(prefix: String, channels: Int, hop: Int, mode: Mode) {
        precondition(channels > 0 && hop > 0, "\(prefix): channels and hop must be positive (\(channels), \(hop))")
        self.channels = channels
        self.hop = hop
        self.mode = mode
        switch mode {
        case .repeatThenSmooth(let width):
            precondition(width >= 1 && width % 2 == 1, "\(prefix): smoothing width must be odd and >= 1, got \(width)")
            weights = [Parameter(name: prefix + ".smooth.weight",
                                 value: Tensor(shape: [width, channels], repeating: 1 / Float(width)))]
            biases = [Parameter(name: prefix + ".smooth.bias", value: Tensor(shape: [channels]))]
            inputGain = nil
        case .transposed(let strides), .sharedTransposed(let strides):
            precondition(!strides.isEmpty && strides.allSatisfy { $0 >= 1 } && strides.reduce(1, *) == hop,
                         "\(prefix): upsampling strides \(strides) must be >= 1 with product hop = \(hop)")
            let tapChannels = mode == .transposed(strides: strides) ? channels : 1
            weights = strides.enumerated().map { i, s in
                let tri = (0..<2 * s - 1).map { r in 1 - abs(Float(r - (s - 1))) / Float(s) }
                let scalars = tri.flatMap { [Float](repeating: $0, count: tapChannels) }
                let shape = tapChannels == 1 && mode != .transposed(strides: strides) ? [2 * s - 1] : [2 * s - 1, tapChannels]
                return Parameter(name: "\(prefix).stages.\(i).weight", value: Tensor(shape: shape, scalars: scalars))
            }
            biases = strides.indices.map { Parameter(name: "\(prefix).stages.\($0).bias", value: Tensor(shape: [channels])) }
            inputGain = mode == .transposed(strides: strides)
                ? nil : Parameter(name: prefix + ".input_gain", value: Tensor(shape: [channels], repeating: 1))
        }
    }

    public var parameters: [Parameter] { (inputGain.map { [$0] } ?? []) + zip(weights, biases).flatMap { [$0, $1] } }

    /// Whether the taps are shared by all channels (`.sharedTransposed`).
    public var sharesTaps: Bool { inputGain != nil }

    public struct Cache {
        /// The frames `[B, F, C]`.
        public let frames: Tensor
        /// `.transposed`, `.sharedTransposed`: the input of each stage (the first is `frames`,
        /// times the gain when there is one).
        public let stageInputs: [Tensor]
    }

    public func forward(_ frames: Tensor) -> (output: Tensor, cache: Cache) {
        checkSequence(frames, channels: channels, "ConditionUpsampler")
        switch mode {
        case .repeatThenSmooth:
            let u = repeatFrames(frames)
            return (smooth(u), Cache(frames: frames, stageInputs: []))
        case .transposed(let strides), .sharedTransposed(let strides):
            var inputs: [Tensor] = []
            var x = inputGain.map { Self.scaleChannels(frames, by: $0.value) } ?? frames
            for (i, s) in strides.enumerated() {
                inputs.append(x)
                x = transposedStage(x, stride: s, weight: stageWeight(i), bias: biases[i].value)
            }
            return (x, Cache(frames: frames, stageInputs: inputs))
        }
    }

    /// Stage i's taps as `[2s - 1, C]` (the shared taps repeated for every channel).
    private func stageWeight(_ i: Int) -> Tensor {
        let w = weights[i].value
        guard sharesTaps else { return w }
        return Tensor(shape: [w.count, channels], scalars: w.scalars.flatMap { [Float](repeating: $0, count: channels) })
    }

    /// x * gain, per channel (last axis).
    public static func scaleChannels(_ x: Tensor, by gain: Tensor) -> Tensor {
        let c = gain.count
        var y = x
        y.withUnsafeMutableBufferPointer { py in
            gain.withPointer { pg in
                for i in py.indices { py[i] *= pg[i % c] }
            }
        }
        return y
    }

    /// The forward without a cache.
    public func callAsFunction(_ frames: Tensor) -> Tensor { forward(frames).output }

    /// d(frames) from d(output) `[B, F*hop, C]`; adds the weight and bias gradients.
    public func backward(_ dy: Tensor, cache: Cache, parameterGradients: Bool = true) -> Tensor {
        let f = cache.frames
        precondition(dy.shape == [f.shape[0], f.shape[1] * hop, channels],
                     "ConditionUpsampler: upstream gradient \(dy.shape), expected \([f.shape[0], f.shape[1] * hop, channels])")
        switch mode {
        case .repeatThenSmooth:
            let du = smoothBackward(dy, input: repeatFrames(f), parameterGradients: parameterGradients)
            return repeatBackward(du, frames: f.shape[1])
        case .transposed(let strides), .sharedTransposed(let strides):
            var d = dy
            for i in strides.indices.reversed() {
                d = transposedStageBackward(d, input: cache.stageInputs[i], stride: strides[i], stage: i,
                                            parameterGradients: parameterGradients)
            }
            guard let gain = inputGain else { return d }
            if parameterGradients {
                // d gain[c] = sum over items and frames of frames * d(gained frames).
                var dg = [Float](repeating: 0, count: channels)
                f.withPointer { pf in
                    d.withPointer { pd in
                        for i in 0..<f.count { dg[i % channels] += pf[i] * pd[i] }
                    }
                }
                Ops.axpy(1, Tensor(shape: [channels], scalars: dg), &gain.gradient)
            }
            return Self.scaleChannels(d, by: gain.value)
        }
    }

    // MARK: Repeat + centred smoothing

    /// The frame index of output sample t: round(t / hop), clamped to the last frame.
    @inline(__always) private func frameIndex(_ t: Int, frames: Int) -> Int { min(frames - 1, (t + hop / 2) / hop) }

    private func repeatFrames(_ x: Tensor) -> Tensor {
        let (batch, frames, c) = (x.shape[0], x.shape[1], channels)
        let length = frames * hop
        var u = Tensor(shape: [batch, length, c])
        x.withPointer { px in
            u.withMutablePointer { pu in
                for b in 0..<batch {
                    for t in 0..<length {
                        (pu + (b * length + t) * c).update(from: px + (b * frames + frameIndex(t, frames: frames)) * c, count: c)
                    }
                }
            }
        }
        return u
    }

    private func repeatBackward(_ du: Tensor, frames: Int) -> Tensor {
        let (batch, length, c) = (du.shape[0], du.shape[1], channels)
        var dx = Tensor(shape: [batch, frames, c])
        du.withPointer { pdu in
            dx.withMutablePointer { pdx in
                for b in 0..<batch {
                    for t in 0..<length {
                        let dst = pdx + (b * frames + frameIndex(t, frames: frames)) * c, src = pdu + (b * length + t) * c
                        for ch in 0..<c { dst[ch] += src[ch] }
                    }
                }
            }
        }
        return dx
    }

    private func smooth(_ u: Tensor) -> Tensor {
        let (batch, length, c) = (u.shape[0], u.shape[1], channels)
        let w = weights[0].value, width = w.shape[0], half = width / 2
        var y = Tensor(shape: u.shape)
        u.withPointer { pu in
            w.withPointer { pw in
                biases[0].value.withPointer { pb in
                    y.withMutablePointer { py in
                        for b in 0..<batch {
                            for t in 0..<length {
                                let out = py + (b * length + t) * c
                                out.update(from: pb, count: c)
                                for i in 0..<width {
                                    let src = t + i - half
                                    guard src >= 0 && src < length else { continue }
                                    let x = pu + (b * length + src) * c, wi = pw + i * c
                                    for ch in 0..<c { out[ch] += wi[ch] * x[ch] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    private func smoothBackward(_ dy: Tensor, input u: Tensor, parameterGradients: Bool) -> Tensor {
        let (batch, length, c) = (u.shape[0], u.shape[1], channels)
        let w = weights[0].value, width = w.shape[0], half = width / 2
        var du = Tensor(shape: u.shape)
        var dw = Tensor(shape: w.shape)
        u.withPointer { pu in
            dy.withPointer { pdy in
                w.withPointer { pw in
                    du.withMutablePointer { pdu in
                        dw.withMutablePointer { pdw in
                            for b in 0..<batch {
                                for t in 0..<length {
                                    let g = pdy + (b * length + t) * c
                                    for i in 0..<width {
                                        let src = t + i - half
                                        guard src >= 0 && src < length else { continue }
                                        let x = pu + (b * length + src) * c, dx = pdu + (b * length + src) * c
                                        let wi = pw + i * c, dwi = pdw + i * c
                                        for ch in 0..<c {
                                            dx[ch] += wi[ch] * g[ch]
                                            dwi[ch] += x[ch] * g[ch]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if parameterGradients {
            Ops.axpy(1, dw, &weights[0].gradient)
            dy.withPointer { pdy in
                biases[0].gradient.withMutablePointer { Ops.accumulateColumnSums(pdy, rows: batch * length, columns: c, into: $0) }
            }
        }
        return du
    }

    // MARK: Depthwise transposed conv stages

    /// One stage on x `[B, L, c]` with taps `[2s - 1, c]` and biases `[c]` (any c).
    func transposedStage(_ x: Tensor, stride s: Int, weight: Tensor, bias: Tensor) -> Tensor {
        let (batch, length, c) = (x.shape[0], x.shape[1], x.shape[2])
        let outLength = length * s
        var y = Tensor(shape: [batch, outLength, c])
        x.withPointer { px in
            weight.withPointer { pw in
                bias.withPointer { pb in
                    y.withMutablePointer { py in
                        for b in 0..<batch {
                            for u in 0..<outLength {
                                let f = u / s, o = u - f * s
                                let out = py + (b * outLength + u) * c
                                let x1 = px + (b * length + f) * c, w1 = pw + (o + s - 1) * c
                                for ch in 0..<c { out[ch] = pb[ch] + w1[ch] * x1[ch] }
                                if o >= 1 && f + 1 < length {
                                    let x0 = x1 + c, w0 = pw + (o - 1) * c
                                    for ch in 0..<c { out[ch] += w0[ch] * x0[ch] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    private func transposedStageBackward(_ dy: Tensor, input x: Tensor, stride s: Int, stage: Int,
                                         parameterGradients: Bool) -> Tensor {
        let (batch, length, c) = (x.shape[0], x.shape[1], channels)
        let outLength = length * s
        let w = stageWeight(stage)
        var dx = Tensor(shape: x.shape)
        var dw = Tensor(shape: w.shape)
        x.withPointer { px in
            dy.withPointer { pdy in
                w.withPointer { pw in
                    dx.withMutablePointer { pdx in
                        dw.withMutablePointer { pdw in
                            for b in 0..<batch {
                                for u in 0..<outLength {
                                    let f = u / s, o = u - f * s
                                    let g = pdy + (b * outLength + u) * c
                                    let x1 = px + (b * length + f) * c, dx1 = pdx + (b * length + f) * c
                                    let w1 = pw + (o + s - 1) * c, dw1 = pdw + (o + s - 1) * c
                                    for ch in 0..<c {
                                        dx1[ch] += w1[ch] * g[ch]
                                        dw1[ch] += x1[ch] * g[ch]
                                    }
                                    if o >= 1 && f + 1 < length {
                                        let x0 = x1 + c, dx0 = dx1 + c, w0 = pw + (o - 1) * c, dw0 = pdw + (o - 1) * c
                                        for ch in 0..<c {
                                            dx0[ch] += w0[ch] * g[ch]
                                            dw0[ch] += x0[ch] * g[ch]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if parameterGradients {
            if sharesTaps {
                // The shared tap's gradient is the sum of the per-channel ones.
                let taps = dw.shape[0]
                let summed = (0..<taps).map { r in (0..<c).reduce(Float(0)) { $0 + dw.scalars[r * c + $1] } }
                Ops.axpy(1, Tensor(shape: [taps], scalars: summed), &weights[stage].gradient)
            } else {
                Ops.axpy(1, dw, &weights[stage].gradient)
            }
            dy.withPointer { pdy in
                biases[stage].gradient.withMutablePointer { Ops.accumulateColumnSums(pdy, rows: batch * outLength, columns: c, into: $0) }
            }
        }
        return dx
    }
}
