import ArgumentParser
import Foundation
import NeuralLayers
import Randomness
import Tensors

/// `wavedistill bench-layers [--json FILE] [--reps N] [--threads N]`: GFLOP/s of the causal
/// dilated conv layer on WaveNet-shaped work against plain BLAS on the same GEMM shapes.
struct BenchLayersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-layers",
        abstract: "Benchmark the dilated conv layer (forward, backward, one-step) against sgemm/sgemv.",
        discussion: """
        Each shape is a dilated conv from C residual channels to 2C gate channels (B = 1, length T, \
        kernel k, dilation d). Forward: T*k*C*2C multiply-adds, compared with one cblas_sgemm of \
        M = T, N = 2C, K = k*C (OpenBLAS's own threads). Backward (dx and dW): twice that, compared \
        with the same sgemm rate and also with the two backward GEMM shapes called directly. \
        One step (cached sampling, batch 1): the sampler's form (CausalConv1D.StepKernel: weights \
        copied once, push of x_t into the queue, bias, one GEMV on the contiguous window) compared \
        with one cblas_sgemv on the same [k*C, 2C] weights; "layer µs" is the layer's own step with \
        its live parameters. Medians over --reps repetitions after a warm-up. Build with -c release.
        """)

    @Option(help: "Write the results as a JSON array to this file.")
    var json: String?

    @Option(help: "Timed repetitions per measurement (the median is reported).")
    var reps = 7

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int?

    @Flag(help: "A small, fast run (for tests): short sequences, one dilation per shape.")
    var quick = false

    func validate() throws {
        try OptionCheck.require(reps, "reps", in: 1...100_000)
        if let threads { try OptionCheck.require(threads, "threads", in: 1...1024) }
    }

    struct Shape {
        var channels: Int, kernel: Int, length: Int, dilations: [Int]
    }

    static let shapes = [
        Shape(channels: 64, kernel: 3, length: 16_384, dilations: [1, 32, 512]),
        Shape(channels: 128, kernel: 3, length: 8_192, dilations: [1, 64]),
        Shape(channels: 256, kernel: 2, length: 4_096, dilations: [1, 256]),
    ]

    struct Record: Codable {
        var channels_in: Int, channels_out: Int, kernel: Int, dilation: Int, length: Int, batch: Int, threads: Int
        var layer_forward_gflops: Double, layer_backward_gflops: Double
        var layer_forward_per_tap_gflops: Double
        var sgemm_gflops: Double, sgemm_backward_gflops: Double
        var incremental_step_us: Double, incremental_gflops: Double, sgemv_gflops: Double
        var incremental_layer_step_us: Double
        var forward_ratio: Double, backward_ratio: Double, incremental_ratio: Double
    }

    func run() throws {
        if let threads { Compute.setThreads(threads) }
        if let json { try CLISupport.requireOutputDirectory(for: json) }
        var records: [Record] = []
        let shapes = quick
            ? [Shape(channels: 64, kernel: 3, length: 2_048, dilations: [4]), Shape(channels: 128, kernel: 2, length: 1_024, dilations: [8])]
            : Self.shapes
        print("threads \(Compute.threads), reps \(reps) (median); GFLOP/s unless noted")
        print(pad(["C->2C", "k", "d", "T", "fwd", "perTap", "bwd", "sgemm", "sgemmBwd", "step µs", "layer µs", "step", "sgemv",
                   "fwd/sg", "bwd/sg", "step/sv"]))
        for shape in shapes {
            for d in shape.dilations {
                let r = measure(shape, dilation: d)
                records.append(r)
                print(pad([
                    "\(r.channels_in)->\(r.channels_out)", "\(r.kernel)", "\(r.dilation)", "\(r.length)",
                    f1(r.layer_forward_gflops), f1(r.layer_forward_per_tap_gflops), f1(r.layer_backward_gflops),
                    f1(r.sgemm_gflops), f1(r.sgemm_backward_gflops), String(format: "%.2f", r.incremental_step_us),
                    String(format: "%.2f", r.incremental_layer_step_us),
                    f1(r.incremental_gflops), f1(r.sgemv_gflops),
                    f2(r.forward_ratio), f2(r.backward_ratio), f2(r.incremental_ratio),
                ]))
            }
        }
        let worst = (records.map(\.forward_ratio).min() ?? 0, records.map(\.backward_ratio).min() ?? 0,
                     records.map(\.incremental_ratio).min() ?? 0)
        print("lowest ratios: forward \(f2(worst.0)), backward \(f2(worst.1)), one-step \(f2(worst.2)) (target >= 0.80)")
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(records).write(to: CLISupport.fileURL(json), options: .atomic)
        }
    }

    private func measure(_ shape: Shape, dilation: Int) -> Record {
        let (ci, co, k, t) = (shape.channels, 2 * shape.channels, shape.kernel, shape.length)
        var rng = Philox(seed: 7, stream: UInt64(ci * 1000 + dilation))
        let conv = CausalConv1D(prefix: "bench", inputChannels: ci, outputChannels: co, kernelSize: k,
                                dilation: dilation, rng: &rng)
        let x = Tensor.normal(shape: [1, t, ci], rng: &rng)
        let dy = Tensor.normal(shape: [1, t, co], rng: &rng)
        let flops = 2.0 * Double(t * k * ci * co)

        var perTap = conv
        perTap.strategy = .perTap
        let (_, cache) = conv.forward(x)

        // The same total GEMM shapes, plain BLAS. Backward shapes: dW [k*Cin, Cout] = A^T dy
        // (K = T) and dx [T, Cin] = dy_k Wt (K = k*Cout).
        let a = Tensor.normal(shape: [t, k * ci], rng: &rng)
        let wt = Tensor.normal(shape: [k * co, ci], rng: &rng)
        let dyk = Tensor.normal(shape: [t, k * co], rng: &rng)
        let weights = conv.weight.value
        let c = Scratch(t * co), dw = Scratch(k * ci * co), dx = Scratch(t * ci), out = Scratch(co)
        defer { for s in [c, dw, dx, out] { s.free() } }

        // One step at batch 1, against one GEMV on the same weights.
        let steps = quick ? 200 : 2_000
        let kernel = CausalConv1D.StepKernel(conv)
        var queue = kernel.makeQueue(batch: 1)
        var layerQueue = conv.makeQueue(batch: 1)
        let column = Tensor.normal(shape: [steps, ci], rng: &rng)
        let window = Tensor.normal(shape: [k * ci], rng: &rng)

        // Round-robin: every repetition times each candidate once, so that load from other
        // processes on this shared machine hits the layer and its BLAS reference alike.
        let candidates: [() -> Void] = [
            { _ = conv(x) },
            { _ = perTap(x) },
            { _ = conv.backward(dy, cache: cache) },
            {
                weights.withPointer { w in a.withPointer { pa in
                    BLAS.gemm(m: t, n: co, k: k * ci, a: pa, lda: k * ci, b: w, ldb: co, c: c.base, ldc: co, threading: .library)
                } }
            },
            {
                a.withPointer { pa in dy.withPointer { pdy in
                    BLAS.gemm(transposeA: true, m: k * ci, n: co, k: t, a: pa, lda: k * ci, b: pdy, ldb: co,
                              beta: 1, c: dw.base, ldc: co, threading: .library)
                } }
                dyk.withPointer { pdyk in wt.withPointer { pwt in
                    BLAS.gemm(m: t, n: ci, k: k * co, a: pdyk, lda: k * co, b: pwt, ldb: ci, c: dx.base, ldc: ci, threading: .library)
                } }
            },
        ]
        // OpenBLAS's helper threads keep spinning (sched_yield) for a while after a threaded
        // call; let them go to sleep before timing the next candidate, or they steal a core
        // from it. Indices 3 and 4 are the library-threaded references.
        let times = medians(candidates, cooldownAfter: [3, 4])
        let (forward, forwardPerTap, backward, sgemm, sgemmBackward) = (times[0], times[1], times[2], times[3], times[4])
        // Steps are short (µs): alternate blocks of steps and GEMVs many times per repetition.
        let rounds = 20, perRound = steps / rounds
        var round = 0
        let paired = medians([
            {
                column.withPointer { pc in
                    for s in 0..<perRound { kernel.step(pc + (round * perRound + s) * ci, into: out.base, queue: &queue) }
                }
            },
            {
                // The kernel's own copy of the weights: the same memory (and cache state) as its steps.
                window.withPointer { pv in
                    for _ in 0..<perRound {
                        BLAS.gemv(transpose: true, m: k * ci, n: co, a: kernel.weights.base, lda: co, x: pv, y: out.base)
                    }
                }
            },
            {
                column.withPointer { pc in
                    for s in 0..<perRound { conv.step(pc + (round * perRound + s) * ci, into: out.base, queue: &layerQueue) }
                }
                round = (round + 1) % rounds
            },
        ], repetitions: reps * rounds)
        let step = paired[0] / Double(perRound), gemv = paired[1] / Double(perRound), layerStep = paired[2] / Double(perRound)
        let stepFlops = 2.0 * Double(k * ci * co)
        let g = { (f: Double, s: Double) in f / s / 1e9 }
        return Record(
            channels_in: ci, channels_out: co, kernel: k, dilation: dilation, length: t, batch: 1, threads: Compute.threads,
            layer_forward_gflops: g(flops, forward), layer_backward_gflops: g(2 * flops, backward),
            layer_forward_per_tap_gflops: g(flops, forwardPerTap),
            sgemm_gflops: g(flops, sgemm), sgemm_backward_gflops: g(2 * flops, sgemmBackward),
            incremental_step_us: step * 1e6, incremental_gflops: g(stepFlops, step), sgemv_gflops: g(stepFlops, gemv),
            incremental_layer_step_us: layerStep * 1e6,
            forward_ratio: sgemm / forward, backward_ratio: sgemm / (backward / 2), incremental_ratio: gemv / step)
    }

    /// Median wall time in seconds of each body over `reps` round-robin repetitions, after two
    /// warm-up runs of each.
    private func medians(_ bodies: [() -> Void], repetitions: Int? = nil, cooldownAfter: Set<Int> = []) -> [Double] {
        for body in bodies { body(); body() }
        if !cooldownAfter.isEmpty { Thread.sleep(forTimeInterval: 0.2) }
        var times = [[Double]](repeating: [], count: bodies.count)
        let clock = ContinuousClock()
        for _ in 0..<(repetitions ?? reps) {
            for (i, body) in bodies.enumerated() {
                let elapsed = clock.measure(body)
                times[i].append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
                if cooldownAfter.contains(i) { Thread.sleep(forTimeInterval: 0.2) }
            }
        }
        return times.map { ts in
            let s = ts.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
    }

    private func f1(_ v: Double) -> String { String(format: "%.1f", v) }
    private func f2(_ v: Double) -> String { String(format: "%.2f", v) }
    private func pad(_ cells: [String]) -> String {
        let widths = [9, 2, 4, 6, 7, 7, 7, 7, 8, 8, 8, 6, 6, 7, 7, 7]
        return zip(cells, widths).map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined(separator: " ")
    }
}

/// A malloc'ed float buffer the benchmark closures can write without inout captures.
private final class Scratch {
    let base: UnsafeMutablePointer<Float>
    init(_ count: Int) {
        base = .allocate(capacity: max(1, count))
        base.initialize(repeating: 0, count: max(1, count))
    }
    func free() { base.deallocate() }
}
