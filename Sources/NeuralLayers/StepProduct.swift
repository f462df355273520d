import Tensors

/// The matrix product of one time step of B rows, as cached sampling needs it:
///
///     y[b] = alpha * x[b] W + beta * y[b]      x[b]: `inputs` floats, W: [inputs, outputs] row-major
///
/// with row b of x at `x + b * xStride` and of y at `y + b * yStride`. One GEMV per row for
/// B <= 4 (a GEMM with a tiny M runs far below its rate, and sgemm with one row is ~6 GFLOP/s,
/// DESIGN §8), one single-threaded GEMM above (the callers step many layers per sample: threads
/// would cost more than the product).
public enum StepProduct {
    /// Rows up to which each row is its own GEMV.
    public static let gemvRows = 4

    @inline(__always)
    public static func multiply(rows: Int, x: UnsafePointer<Float>, xStride: Int, weights: UnsafePointer<Float>,
                                inputs: Int, outputs: Int, alpha: Float = 1, beta: Float,
                                y: UnsafeMutablePointer<Float>, yStride: Int) {
        if rows <= gemvRows {
            for b in 0..<rows {
                BLAS.gemv(transpose: true, m: inputs, n: outputs, alpha: alpha, a: weights, lda: outputs,
                          x: x + b * xStride, beta: beta, y: y + b * yStride)
            }
        } else {
            BLAS.gemm(m: rows, n: outputs, k: inputs, alpha: alpha, a: x, lda: xStride, b: weights, ldb: outputs,
                      beta: beta, c: y, ldc: yStride, threading: .single)
        }
    }
}
