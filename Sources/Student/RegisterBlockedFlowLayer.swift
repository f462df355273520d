import CKernels
import Tensors

/// The inference forward of one flow layer with the C kernels of `flow_layer.c`: the same
/// formula as `FusedResidualBlock` (and `ResidualBlock.forward`), computed six time rows at a
/// time with the accumulators in registers:
///
///     h   = [x[t-(k-1)d] | ... | x[t] | c[t]] · [W_dilated ; W_condition] + b_dilated    six rows, registers only
///     g   = tanh(h[:, :G/2]) * sigmoid(h[:, G/2:])                                        [6, G/2], L1
///     out = r * (x[t] + b_residual) + r * g · W_residual                                  [6, C]
///
/// Why not OpenBLAS per block: each sgemm call packs both operands again (the [k C + Cmel, G]
/// weight and the gathered rows), h makes a round trip through memory for the gate, and the
/// gather itself is a copy. Here the weights are packed once per synthesis (16-column panels,
/// the gate's two halves side by side so the epilogue can gate them), and the rows are read in
/// place through row pointers (taps at negative times point at a zero row).
///
/// Needs G/2 % 8 == 0 and C % 16 == 0 (`supports`); `FusedResidualBlock` falls back to its
/// BLAS path otherwise. Each row's result depends only on that row, so the split over
/// workers does not change the numbers.
struct RegisterBlockedFlowLayer {
    let channels: Int
    let half: Int
    let conditionChannels: Int
    let kernelSize: Int
    let dilation: Int
    let scale: Float
    /// `[G/2 / 8][k C + Cmel][16]` and `[G/2 / 8][16]` (`wd_flow_pack_gate`).
    let gateWeight: [Float]
    let gateBias: [Float]
    /// `[C / 16][G/2][16]` (`wd_flow_pack_residual`) and `[C]`.
    let residualWeight: [Float]
    let residualBias: [Float]
    /// W_condition `[Cmel, G]` with its columns in the packed panel order (frame-rate path).
    let conditionWeight: [Float]

    /// Rows of one register tile (the kernels' six accumulator rows).
    static let rowsPerGroup = 6
    /// Rows per call: each 16-column weight panel is loaded into L1 once per block and used for
    /// all its groups; 96 rows of taps, conditioning and gate output (~130 KiB) stay in L2.
    static let blockRows = 96
    /// Work units per worker thread and layer (see `apply`).
    static let unitsPerThread = 16

    /// The most upsampler stages frame-rate conditioning takes (`WD_MAX_CONDITION_STAGES`).
    static let maximumConditionStages = Int(WD_MAX_CONDITION_STAGES)

    static func supports(channels: Int, gateChannels: Int) -> Bool {
        channels % 16 == 0 && gateChannels % 16 == 0 && channels > 0 && gateChannels > 0
    }

    /// From the fused layer's unpacked weights (`stackedWeight` `[k C + Cmel, G]`, tap-major);
    /// nil when the shapes do not fit the kernels.
    init?(_ layer: FusedResidualBlock) {
        guard Self.supports(channels: layer.channels, gateChannels: layer.gateChannels) else { return nil }
        channels = layer.channels
        half = layer.gateChannels / 2
        conditionChannels = layer.conditionChannels
        kernelSize = layer.kernelSize
        dilation = layer.dilation
        scale = layer.scale
        let k = layer.kernelSize * layer.channels + layer.conditionChannels
        var packed = [Float](repeating: 0, count: k * 2 * half), packedBias = [Float](repeating: 0, count: 2 * half)
        let h = half
        layer.stackedWeight.withUnsafeBufferPointer { w in
            layer.gateBias.withUnsafeBufferPointer { b in
                packed.withUnsafeMutableBufferPointer { p in
                    packedBias.withUnsafeMutableBufferPointer { pb in
                        wd_flow_pack_gate(w.baseAddress, b.baseAddress, k, h, p.baseAddress, pb.baseAddress)
                    }
                }
            }
        }
        var packedResidual = [Float](repeating: 0, count: half * channels)
        let c = channels
        layer.residualWeight.withUnsafeBufferPointer { w in
            packedResidual.withUnsafeMutableBufferPointer { p in
                wd_flow_pack_residual(w.baseAddress, h, c, p.baseAddress)
            }
        }
        gateWeight = packed
        gateBias = packedBias
        residualWeight = packedResidual
        residualBias = layer.residualBias
        let cm = layer.conditionChannels, tapRows = layer.kernelSize * layer.channels
        var panelOrder = [Float](repeating: 0, count: cm * 2 * h)
        layer.stackedWeight.withUnsafeBufferPointer { w in
            panelOrder.withUnsafeMutableBufferPointer { out in
                wd_flow_pack_gate_columns(w.baseAddress.map { $0 + tapRows * 2 * h }, cm, h, out.baseAddress)
            }
        }
        conditionWeight = panelOrder
    }

    /// out `[B, T, C]` for x `[B, T, C]` and c `[B, T, Cmel]`, written into `y` (same shape as
    /// x, not aliasing it). Shapes are checked by the caller (`FusedResidualBlock.apply`).
    /// `workUnits` overrides how many pieces the row groups are split into (tests).
    func apply(_ x: Tensor, condition c: Tensor, into y: inout Tensor, workUnits: Int? = nil) {
        run(x, perSample: c, frames: nil, into: &y, workUnits: workUnits)
    }

    /// The same with the conditioning at the frame rate (a shared-tap upsampler): the frames and
    /// the stage biases are projected by W_condition here, once per call (2 Cmel G FLOPs per
    /// frame), and the kernel starts each row's accumulators at the interpolated projection
    /// instead of multiplying c[t] (2 Cmel G FLOPs per sample). Same h up to rounding.
    func apply(_ x: Tensor, frames: FrameCondition, into y: inout Tensor, workUnits: Int? = nil) {
        precondition(frames.batch == x.shape[0] && frames.length == x.shape[1] && frames.channels == conditionChannels,
                     "flow layer: frame conditioning for \(frames.batch) x \(frames.length) rows of \(frames.channels) bands, input \(x.shape)")
        precondition(frames.interpolation.stageCount <= Self.maximumConditionStages,
                     "flow layer: at most \(Self.maximumConditionStages) upsampler stages")
        let g = 2 * half, cm = conditionChannels
        var projected = Tensor(shape: [frames.batch, frames.frameCount, g])
        var stageRows = Tensor(shape: [frames.interpolation.stageCount, g])
        conditionWeight.withUnsafeBufferPointer { w in
            guard let w = w.baseAddress else { return }
            frames.frames.withPointer { pf in
                projected.withMutablePointer { pp in
                    BLAS.gemm(m: frames.batch * frames.frameCount, n: g, k: cm, a: pf, lda: cm, b: w, ldb: g, c: pp, ldc: g)
                }
            }
            frames.stageBiases.withPointer { pb in
                stageRows.withMutablePointer { ps in
                    BLAS.gemm(m: frames.interpolation.stageCount, n: g, k: cm, a: pb, lda: cm, b: w, ldb: g, c: ps, ldc: g)
                }
            }
        }
        run(x, perSample: nil, frames: ProjectedFrames(frames: projected, stageRows: stageRows, source: frames),
            into: &y, workUnits: workUnits)
    }

    /// The frame-rate conditioning projected by this layer's W_condition (columns in panel order).
    private struct ProjectedFrames {
        /// `[B, F, G]`.
        let frames: Tensor
        /// `[S, G]`.
        let stageRows: Tensor
        let source: FrameCondition
    }

    private func run(_ x: Tensor, perSample c: Tensor?, frames: ProjectedFrames?, into y: inout Tensor, workUnits: Int?) {
        let (batch, length) = (x.shape[0], x.shape[1])
        let (cc, k, d, h, r) = (channels, kernelSize, dilation, half, scale)
        // Without per-sample conditioning the gate reads only the k taps of each row.
        let cm = c == nil ? 0 : conditionChannels
        let rows = Self.rowsPerGroup, blockRows = Self.blockRows
        let blocksPerItem = (length + blockRows - 1) / blockRows
        let blocks = batch * blocksPerItem
        // Work units of at least ~4 MFLOP (the hand-off costs more below), and many per worker:
        // the layer ends when its last unit does, so a worker slowed by another process idles
        // the other one for up to one unit (with 4 units per worker: ~6 % of the full student).
        let flopsPerBlock = 2 * blockRows * ((k * cc + cm) * 2 * h + h * cc)
        let minimumBlocks = max(1, 4_000_000 / max(1, flopsPerBlock))
        let units = max(1, min(blocks, workUnits ?? min(blocks / minimumBlocks, Self.unitsPerThread * Compute.threads)))
        let lengths = [Int](repeating: cc, count: k) + (c == nil ? [] : [cm])
        let panelRows = k * cc + conditionChannels
        let segments = lengths.count
        let condition = c ?? Tensor(shape: [0])
        let projected = frames?.frames ?? Tensor(shape: [0]), stageRows = frames?.stageRows ?? Tensor(shape: [0])
        let interpolation = frames?.source.interpolation.weights ?? []
        let (frameCount, frameOffset) = (frames?.source.frameCount ?? 0, frames?.source.offset ?? 0)
        let (stages, positions, hop) = (frames?.source.interpolation.stageCount ?? 0,
                                        frames?.source.interpolation.positions ?? 0, frames?.source.interpolation.hop ?? 1)
        x.withPointer { px0 in
          condition.withPointer { pc0 in
            projected.withPointer { pp0 in
              stageRows.withPointer { ps0 in
                interpolation.withUnsafeBufferPointer { wi in
                  y.withMutablePointer { py0 in
                    gateWeight.withUnsafeBufferPointer { w1 in
                      gateBias.withUnsafeBufferPointer { b1 in
                        residualWeight.withUnsafeBufferPointer { w2 in
                          residualBias.withUnsafeBufferPointer { b2 in
                            lengths.withUnsafeBufferPointer { lens in
                                guard let w1 = w1.baseAddress, let b1 = b1.baseAddress, let w2 = w2.baseAddress,
                                      let b2 = b2.baseAddress, let lens = lens.baseAddress else { return }
                                let px = SendablePointer(px0), pc = SendablePointer(pc0), py = SendableMutablePointer(py0)
                                let pw1 = SendablePointer(w1), pb1 = SendablePointer(b1)
                                let pw2 = SendablePointer(w2), pb2 = SendablePointer(b2), pl = SendablePointer(lens)
                                let pp = SendablePointer(pp0), ps = SendablePointer(ps0)
                                let pwi = wi.baseAddress.map(SendablePointer.init)
                                let hasFrames = frames != nil
                                Compute.parallelFor(units) { unit in
                                    let groupsPerBlock = blockRows / rows
                                    let zero = UnsafeMutablePointer<Float>.allocate(capacity: cc)
                                    zero.initialize(repeating: 0, count: cc)
                                    let gated = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * h)
                                    gated.initialize(repeating: 0, count: blockRows * h)
                                    let pointerCount = groupsPerBlock * segments * rows
                                    let pointers = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: pointerCount)
                                    pointers.initialize(repeating: nil, count: pointerCount)
                                    let prefetchStarts = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: k + 1)
                                    prefetchStarts.initialize(repeating: nil, count: k + 1)
                                    let prefetchFloats = UnsafeMutablePointer<Int>.allocate(capacity: k + 1)
                                    prefetchFloats.initialize(repeating: 0, count: k + 1)
                                    defer {
                                        zero.deallocate(); gated.deallocate(); pointers.deallocate()
                                        prefetchStarts.deallocate(); prefetchFloats.deallocate()
                                    }
                                    let unitBlocks = (blocks * unit / units)..<(blocks * (unit + 1) / units)
                                    for block in unitBlocks {
                                        let b = block / blocksPerItem, t0 = (block % blocksPerItem) * blockRows
                                        let n = min(blockRows, length - t0)
                                        let xItem = px.base + b * length * cc
                                        // Row i of tap j is x[t - (k-1-j) d] (the zero row at negative
                                        // times); rows past n repeat the last one.
                                        for g in 0..<((n + rows - 1) / rows) {
                                            let groupPointers = pointers + g * segments * rows
                                            for i in 0..<rows {
                                                let t = t0 + min(g * rows + i, n - 1)
                                                for j in 0..<k {
                                                    let src = t - (k - 1 - j) * d
                                                    groupPointers[j * rows + i] = src >= 0 ? xItem + src * cc : UnsafePointer(zero)
                                                }
                                                if cm > 0 { groupPointers[k * rows + i] = pc.base + (b * length + t) * cm }
                                            }
                                        }
                                        let ranges = block + 1 < unitBlocks.upperBound
                                            ? prefetchRanges(block: block + 1, blocksPerItem: blocksPerItem, length: length,
                                                             x: px.base, condition: cm > 0 ? pc.base : nil, starts: prefetchStarts,
                                                             floats: prefetchFloats)
                                            : 0
                                        var frameCondition = wd_frame_condition(
                                            frames: pp.base + b * frameCount * 2 * h, frame_count: frameCount,
                                            stage_rows: ps.base, stages: stages, weights: pwi?.base, positions: positions,
                                            first: frameOffset + t0, hop: hop)
                                        withUnsafePointer(to: &frameCondition) { fc in
                                            wd_flow_gate_rows(pointers, (n + rows - 1) / rows, segments, pl.base, n, pw1.base,
                                                              panelRows, pb1.base, h, hasFrames ? fc : nil, gated, h,
                                                              prefetchStarts, prefetchFloats, ranges)
                                        }
                                        wd_flow_residual_rows(gated, h, n, pw2.base, h, cc, r, xItem + t0 * cc, cc,
                                                              pb2.base, py.base + (b * length + t0) * cc, cc)
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
          }
        }
    }

    /// The memory a block's gate reads, as at most k + 1 contiguous ranges (the taps'
    /// rows, merged when they overlap, and the per-sample conditioning if any), written to `starts` and `floats`
    /// for the kernel to prefetch while it works on the block before; returns the count.
    private func prefetchRanges(block: Int, blocksPerItem: Int, length: Int, x: UnsafePointer<Float>,
                                condition c: UnsafePointer<Float>?, starts: UnsafeMutablePointer<UnsafePointer<Float>?>,
                                floats: UnsafeMutablePointer<Int>) -> Int {
        let b = block / blocksPerItem, t0 = (block % blocksPerItem) * Self.blockRows
        let n = min(Self.blockRows, length - t0)
        let xItem = x + b * length * channels
        var count = 0
        func add(_ from: Int, _ to: Int) {
            let lo = max(0, from)
            guard to > lo else { return }
            starts[count] = xItem + lo * channels
            floats[count] = (to - lo) * channels
            count += 1
        }
        let span = (kernelSize - 1) * dilation
        if dilation < n {
            add(t0 - span, t0 + n)
        } else {
            for j in 0..<kernelSize { add(t0 - (kernelSize - 1 - j) * dilation, t0 + n - (kernelSize - 1 - j) * dilation) }
        }
        guard let c else { return count }
        starts[count] = c + (b * length + t0) * conditionChannels
        floats[count] = n * conditionChannels
        return count + 1
    }
}
