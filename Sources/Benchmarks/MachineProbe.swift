import COpenBLAS
import Dispatch
import Foundation
import Tensors

/// What this machine can do at best, measured in the same process as the benchmark so that
/// "fraction of peak" compares like with like (same load from other processes, same clocks).
///
/// - FMA peak: `fmaPeak`, a register-only loop of `SIMD8<Float>` fused multiply-adds (one AVX2
///   `vfmadd` each, the target is built with `-target-cpu haswell`) over twelve independent
///   accumulators: at a 4-cycle FMA latency and two FMA ports, 8 chains are needed to keep
///   both ports busy, and 12 leave headroom. Run on every worker thread at once. FLOPs counted:
///   2 per lane per FMA (a multiply and an add), 16 per instruction.
/// - sgemm: `sgemmRate`, one large `cblas_sgemm` (M = N = K = `sgemmSize`, row-major, no
///   transposes) with OpenBLAS's own pool of `Compute.threads` threads; 2*M*N*K FLOPs.
///
/// Both are repeated; the best repetition is reported (a peak is a maximum, and the noise
/// on a shared machine only ever slows a run down). The benchmark probes before and after its
/// paths and keeps the better figure. The FMA probe also reports its rate per CPU-second of
/// the process (FLOPs / (user + system time)): one core's peak while it runs, which other
/// processes taking turns on the cores do not lower.
public enum MachineProbe {
    /// Iterations of the 12-accumulator FMA body per thread per repetition: 12 * 8 * 2 FLOPs each.
    public static let fmaIterations = 40_000_000

    /// The FMA probe's result: GFLOP/s of the whole run (wall clock, all threads) and per
    /// CPU-second (what one core does while it is running; insensitive to time slicing).
    public struct FMARate: Sendable {
        public var gflops: Double
        public var perCoreGflops: Double
    }

    /// GFLOP/s of FMA-bound work on `threads` threads (best of `repetitions`).
    public static func fmaPeak(threads: Int = Compute.threads, repetitions: Int = 3,
                               iterations: Int = fmaIterations) -> FMARate {
        precondition(threads >= 1 && repetitions >= 1 && iterations >= 1, "fmaPeak: bad arguments")
        let sink = FMASink(threads)
        var best = FMARate(gflops: 0, perCoreGflops: 0)
        for _ in 0..<repetitions {
            let cpu0 = Timing.processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                sink.store(fmaKernel(iterations: iterations, seed: Float(worker + 1)), worker)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            let cpu = Timing.processCPUSeconds() - cpu0
            let flops = Double(threads) * Double(iterations) * 12 * 8 * 2
            best.gflops = max(best.gflops, flops / seconds / 1e9)
            best.perCoreGflops = max(best.perCoreGflops, flops / max(cpu, 1e-9) / 1e9)
        }
        // Reading the results keeps the loops from being optimised away.
        precondition(sink.total.isFinite, "fmaPeak: the probe diverged")
        return best
    }

    /// Twelve independent chains acc = acc * m + c; |m| < 1 keeps them bounded.
    @inline(never)
    static func fmaKernel(iterations: Int, seed: Float) -> Float {
        let m = SIMD8<Float>(repeating: 0.999_9), c = SIMD8<Float>(repeating: 1e-4)
        var a0 = SIMD8<Float>(repeating: seed), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3
        var a4 = a0 + 4, a5 = a0 + 5, a6 = a0 + 6, a7 = a0 + 7
        var a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11
        for _ in 0..<iterations {
            a0 = c.addingProduct(a0, m); a1 = c.addingProduct(a1, m)
            a2 = c.addingProduct(a2, m); a3 = c.addingProduct(a3, m)
            a4 = c.addingProduct(a4, m); a5 = c.addingProduct(a5, m)
            a6 = c.addingProduct(a6, m); a7 = c.addingProduct(a7, m)
            a8 = c.addingProduct(a8, m); a9 = c.addingProduct(a9, m)
            a10 = c.addingProduct(a10, m); a11 = c.addingProduct(a11, m)
        }
        let s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
        return s.sum()
    }

    /// Square size of the sgemm probe.
    public static let sgemmSize = 2048

    /// GFLOP/s of one M = N = K = `size` sgemm on `Compute.threads` workers (best of
    /// `repetitions`, after one warm-up call). The split is the project's own (`.compute`: row
    /// blocks, one single-threaded OpenBLAS call each), not OpenBLAS's threads: switching those on
    /// changes a process-wide setting, and any BLAS call another thread makes meanwhile (a test
    /// running beside the bench's smoke test) would run threaded and round differently.
    public static func sgemmRate(size: Int = sgemmSize, repetitions: Int = 3) -> Double {
        precondition(size >= 1 && repetitions >= 1, "sgemmRate: bad arguments")
        let n = size
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = 0.0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    for rep in 0...repetitions {
                        let start = DispatchTime.now().uptimeNanoseconds
                        BLAS.gemm(m: n, n: n, k: n, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n,
                                  c: pc.baseAddress!, ldc: n, threading: .compute)
                        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                        if rep > 0 { best = max(best, 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9) }
                    }
                }
            }
        }
        return best
    }

    /// The CPU's model name from /proc/cpuinfo ("unknown" when not readable).
    public static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }

    /// OpenBLAS's build description (version, target kernel, thread limit).
    public static var blasConfig: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p).trimmingCharacters(in: .whitespaces)
    }

    /// Cores the process may run on.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// One result slot per worker, so the FMA results are read after the parallel region.
/// Workers write disjoint slots of a raw buffer (no shared array to race on).
private final class FMASink: @unchecked Sendable {
    private let values: UnsafeMutablePointer<Float>
    private let count: Int
    init(_ count: Int) {
        self.count = count
        values = .allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
    }
    deinit { values.deallocate() }
    func store(_ v: Float, _ i: Int) { values[i] = v }
    var total: Float { (0..<count).reduce(0) { $0 + values[$1] } }
}
