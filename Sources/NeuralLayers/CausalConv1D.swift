import Randomness
import Tensors

/// A causal dilated 1-D convolution over time, channels-last.
///
///     y[b, t, o] = bias[o] + sum_{j=0}^{k-1} sum_c weight[j, c, o] * x[b, t - (k-1-j)*d, c]
///
/// with x = 0 at negative times (left zero padding of (k-1)*d), so y[t] depends on x[t' <= t]
/// only. Tap j = k-1 is the current sample, tap 0 the oldest, (k-1)*d steps back.
///
/// Shapes: input `[B, T, Cin]`, output `[B, T, Cout]` (same length T). Parameters:
/// `prefix.weight` `[k, Cin, Cout]` (tap-major; a tap is a Cin x Cout matrix),
/// `prefix.bias` `[Cout]` (optional). Receptive field: (k-1)*d + 1 samples.
///
/// Two implementations of the same formula (`Strategy`), tested against each other and
/// against a naive loop:
/// - `.perTap`: for each tap one GEMM [T - s, Cin] x [Cin, Cout] on the input shifted by
///   s = (k-1-j)*d rows (a pointer offset; the rows that would read the zero padding are
///   simply left out), accumulated into the output (DESIGN §7).
/// - `.fusedTaps` (default): one GEMM with K = k*Cin per block of time rows, on a small
///   cache-resident buffer gathered on the fly ([rows, k*Cin], the k shifted rows side by side).
///   A GEMM with K = Cin per tap is too skinny for full speed at 64-128 channels, and the
///   per-tap form reads and writes the whole output k times; blocks also parallelise cleanly.
///
/// One-step form for cached sampling: `step(_:queue:)` with a `ConvQueue` from `makeQueue`, or a
/// `StepKernel` (CausalConv1D+Step.swift).
public struct CausalConv1D: Layer {
    public enum Strategy: Sendable { case perTap, fusedTaps }

    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let dilation: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var strategy: Strategy = .fusedTaps

    /// - Parameter initialScale: weights are N(0, (initialScale / sqrt(k*Cin))^2); 0 gives zeros.
    public init(prefix: String, inputChannels: Int, outputChannels: Int, kernelSize: Int,
                dilation: Int = 1, bias: Bool = true, initialScale: Float = 1, rng: inout Philox) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && dilation > 0,
                     "\(prefix): invalid conv Cin \(inputChannels) Cout \(outputChannels) k \(kernelSize) d \(dilation)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.dilation = dilation
        weight = Initialization.normal(name: prefix + ".weight", shape: [kernelSize, inputChannels, outputChannels],
                                       fanIn: kernelSize * inputChannels, scale: initialScale, rng: &rng)
        self.bias = bias ? Initialization.zeros(name: prefix + ".bias", shape: [outputChannels]) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// (k-1)*d + 1.
    public var receptiveField: Int { (kernelSize - 1) * dilation + 1 }

    /// Time shift of tap j: (k-1-j)*d.
    @inline(__always) func shift(_ j: Int) -> Int { (kernelSize - 1 - j) * dilation }

    public struct Cache {
        /// The forward input `[B, T, Cin]` (needed for the weight gradient).
        public let input: Tensor
    }

    public func forward(_ x: Tensor) -> (output: Tensor, cache: Cache) {
        (callAsFunction(x), Cache(input: x))
    }

    /// The forward without a cache.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        checkSequence(x, channels: inputChannels, weight.name)
        let (batch, length) = (x.shape[0], x.shape[1])
        var y = Tensor(shape: [batch, length, outputChannels])
        x.withPointer { px in
            weight.value.withPointer { w in
                y.withMutablePointer { py in
                    switch strategy {
                    case .perTap: forwardPerTap(px, w, py, batch: batch, length: length)
                    case .fusedTaps: forwardFused(px, w, py, batch: batch, length: length)
                    }
                }
            }
        }
        if let bias {
            y.withMutablePointer { py in
                bias.value.withPointer { Ops.addRowBias(py, rows: batch * length, bias: $0, columns: outputChannels) }
            }
        }
        return y
    }

    /// Returns dx `[B, T, Cin]`; adds dW and db into the gradients unless `parameterGradients`
    /// is false.
    public func backward(_ dy: Tensor, cache: Cache, parameterGradients: Bool = true) -> Tensor {
        let x = cache.input
        let (batch, length) = (x.shape[0], x.shape[1])
        precondition(dy.shape == [batch, length, outputChannels],
                     "\(weight.name): upstream gradient \(dy.shape), expected \([batch, length, outputChannels])")
        var dx = Tensor(shape: x.shape)
        x.withPointer { px in
            dy.withPointer { pdy in
                dx.withMutablePointer { pdx in
                    switch strategy {
                    case .perTap: backwardPerTap(px, pdy, pdx, batch: batch, length: length, parameterGradients)
                    case .fusedTaps: backwardFused(px, pdy, pdx, batch: batch, length: length, parameterGradients)
                    }
                }
                if parameterGradients, let bias {
                    bias.gradient.withMutablePointer {
                        Ops.accumulateColumnSums(pdy, rows: batch * length, columns: outputChannels, into: $0)
                    }
                }
            }
        }
        return dx
    }

    // MARK: Per-tap GEMMs on shifted views

    private func forwardPerTap(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               batch: Int, length: Int) {
        let (ci, co) = (inputChannels, outputChannels)
        for b in 0..<batch {
            let xb = x + b * length * ci, yb = y + b * length * co
            // Tap k-1 (shift 0) covers every row, so it initialises y (beta 0).
            for j in stride(from: kernelSize - 1, through: 0, by: -1) {
                let s = shift(j)
                guard s < length else { continue }
                BLAS.gemm(m: length - s, n: co, k: ci, a: xb, lda: ci, b: w + j * ci * co, ldb: co,
                          beta: j == kernelSize - 1 ? 0 : 1, c: yb + s * co, ldc: co)
            }
        }
    }

    private func backwardPerTap(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                batch: Int, length: Int, _ parameterGradients: Bool) {
        let (ci, co) = (inputChannels, outputChannels)
        weight.value.withPointer { w in
            for b in 0..<batch {
                let dyb = dy + b * length * co, dxb = dx + b * length * ci
                // dx[t - s] += dy[t] W_j^T; tap k-1 covers every row of dx first.
                for j in stride(from: kernelSize - 1, through: 0, by: -1) {
                    let s = shift(j)
                    guard s < length else { continue }
                    BLAS.gemm(transposeB: true, m: length - s, n: ci, k: co, a: dyb + s * co, lda: co,
                              b: w + j * ci * co, ldb: co, beta: j == kernelSize - 1 ? 0 : 1, c: dxb, ldc: ci)
                }
            }
        }
        guard parameterGradients else { return }
        weight.gradient.withMutablePointer { dw in
            for b in 0..<batch {
                let xb = x + b * length * ci, dyb = dy + b * length * co
                for j in 0..<kernelSize {
                    let s = shift(j)
                    guard s < length else { continue }
                    // dW_j += x[0..<T-s]^T dy[s..<T]
                    BLAS.gemm(transposeA: true, m: ci, n: co, k: length - s, a: xb, lda: ci, b: dyb + s * co, ldb: co,
                              beta: 1, c: dw + j * ci * co, ldc: co)
                }
            }
        }
    }

    // MARK: Fused taps on gathered time blocks

    /// Rows per block: the gathered [rows, k*C] buffer stays within about 768 KiB (inside a
    /// 1 MiB L2), with at least 128 rows (GEMMs with fewer rows, or the weight-gradient GEMM
    /// with K = rows, lose speed) and at most 512 (more blocks balance the threads better).
    static func blockRows(rowLength: Int) -> Int {
        max(128, min(512, (196_608 / max(1, rowLength)) / 16 * 16))
    }

    /// The time blocks of all batch items, split into contiguous ranges of blocks ("tasks").
    /// There are up to `tasksPerThread` tasks per thread, handed out dynamically by
    /// `concurrentPerform`, so a core slowed down by another process does not hold the others
    /// back. Results do not depend on which thread runs a task: the forward and dx write
    /// disjoint rows, and the weight gradient keeps one partial per task, summed in task order.
    private func plan(batch: Int, length: Int, rowLength: Int, flopsPerRow: Int,
                      tasksPerThread: Int) -> (rows: Int, perItem: Int, ranges: [Range<Int>]) {
        let rows = Self.blockRows(rowLength: rowLength)
        let perItem = (length + rows - 1) / rows
        let total = batch * perItem
        // Threads only pay for a few MFLOP of work per task.
        let minimumBlocks = max(1, 4_000_000 / max(1, rows * flopsPerRow))
        let threads = Compute.threads
        return (rows, perItem, Compute.split(total, minimumChunk: minimumBlocks,
                                             threads: threads == 1 ? 1 : threads * tasksPerThread))
    }

    /// Copies rows t0..<t0+n of the k taps of `src` (item base, `channels` per row) into `buffer`
    /// ([n, k*channels]), with row t of tap j read from t + sign * shift(j), zero outside [0, T).
    @inline(__always)
    private func gather(_ src: UnsafePointer<Float>, channels c: Int, length: Int, t0: Int, n: Int,
                        sign: Int, into buffer: UnsafeMutablePointer<Float>) {
        let k = kernelSize
        for j in 0..<k {
            let offset = sign * shift(j)
            for i in 0..<n {
                let t = t0 + i + offset
                let dst = buffer + (i * k + j) * c
                if t >= 0 && t < length {
                    dst.update(from: src + t * c, count: c)
                } else {
                    dst.update(repeating: 0, count: c)
                }
            }
        }
    }

    private func forwardFused(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              batch: Int, length: Int) {
        let (ci, co, kc) = (inputChannels, outputChannels, kernelSize * inputChannels)
        let p = plan(batch: batch, length: length, rowLength: kc, flopsPerRow: 2 * kc * co, tasksPerThread: 4)
        let px = SendablePointer(x), pw = SendablePointer(w), py = SendableMutablePointer(y)
        let conv = SendableConv(self)
        Compute.parallelFor(p.ranges.count) { task in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: p.rows * kc)
            defer { buffer.deallocate() }
            for block in p.ranges[task] {
                let b = block / p.perItem, t0 = (block % p.perItem) * p.rows
                let n = min(p.rows, length - t0)
                conv.layer.gather(px.base + b * length * ci, channels: ci, length: length, t0: t0, n: n,
                                  sign: -1, into: buffer)
                BLAS.gemm(m: n, n: co, k: kc, a: buffer, lda: kc, b: pw.base, ldb: co,
                          c: py.base + (b * length + t0) * co, ldc: co, threading: .single)
            }
        }
    }

    private func backwardFused(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                               batch: Int, length: Int, _ parameterGradients: Bool) {
        let (ci, co, k) = (inputChannels, outputChannels, kernelSize)
        let (kci, kco) = (k * ci, k * co)
        // W^T by taps, [k*Cout, Cin]: row (j, o) holds weight[j, :, o], so that
        // dx[t] = sum_j dy[t + s_j] W_j^T is one GEMM over the gathered [dy[t+s_0] | ... ].
        var transposed = [Float](repeating: 0, count: kco * ci)
        weight.value.withPointer { w in
            transposed.withUnsafeMutableBufferPointer { wt in
                for j in 0..<k { for c in 0..<ci { for o in 0..<co { wt[(j * co + o) * ci + c] = w[(j * ci + c) * co + o] } } }
            }
        }
        let p = plan(batch: batch, length: length, rowLength: max(kci, kco),
                     flopsPerRow: (parameterGradients ? 4 : 2) * kci * co, tasksPerThread: 2)
        let tasks = p.ranges.count
        // One weight-gradient partial per task, summed in task order (deterministic).
        var partials = [Float](repeating: 0, count: parameterGradients ? tasks * kci * co : 0)
        let px = SendablePointer(x), pdy = SendablePointer(dy), pdx = SendableMutablePointer(dx)
        let conv = SendableConv(self)
        transposed.withUnsafeBufferPointer { wtBuffer in
            partials.withUnsafeMutableBufferPointer { partialBuffer in
                guard let wtBase = wtBuffer.baseAddress else { return }
                let pwt = SendablePointer(wtBase)
                let ppart = parameterGradients ? partialBuffer.baseAddress.map { SendableMutablePointer($0) } : nil
                Compute.parallelFor(tasks) { task in
                    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: p.rows * max(kci, kco))
                    defer { buffer.deallocate() }
                    for block in p.ranges[task] {
                        let b = block / p.perItem, t0 = (block % p.perItem) * p.rows
                        let n = min(p.rows, length - t0)
                        let dyBlock = pdy.base + (b * length + t0) * co
                        if let ppart {
                            // dW += [x[t-s_0] | ... | x[t-s_{k-1}]]^T dy[t] over the block.
                            conv.layer.gather(px.base + b * length * ci, channels: ci, length: length, t0: t0, n: n,
                                              sign: -1, into: buffer)
                            BLAS.gemm(transposeA: true, m: kci, n: co, k: n, a: buffer, lda: kci, b: dyBlock, ldb: co,
                                      beta: 1, c: ppart.base + task * kci * co, ldc: co, threading: .single)
                        }
                        conv.layer.gather(pdy.base + b * length * co, channels: co, length: length, t0: t0, n: n,
                                          sign: 1, into: buffer)
                        BLAS.gemm(m: n, n: ci, k: kco, a: buffer, lda: kco, b: pwt.base, ldb: ci,
                                  c: pdx.base + (b * length + t0) * ci, ldc: ci, threading: .single)
                    }
                }
            }
        }
        guard parameterGradients else { return }
        weight.gradient.withMutablePointer { dw in
            partials.withUnsafeBufferPointer { part in
                for task in 0..<tasks {
                    for i in 0..<kci * co { dw[i] += part[task * kci * co + i] }
                }
            }
        }
    }
}

/// Lets a conv's pure helper methods be called from `concurrentPerform` workers. The layer is
/// only read there (its parameters are not touched), which is what makes this safe.
private struct SendableConv: @unchecked Sendable {
    let layer: CausalConv1D
    init(_ layer: CausalConv1D) { self.layer = layer }
}
