import NeuralLayers
import Tensors

/// The inference-only forward of a conditioned `ResidualBlock` without skip (an IAF flow
/// layer), fused over cache-sized blocks of time rows. Same formula as `ResidualBlock.forward`:
///
///     h   = [x[t-(k-1)d] | ... | x[t-d] | x[t] | c[t]] · [W_dilated ; W_condition] + b_dilated    [n, G]
///     g   = tanh(h[:, :G/2]) * sigmoid(h[:, G/2:])                                                [n, G/2]
///     out = r * (x[t] + b_residual) + r * g · W_residual                                          [n, C]
///
/// (x = 0 at negative times, r = sqrt(1/2) with `scaleResidual`, else 1). For each block of n
/// rows of one batch item, the k taps and the conditioning are gathered side by side into one
/// `[n, k*C + Cmel]` buffer, so the dilated conv and the conditioning projection are a single
/// GEMM with K = k*C + Cmel (272 for the full student); h and g never leave the cache, and no
/// backward cache is written. Blocks are split over `Compute.threads` workers, each running
/// single-threaded GEMMs. When the shapes allow (G % 16 == 0, C % 16 == 0: every preset but
/// `tiny`), `apply` runs the register-blocked C kernels instead (`RegisterBlockedFlowLayer`,
/// same formula, weights packed once here). Both paths are tested against
/// `ResidualBlock.forward` (the reference).
struct FusedResidualBlock {
    let channels: Int
    let gateChannels: Int
    let conditionChannels: Int
    let kernelSize: Int
    let dilation: Int
    let scale: Float
    /// `[k*C + Cmel, G]`: the dilated conv's weight viewed as `[k*C, G]` (tap-major, oldest tap
    /// first), then the conditioning projection's rows.
    let stackedWeight: [Float]
    /// `[G]` (zeros if the conv has no bias).
    let gateBias: [Float]
    /// `[G/2, C]` and `[C]`.
    let residualWeight: [Float]
    let residualBias: [Float]
    /// The packed-weight kernel path, nil when the shapes do not fit it.
    private(set) var kernel: RegisterBlockedFlowLayer? = nil

    init(_ block: ResidualBlock) {
        let cfg = block.configuration
        guard let projection = block.condition else {
            preconditionFailure("\(block.dilated.weight.name): the fused flow layer needs a conditioned block")
        }
        precondition(block.skip == nil, "\(block.dilated.weight.name): the fused flow layer has no skip output")
        channels = cfg.residualChannels
        gateChannels = cfg.gateChannels
        conditionChannels = projection.inputChannels
        kernelSize = cfg.kernelSize
        dilation = cfg.dilation
        scale = cfg.scaleResidual ? Float(0.5).squareRoot() : 1
        stackedWeight = block.dilated.weight.value.scalars + projection.weight.value.scalars
        gateBias = block.dilated.bias?.value.scalars ?? [Float](repeating: 0, count: cfg.gateChannels)
        residualWeight = block.residual.weight.value.scalars
        residualBias = block.residual.bias?.value.scalars ?? [Float](repeating: 0, count: cfg.residualChannels)
        kernel = RegisterBlockedFlowLayer(self)
    }

    /// Rows per block: the gate runs on the calling worker when rows * G stays below
    /// `Ops.parallelThreshold`, and 240 rows (G = 128) keep the [n, K] buffer near 256 KiB.
    static func blockRows(gateChannels g: Int) -> Int {
        max(16, min(256, (Ops.parallelThreshold - 1) / max(1, g) / 16 * 16))
    }

    /// out `[B, T, C]` for x `[B, T, C]` and c `[B, T, Cmel]`, written into `y` (same shape as x).
    /// The kernel path when there is one, else the BLAS path.
    func apply(_ x: Tensor, condition c: Tensor, into y: inout Tensor) {
        checkShapes(x, c, y)
        if let kernel {
            kernel.apply(x, condition: c, into: &y)
        } else {
            applyWithBLAS(x, condition: c, into: &y)
        }
    }

    /// The same under frame-rate conditioning: the kernel path projects the frames once per call
    /// (`RegisterBlockedFlowLayer.apply(_:frames:into:)`); the BLAS path interpolates c per sample.
    func apply(_ x: Tensor, frames: FrameCondition, into y: inout Tensor) {
        if let kernel {
            precondition(x.rank == 3 && x.shape[2] == channels && y.shape == x.shape,
                         "fused flow layer: input \(x.shape), output \(y.shape), expected [B, T, \(channels)]")
            kernel.apply(x, frames: frames, into: &y)
        } else {
            applyWithBLAS(x, condition: frames.samples(), into: &y)
        }
    }

    func apply(_ x: Tensor, condition: LayerCondition, into y: inout Tensor) {
        switch condition {
        case .samples(let c): apply(x, condition: c, into: &y)
        case .frames(let f): apply(x, frames: f, into: &y)
        }
    }

    private func checkShapes(_ x: Tensor, _ c: Tensor, _ y: Tensor) {
        precondition(x.rank == 3 && x.shape[2] == channels && y.shape == x.shape,
                     "fused flow layer: input \(x.shape), output \(y.shape), expected [B, T, \(channels)]")
        precondition(c.shape == [x.shape[0], x.shape[1], conditionChannels],
                     "fused flow layer: conditioning \(c.shape), expected [\(x.shape[0]), \(x.shape[1]), \(conditionChannels)]")
    }

    /// The same with per-block OpenBLAS GEMMs (any shape).
    func applyWithBLAS(_ x: Tensor, condition c: Tensor, into y: inout Tensor) {
        checkShapes(x, c, y)
        let (batch, length) = (x.shape[0], x.shape[1])
        let (cc, cm, g, half, k, d) = (channels, conditionChannels, gateChannels, gateChannels / 2, kernelSize, dilation)
        let kTotal = k * cc + cm
        let rows = Self.blockRows(gateChannels: g)
        let perItem = (length + rows - 1) / rows
        // A worker should get a few MFLOP at least, or the hand-off costs more than it saves.
        let flopsPerRow = 2 * (kTotal * g + half * cc)
        let ranges = Compute.split(batch * perItem, minimumChunk: max(1, 4_000_000 / max(1, rows * flopsPerRow)))
        let gateRows = max(1, (Ops.parallelThreshold - 1) / g)
        let r = scale
        x.withPointer { px0 in
            c.withPointer { pc0 in
                y.withMutablePointer { py0 in
                    stackedWeight.withUnsafeBufferPointer { w1 in
                        gateBias.withUnsafeBufferPointer { b1 in
                            residualWeight.withUnsafeBufferPointer { w2 in
                                residualBias.withUnsafeBufferPointer { b2 in
                                    guard let w1 = w1.baseAddress, let b1 = b1.baseAddress,
                                          let w2 = w2.baseAddress, let b2 = b2.baseAddress else { return }
                                    let px = SendablePointer(px0), pc = SendablePointer(pc0), py = SendableMutablePointer(py0)
                                    let pw1 = SendablePointer(w1), pb1 = SendablePointer(b1)
                                    let pw2 = SendablePointer(w2), pb2 = SendablePointer(b2)
                                    Compute.parallelFor(ranges.count) { worker in
                                        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: rows * kTotal)
                                        let h = UnsafeMutablePointer<Float>.allocate(capacity: rows * g)
                                        let gated = UnsafeMutablePointer<Float>.allocate(capacity: rows * half)
                                        defer { buffer.deallocate(); h.deallocate(); gated.deallocate() }
                                        for blockIndex in ranges[worker] {
                                            let b = blockIndex / perItem, t0 = (blockIndex % perItem) * rows
                                            let n = min(rows, length - t0)
                                            let xItem = px.base + b * length * cc
                                            // Gather [x[t-(k-1)d] | ... | x[t] | c[t]] and start h at the bias.
                                            for i in 0..<n {
                                                let t = t0 + i
                                                let row = buffer + i * kTotal
                                                for j in 0..<k {
                                                    let src = t - (k - 1 - j) * d
                                                    if src >= 0 {
                                                        (row + j * cc).update(from: xItem + src * cc, count: cc)
                                                    } else {
                                                        (row + j * cc).update(repeating: 0, count: cc)
                                                    }
                                                }
                                                (row + k * cc).update(from: pc.base + (b * length + t) * cm, count: cm)
                                                (h + i * g).update(from: pb1.base, count: g)
                                            }
                                            BLAS.gemm(m: n, n: g, k: kTotal, a: buffer, lda: kTotal, b: pw1.base, ldb: g,
                                                      beta: 1, c: h, ldc: g, threading: .single)
                                            var r0 = 0
                                            while r0 < n {
                                                let nr = min(gateRows, n - r0)
                                                Ops.gateForward(h + r0 * g, gated + r0 * half, cache: nil, rows: nr, channels: half)
                                                r0 += nr
                                            }
                                            // out = r * (x + b_residual), then += r * g W_residual.
                                            let out = py.base + (b * length + t0) * cc, xs = xItem + t0 * cc
                                            for i in 0..<n {
                                                let o = out + i * cc, xi = xs + i * cc
                                                for ch in 0..<cc { o[ch] = r * (xi[ch] + pb2.base[ch]) }
                                            }
                                            BLAS.gemm(m: n, n: cc, k: half, alpha: r, a: gated, lda: half, b: pw2.base, ldb: cc,
                                                      beta: 1, c: out, ldc: cc, threading: .single)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
