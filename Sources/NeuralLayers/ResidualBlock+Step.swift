import Tensors

/// One-step form of the residual block (cached sampling, DESIGN §3).
///
/// - `step(_:condition:queue:)`: Tensor in, Tensor out, with the live parameters (allocates;
///   tests and occasional use).
/// - `Stepper`: made once per sampling call for a batch size; holds copies of the weights, the
///   conv's input history (`BlockedStepConv`: past taps a block of d steps ahead) and the
///   scratch rows, so that its steps are pointer-level and allocation-free.
///   The caller may precompute the conditioning term for many steps at once
///   (`projectCondition`), as `WaveNet.sampleCached` does: one GEMM per layer and block of
///   time steps instead of one GEMV per step, and 1/7 less weight traffic per step.
extension ResidualBlock {
    public func makeQueue(batch: Int) -> ConvQueue { dilated.makeQueue(batch: batch) }

    /// One time step: x `[B, Cres]`, c `[B, Ccond]` -> (out `[B, Cres]`, skip `[B, Cskip]`),
    /// equal to the full forward at that time when stepped from t = 0 with a fresh queue.
    public func step(_ x: Tensor, condition c: Tensor?, queue: inout ConvQueue) -> (output: Tensor, skip: Tensor?) {
        let batch = queue.batch
        var h = dilated.step(x, queue: &queue)
        addCondition(c, into: &h, rows: batch, expectedLeading: [batch])
        let g = GatedActivation.apply(h)
        var out = x
        g.withPointer { pg in out.withMutablePointer { residual.apply(pg, rows: batch, into: $0, accumulate: true) } }
        if configuration.scaleResidual { out = Ops.scale(out, by: residualScale) }
        return (out, skip.map { $0(g) })
    }

    /// The block's weights, queue and scratch for allocation-free steps of `batch` items.
    public struct Stepper: @unchecked Sendable {
        public let configuration: Configuration
        public let batch: Int
        /// The dilated conv without its bias (the bias is part of the preactivation), with its
        /// input history; past taps computed in blocks of d steps.
        var dilated: BlockedStepConv
        /// [G]: the dilated conv's bias.
        let dilatedBias: FloatBuffer
        /// [Ccond, G], if conditioned.
        let condition: FloatBuffer?
        /// [G/2, Cres] and r * bias [Cres] (r: the residual scale).
        let residual: FloatBuffer
        let scaledResidualBias: FloatBuffer
        let residualScale: Float
        /// [G/2, Cskip] and [Cskip], if the block has a skip output.
        let skip: FloatBuffer?
        let skipBias: FloatBuffer?
        /// Scratch: the preactivation h [B, G] (for steps given c), the gate output g [B, G/2].
        let preactivation: FloatBuffer
        let gated: FloatBuffer

        public init(_ block: ResidualBlock, batch: Int) {
            precondition(batch > 0, "ResidualBlock.Stepper: batch must be positive, got \(batch)")
            let c = block.configuration
            configuration = c
            self.batch = batch
            dilated = BlockedStepConv(block.dilated, batch: batch, includeBias: false)
            dilatedBias = block.dilated.bias.map { FloatBuffer(copying: $0.value) } ?? FloatBuffer(count: c.gateChannels)
            condition = block.condition.map { FloatBuffer(copying: $0.weight.value) }
            residual = FloatBuffer(copying: block.residual.weight.value)
            residualScale = block.residualScale
            scaledResidualBias = FloatBuffer(copying: block.residual.bias.map { Ops.scale($0.value, by: block.residualScale) }
                ?? Tensor(shape: [c.residualChannels]))
            skip = block.skip.map { FloatBuffer(copying: $0.weight.value) }
            skipBias = block.skip.map { s in FloatBuffer(copying: s.bias?.value ?? Tensor(shape: [s.outputChannels])) }
            preactivation = FloatBuffer(count: batch * c.gateChannels)
            gated = FloatBuffer(count: batch * c.gateChannels / 2)
        }

        /// h[r] = dilated bias + c[r] W_cond for `rows` rows: c row r at `c + r * cStride`
        /// (Ccond floats; nil for an unconditioned block), h row r at `h + r * hStride` (G floats).
        /// The preactivation `step(residual:preactivation:skip:)` expects, for many steps at once.
        public func projectCondition(_ c: UnsafePointer<Float>?, cStride: Int, rows: Int,
                                     into h: UnsafeMutablePointer<Float>, hStride: Int) {
            let g = configuration.gateChannels
            for r in 0..<rows { (h + r * hStride).update(from: dilatedBias.base, count: g) }
            guard let condition, let c, let cc = configuration.conditionChannels else {
                precondition(condition == nil && c == nil,
                             "ResidualBlock.Stepper: conditioning given to an unconditioned block, or missing")
                return
            }
            guard rows > 0 else { return }
            if rows == 1 {
                BLAS.gemv(transpose: true, m: cc, n: g, a: condition.base, lda: g, x: c, beta: 1, y: h)
            } else {
                BLAS.gemm(m: rows, n: g, k: cc, a: c, lda: cStride, b: condition.base, ldb: g,
                          beta: 1, c: h, ldc: hStride, threading: .single)
            }
        }

        /// One step with the conditioning c `[B, Ccond]` (nil if unconditioned): x `[B, Cres]` is
        /// replaced by the block's output, and skip `[B, Cskip]` (if given) accumulates the skip
        /// output.
        public mutating func step(residual x: UnsafeMutablePointer<Float>, condition c: UnsafePointer<Float>?,
                                  skip s: UnsafeMutablePointer<Float>?) {
            let cStride = configuration.conditionChannels ?? 0
            for b in 0..<batch {
                projectCondition(c.map { $0 + b * cStride }, cStride: cStride, rows: 1,
                                 into: preactivation.base + b * configuration.gateChannels, hStride: 0)
            }
            step(residual: x, preactivation: preactivation.base, skip: s)
        }

        /// One step from a precomputed preactivation h `[B, G]` (dilated bias + conditioning
        /// term, see `projectCondition`; used as scratch, so overwritten). x `[B, Cres]` becomes
        /// the block's output unless `updateResidual` is false (the last block of a WaveNet, whose
        /// residual output nothing reads); skip `[B, Cskip]` (if given) accumulates the skip output.
        public mutating func step(residual x: UnsafeMutablePointer<Float>, preactivation h: UnsafeMutablePointer<Float>,
                                  skip s: UnsafeMutablePointer<Float>?, updateResidual: Bool = true) {
            let (cres, gate, half) = (configuration.residualChannels, configuration.gateChannels, configuration.gateChannels / 2)
            // h += sum_j W_j x[t - (k-1-j)d] (pushes x into the conv's history).
            dilated.step(x, into: h, yStride: gate, accumulate: true)
            Ops.gateForward(h, gated.base, cache: nil, rows: batch, channels: half)
            if let s {
                guard let skip, let skipBias else { preconditionFailure("ResidualBlock.Stepper: the block has no skip output") }
                let cskip = skipBias.count
                StepProduct.multiply(rows: batch, x: gated.base, xStride: half, weights: skip.base, inputs: half,
                                     outputs: cskip, beta: 1, y: s, yStride: cskip)
                for b in 0..<batch { Ops.axpy(1, skipBias.base, s + b * cskip, count: cskip) }
            }
            guard updateResidual else { return }
            // x = r * (x + g W_res + b_res) = r x + r g W_res + (r b_res).
            StepProduct.multiply(rows: batch, x: gated.base, xStride: half, weights: residual.base, inputs: half,
                                 outputs: cres, alpha: residualScale, beta: residualScale, y: x, yStride: cres)
            for b in 0..<batch { Ops.axpy(1, scaledResidualBias.base, x + b * cres, count: cres) }
        }
    }
}
