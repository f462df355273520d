import COpenBLAS

/// Row-major BLAS wrappers (OpenBLAS), threaded by `Compute`.
///
/// Matrices are row-major: element (i, j) of an m-by-n matrix with leading dimension ld is at
/// `p[i * ld + j]`. A transposed operand is given in its stored layout: with
/// `transposeA: true`, `a` holds the k-by-m matrix A^T (leading dimension lda >= m).
public enum BLAS {
    /// How a GEMM uses threads.
    public enum Threading: Sendable {
        /// Split the larger output dimension over `Compute.threads` single-threaded calls.
        case compute
        /// One single-threaded call (for callers that are already inside a parallel region).
        case single
        /// One call with OpenBLAS's own thread pool of `Compute.threads` threads. Switches the
        /// library's global thread count for the duration: only for benchmarks, never while
        /// another thread may be calling BLAS.
        case library
    }

    /// Work below this many flops runs in one call: the split costs more than it saves.
    static let parallelFlopThreshold = 4_000_000

    /// C = alpha * op(A) * op(B) + beta * C, where op(A) is m-by-k, op(B) is k-by-n and C is
    /// m-by-n. beta = 0 overwrites C (its old contents may be garbage), beta = 1 accumulates.
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false,
                            m: Int, n: Int, k: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int,
                            threading: Threading = .compute) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
        precondition(lda >= max(1, transposeA ? m : k) && ldb >= max(1, transposeB ? k : n) && ldc >= max(1, n),
                     "gemm: leading dimension too small (lda \(lda), ldb \(ldb), ldc \(ldc))")
        Compute.prepareBLAS()
        guard m > 0, n > 0 else { return }
        let threads = Compute.threads
        switch threading {
        case .library:
            openblas_set_num_threads(Int32(threads))
            defer { openblas_set_num_threads(1) }
            rawGemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        case .single:
            rawGemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        case .compute:
            break
        }
        let flops = 2 * m * n * k
        if threads == 1 || flops < parallelFlopThreshold || max(m, n) < 32 {
            rawGemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let pa = SendablePointer(a), pb = SendablePointer(b), pc = SendableMutablePointer(c)
        if m >= n {
            // Row blocks of C: rows of op(A).
            Compute.parallelRanges(m, minimumChunk: 16, alignment: 16) { rows in
                let aOffset = transposeA ? rows.lowerBound : rows.lowerBound * lda
                rawGemm(transposeA, transposeB, rows.count, n, k, alpha, pa.base + aOffset, lda,
                        pb.base, ldb, beta, pc.base + rows.lowerBound * ldc, ldc)
            }
        } else {
            // Column blocks of C: columns of op(B).
            Compute.parallelRanges(n, minimumChunk: 16, alignment: 16) { cols in
                let bOffset = transposeB ? cols.lowerBound * ldb : cols.lowerBound
                rawGemm(transposeA, transposeB, m, cols.count, k, alpha, pa.base, lda,
                        pb.base + bOffset, ldb, beta, pc.base + cols.lowerBound, ldc)
            }
        }
    }

    @inline(__always)
    private static func rawGemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                                _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if k == 0 {
            // BLAS leaves C untouched for k = 0; the contract is C = beta * C.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y = alpha * op(A) * x + beta * y, A stored m-by-n row-major (leading dimension lda).
    /// op(A) = A (y has m elements, x has n) or A^T with `transpose` (y has n, x has m).
    /// Single-threaded: a matrix-vector product is memory-bound and small in this project.
    public static func gemv(transpose: Bool = false, m: Int, n: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int,
                            x: UnsafePointer<Float>, incx: Int = 1,
                            beta: Float = 0,
                            y: UnsafeMutablePointer<Float>, incy: Int = 1) {
        precondition(m >= 0 && n >= 0 && lda >= max(1, n), "gemv: bad sizes m=\(m) n=\(n) lda=\(lda)")
        Compute.prepareBLAS()
        guard m > 0, n > 0 else {
            let outCount = transpose ? n : m
            for i in 0..<outCount { y[i * incy] = beta == 0 ? 0 : beta * y[i * incy] }
            return
        }
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha,
                    a, Int32(lda), x, Int32(incx), beta, y, Int32(incy))
    }

    /// The product of two rank-2 tensors, op(a) * op(b) (tests and small code).
    public static func matmul(_ a: Tensor, _ b: Tensor,
                              transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors, got \(a.shape) and \(b.shape)")
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        precondition(k == k2, "matmul: inner dimensions differ (\(a.shape)\(transposeA ? "ᵀ" : "") x \(b.shape)\(transposeB ? "ᵀ" : ""))")
        var c = Tensor(shape: [m, n])
        a.withPointer { pa in
            b.withPointer { pb in
                c.withMutablePointer { pc in
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                         a: pa, lda: max(1, a.shape[1]), b: pb, ldb: max(1, b.shape[1]),
                         c: pc, ldc: max(1, n))
                }
            }
        }
        return c
    }
}
