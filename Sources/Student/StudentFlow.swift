import NeuralLayers
import Randomness
import Tensors

/// The network f_i of one IAF flow (DESIGN §4): from the previous flow's output x_{i-1}
/// `[B, T, 1]` and the upsampled conditioning c `[B, T, Cmel]`, the shift mu_i and the
/// log-scale log s_i of every time step, strictly causal in x_{i-1}:
///
///     a     = shift(x_{i-1})                      [B, T, 1]     a[t] = x_{i-1}[t-1], a[0] = 0
///     h_0   = input(a)                            [B, T, C]     Linear 1 -> C
///     h_l   = block_l(h_{l-1}, c)                 [B, T, C]     l = 1...L, dilation 2^((l-1) mod cycle), no skip
///     θ     = head(h_L)                           [B, T, 2]     Linear C -> 2, no activation before it
///     mu_i  = θ[..., 0]
///     log s_i = clamp(θ[..., 1], log_scale_min, log_scale_max)
///
/// mu_i[t] and log s_i[t] depend on x_{i-1}[t - R_i + 1 ..< t] and c[t - R_i + 2 ... t]
/// (R_i = `StudentConfig.receptiveField(ofFlow:)`).
///
/// The head is a plain linear map of the residual stream, without the ReLU of the teacher's
/// head: mu and log s are signed quantities, a ReLU would only add kinks, and the residual
/// stream is already a nonlinear function of the input. Its weights start at zero and its
/// biases at (0, log(initialScale) / N), so every flow starts as the fixed affine map
/// x_i = x_{i-1} * initialScale^(1/N) (see `IAFStudent`).
///
/// Parameters (prefix `student.flows.<i>`): `.input.{weight,bias}` `[1, C]`, `[C]`;
/// `.layers.<l>.*` (`ResidualBlock` without skip); `.head.weight` `[C, 2]`, `.head.bias` `[2]`.
public struct StudentFlow {
    public let index: Int
    public let input: Linear
    public let blocks: [ResidualBlock]
    public let head: Linear
    public let logScaleMin: Float
    public let logScaleMax: Float
    /// R_i: x_i[t] depends on x_{i-1}[t - R_i + 1 ... t].
    public let receptiveField: Int

    init(index i: Int, config: StudentConfig, conditionChannels: Int, rng: inout Philox) {
        let prefix = "student.flows.\(i)"
        index = i
        logScaleMin = config.logScaleMin
        logScaleMax = config.logScaleMax
        receptiveField = config.receptiveField(ofFlow: i)
        input = Linear(prefix: prefix + ".input", inputChannels: 1, outputChannels: config.channels, rng: &rng)
        blocks = (0..<config.flows[i]).map { l in
            ResidualBlock(prefix: "\(prefix).layers.\(l)", configuration: .init(
                residualChannels: config.channels, gateChannels: config.gateChannels, skipChannels: nil,
                conditionChannels: conditionChannels, kernelSize: config.kernelSize,
                dilation: config.dilation(ofLayer: l), scaleResidual: config.scaleResidual), rng: &rng)
        }
        head = Linear(prefix: prefix + ".head", inputChannels: config.channels, outputChannels: 2,
                      initialScale: 0, rng: &rng)
        if let bias = head.bias {
            bias.value.scalars[1] = config.initialLogScalePerFlow
        }
    }

    /// Every trainable tensor of the flow, in checkpoint order.
    public var parameters: [Parameter] {
        input.parameters + blocks.flatMap(\.parameters) + head.parameters
    }

    public var channels: Int { input.outputChannels }

    public struct Cache {
        public let input: Linear.Cache
        public let blocks: [ResidualBlock.Cache]
        public let head: Linear.Cache
        /// θ[..., 1] before the clamp `[B, T, 1]` (where it lies outside the clamp, the
        /// log-scale gradient is zero).
        public let rawLogScale: Tensor
    }

    /// mu_i and log s_i (clamped), each `[B, T, 1]`, for x_{i-1} `[B, T, 1]` under c `[B, T, Cmel]`.
    public func forward(_ x: Tensor, condition c: Tensor) -> (mean: Tensor, logScale: Tensor, cache: Cache) {
        let shifted = TimeShift.forward(x, steps: 1)
        var (h, inputCache) = input.forward(shifted)
        var blockCaches: [ResidualBlock.Cache] = []
        blockCaches.reserveCapacity(blocks.count)
        for block in blocks {
            let (next, _, cache) = block.forward(h, condition: c)
            blockCaches.append(cache)
            h = next
        }
        let (theta, headCache) = head.forward(h)
        let (mean, raw) = Self.split(theta)
        let logScale = clamped(raw)
        return (mean, logScale, Cache(input: inputCache, blocks: blockCaches, head: headCache, rawLogScale: raw))
    }

    /// From d(mu_i) and d(log s_i) (each `[B, T, 1]`): adds the flow's parameter gradients and
    /// returns d(x_{i-1}) through the network (its dependence on x_{i-1}[<t]) and d(c)
    /// (nil only for a flow without layers, which the config rules out).
    ///
    ///     d θ[..., 0] = d mu_i
    ///     d θ[..., 1] = d log s_i   where log_scale_min <= θ[..., 1] <= log_scale_max, else 0
    ///     then head, blocks (reversed, summing d c), input and the shift, each backwards.
    public func backward(mean dMean: Tensor, logScale dLogScale: Tensor, cache: Cache) -> (input: Tensor, condition: Tensor?) {
        precondition(dMean.shape == cache.rawLogScale.shape && dLogScale.shape == cache.rawLogScale.shape,
                     "student.flows.\(index): gradient shapes \(dMean.shape), \(dLogScale.shape), expected \(cache.rawLogScale.shape)")
        let rows = dMean.count
        var dTheta = Tensor(shape: Array(dMean.shape.dropLast()) + [2])
        let (lo, hi) = (logScaleMin, logScaleMax)
        dMean.withPointer { dm in
            dLogScale.withPointer { dl in
                cache.rawLogScale.withPointer { raw in
                    dTheta.withMutablePointer { dt in
                        for r in 0..<rows {
                            dt[2 * r] = dm[r]
                            dt[2 * r + 1] = raw[r] >= lo && raw[r] <= hi ? dl[r] : 0
                        }
                    }
                }
            }
        }
        var dh = head.backward(dTheta, cache: cache.head)
        var dCondition: Tensor?
        for (block, blockCache) in zip(blocks, cache.blocks).reversed() {
            let (dx, dc) = block.backward(output: dh, skip: nil, cache: blockCache)
            if let dc {
                if dCondition == nil { dCondition = dc } else { Ops.axpy(1, dc, &dCondition!) }
            }
            dh = dx
        }
        let dShifted = input.backward(dh, cache: cache.input)
        return (TimeShift.backward(dShifted, steps: 1), dCondition)
    }

    // MARK: Helpers

    /// θ `[B, T, 2]` -> (θ[..., 0], θ[..., 1]), each `[B, T, 1]`.
    static func split(_ theta: Tensor) -> (Tensor, Tensor) {
        let shape = Array(theta.shape.dropLast()) + [1]
        let rows = theta.rowCount
        var a = Tensor(shape: shape), b = Tensor(shape: shape)
        theta.withPointer { pt in
            a.withMutablePointer { pa in
                b.withMutablePointer { pb in
                    for r in 0..<rows {
                        pa[r] = pt[2 * r]
                        pb[r] = pt[2 * r + 1]
                    }
                }
            }
        }
        return (a, b)
    }

    /// clamp(x, log_scale_min, log_scale_max) elementwise (NaN stays NaN).
    func clamped(_ x: Tensor) -> Tensor {
        var y = x
        let (lo, hi) = (logScaleMin, logScaleMax)
        let n = y.count
        y.withMutablePointer { p in
            for i in 0..<n where p[i] < lo || p[i] > hi { p[i] = p[i] < lo ? lo : hi }
        }
        return y
    }
}
