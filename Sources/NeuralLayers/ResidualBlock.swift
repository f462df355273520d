import Randomness
import Tensors

/// One WaveNet residual layer (DESIGN §3), also the layer of each IAF flow (no skip there).
///
///     h   = dilated(x) + condition(c)            [B, T, gate]   dilated: causal conv k, d
///     g   = tanh(h[..., :gate/2]) * sigmoid(h[..., gate/2:])    [B, T, gate/2]
///     out = (x + residual(g)) * r                [B, T, Cres]   r = sqrt(1/2) or 1
///     skip = skip(g)                             [B, T, Cskip]  (optional)
///
/// Parameters (suffixes of `prefix`):
/// - `.dilated.weight` `[k, Cres, gate]`, `.dilated.bias` `[gate]`
/// - `.condition.weight` `[Ccond, gate]` (no bias: the dilated conv has one), if conditioned
/// - `.residual.weight` `[gate/2, Cres]`, `.residual.bias` `[Cres]`
/// - `.skip.weight` `[gate/2, Cskip]`, `.skip.bias` `[Cskip]`, if skipChannels is set
///
/// `scaleResidual` multiplies the residual sum by sqrt(1/2) so that the variance of the
/// residual stream stays constant through deep stacks; skip outputs are not scaled.
/// The conditioning c is `[B, T, Ccond]` at the sample rate (see `ConditionUpsampler`).
/// Output at time t depends on x[<= t] and c[t] only.
public struct ResidualBlock: Layer {
    public struct Configuration: Sendable, Equatable {
        public var residualChannels: Int
        /// Channels of h; must be even (the gate halves it).
        public var gateChannels: Int
        /// nil: no skip output (IAF flows).
        public var skipChannels: Int?
        /// nil: unconditioned.
        public var conditionChannels: Int?
        public var kernelSize: Int
        public var dilation: Int
        public var scaleResidual: Bool

        public init(residualChannels: Int, gateChannels: Int, skipChannels: Int?, conditionChannels: Int?,
                    kernelSize: Int, dilation: Int, scaleResidual: Bool = true) {
            self.residualChannels = residualChannels
            self.gateChannels = gateChannels
            self.skipChannels = skipChannels
            self.conditionChannels = conditionChannels
            self.kernelSize = kernelSize
            self.dilation = dilation
            self.scaleResidual = scaleResidual
        }
    }

    public let configuration: Configuration
    public var dilated: CausalConv1D
    public let condition: Linear?
    public let residual: Linear
    public let skip: Linear?

    public init(prefix: String, configuration: Configuration, rng: inout Philox) {
        let c = configuration
        precondition(c.gateChannels > 0 && c.gateChannels % 2 == 0,
                     "\(prefix): gateChannels must be positive and even, got \(c.gateChannels)")
        self.configuration = c
        dilated = CausalConv1D(prefix: prefix + ".dilated", inputChannels: c.residualChannels,
                               outputChannels: c.gateChannels, kernelSize: c.kernelSize, dilation: c.dilation, rng: &rng)
        condition = c.conditionChannels.map {
            Linear(prefix: prefix + ".condition", inputChannels: $0, outputChannels: c.gateChannels, bias: false, rng: &rng)
        }
        residual = Linear(prefix: prefix + ".residual", inputChannels: c.gateChannels / 2,
                          outputChannels: c.residualChannels, rng: &rng)
        skip = c.skipChannels.map {
            Linear(prefix: prefix + ".skip", inputChannels: c.gateChannels / 2, outputChannels: $0, rng: &rng)
        }
    }

    public var parameters: [Parameter] {
        dilated.parameters + (condition?.parameters ?? []) + residual.parameters + (skip?.parameters ?? [])
    }

    var residualScale: Float { configuration.scaleResidual ? Float(0.5).squareRoot() : 1 }

    public struct Cache {
        public let dilated: CausalConv1D.Cache
        /// The conditioning input (for the condition projection's weight gradient).
        public let condition: Tensor?
        public let gate: GatedActivation.Cache
        /// g, the gate output `[B, T, gate/2]` (input of the residual and skip projections).
        public let gated: Tensor
    }

    public func forward(_ x: Tensor, condition c: Tensor?) -> (output: Tensor, skip: Tensor?, cache: Cache) {
        checkSequence(x, channels: configuration.residualChannels, dilated.weight.name)
        let (batch, length) = (x.shape[0], x.shape[1])
        var (h, convCache) = dilated.forward(x)
        addCondition(c, into: &h, rows: batch * length, expectedLeading: [batch, length])
        let (g, gateCache) = GatedActivation.forward(h)
        var out = x
        g.withPointer { pg in
            out.withMutablePointer { residual.apply(pg, rows: batch * length, into: $0, accumulate: true) }
        }
        if configuration.scaleResidual { out = Ops.scale(out, by: residualScale) }
        let s = skip.map { $0(g) }
        return (out, s, Cache(dilated: convCache, condition: condition == nil ? nil : c, gate: gateCache, gated: g))
    }

    /// Takes d(out) and d(skip) (nil: no gradient through that output, or no skip); returns d(x)
    /// and d(c).
    /// - Parameters:
    ///   - dOut: nil when nothing reads the block's residual output (the last block of a
    ///     WaveNet): its gradient is zero, and the residual projection's backward is skipped.
    ///   - parameterGradients: false for frozen weights (the teacher during distillation).
    ///   - conditionGradient: false when the caller drops d(c) (it is then nil): skips the
    ///     conditioning projection's input-gradient GEMM, [B*T, G] x [G, Ccond].
    public func backward(output dOut: Tensor?, skip dSkip: Tensor?, cache: Cache,
                         parameterGradients: Bool = true,
                         conditionGradient: Bool = true) -> (input: Tensor, condition: Tensor?) {
        let g = cache.gated
        let rows = g.rowCount
        let leading = Array(g.shape.dropLast())
        // out = (x + residual(g)) * r: both branches see r * dOut.
        var dSum: Tensor?
        var dg: Tensor
        if let dOut {
            precondition(dOut.shape == leading + [configuration.residualChannels],
                         "\(dilated.weight.name): d(out) shape \(dOut.shape) does not match the output")
            let scaled = configuration.scaleResidual ? Ops.scale(dOut, by: residualScale) : dOut
            dg = residual.backward(scaled, cache: .init(input: g), parameterGradients: parameterGradients)
            dSum = scaled
        } else {
            dg = Tensor(shape: g.shape)
        }
        if let dSkip {
            guard let skip else { preconditionFailure("\(dilated.weight.name): d(skip) given but the block has no skip") }
            precondition(dSkip.shape == leading + [skip.outputChannels],
                         "\(skip.weight.name): d(skip) shape \(dSkip.shape) does not match the skip output")
            dSkip.withPointer { pds in
                if parameterGradients { g.withPointer { skip.accumulateParameterGradients(input: $0, upstream: pds, rows: rows) } }
                dg.withMutablePointer { skip.inputGradient(pds, rows: rows, into: $0, accumulate: dSum != nil) }
            }
        }
        let dh = GatedActivation.backward(dg, cache: cache.gate)
        var dc: Tensor?
        if let condition, let c = cache.condition {
            dh.withPointer { pdh in
                if parameterGradients {
                    c.withPointer { condition.accumulateParameterGradients(input: $0, upstream: pdh, rows: rows) }
                }
                if conditionGradient {
                    var t = Tensor(shape: c.shape)
                    t.withMutablePointer { condition.inputGradient(pdh, rows: rows, into: $0) }
                    dc = t
                }
            }
        }
        var dx = dilated.backward(dh, cache: cache.dilated, parameterGradients: parameterGradients)
        if let dSum { Ops.axpy(1, dSum, &dx) }
        return (dx, dc)
    }

    func addCondition(_ c: Tensor?, into h: inout Tensor, rows: Int, expectedLeading: [Int]) {
        switch (condition, c) {
        case (nil, nil):
            return
        case let (projection?, c?):
            precondition(c.shape == expectedLeading + [projection.inputChannels],
                         "\(projection.weight.name): conditioning shape \(c.shape), expected \(expectedLeading + [projection.inputChannels])")
            c.withPointer { pc in h.withMutablePointer { projection.apply(pc, rows: rows, into: $0, accumulate: true) } }
        case (nil, _?):
            preconditionFailure("\(dilated.weight.name): conditioning given to an unconditioned block")
        case (_?, nil):
            preconditionFailure("\(dilated.weight.name): the block is conditioned but no conditioning was given")
        }
    }
}
