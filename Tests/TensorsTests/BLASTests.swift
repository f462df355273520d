import Randomness
import Testing
@testable import Tensors

/// GEMM/GEMV wrappers against naive loops, for every transpose combination, padded leading
/// dimensions, accumulation (beta = 1) and the threaded split.
@Suite struct BLASTests {
    /// C = alpha op(A) op(B) + beta C by loops in Double.
    private func naiveGemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                           _ a: [Float], _ lda: Int, _ b: [Float], _ ldb: Int, _ beta: Float,
                           _ c: [Float], _ ldc: Int) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for l in 0..<k {
                    let av = ta ? a[l * lda + i] : a[i * lda + l]
                    let bv = tb ? b[j * ldb + l] : b[l * ldb + j]
                    s += Double(av) * Double(bv)
                }
                out[i * ldc + j] = Float(Double(alpha) * s + (beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])))
            }
        }
        return out
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesNaive(transposes: (Bool, Bool)) {
        let (ta, tb) = transposes
        var rng = Philox(seed: 11)
        // Large enough (2mnk > threshold) to take the threaded path; m > n and m < n both tried.
        for (m, n, k) in [(5, 7, 3), (300, 40, 170), (40, 300, 170)] {
            let lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1
            let a = rng.normals((ta ? k : m) * lda), b = rng.normals((tb ? n : k) * ldb)
            let c0 = rng.normals(m * ldc)
            for beta: Float in [0, 1] {
                var c = c0
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            BLAS.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5,
                                      a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                      beta: beta, c: pc.baseAddress!, ldc: ldc)
                        }
                    }
                }
                let expected = naiveGemm(ta, tb, m, n, k, 0.5, a, lda, b, ldb, beta, c0, ldc)
                var worst: Float = 0
                for i in 0..<m { for j in 0..<n { worst = max(worst, abs(c[i * ldc + j] - expected[i * ldc + j])) } }
                #expect(worst < 1e-4, "m \(m) n \(n) k \(k) beta \(beta): worst \(worst)")
                // Padding columns of C are untouched.
                for i in 0..<m { #expect(c[i * ldc + n] == c0[i * ldc + n]) }
            }
        }
    }

    @Test func threadedGemmEqualsSingleCall() {
        var rng = Philox(seed: 12)
        let (m, n, k) = (512, 96, 200)
        let a = rng.normals(m * k), b = rng.normals(k * n)
        var c1 = [Float](repeating: 0, count: m * n), c2 = c1
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c1.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
                              c: pc.baseAddress!, ldc: n, threading: .compute)
                }
                c2.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
                              c: pc.baseAddress!, ldc: n, threading: .single)
                }
            }
        }
        let worst = zip(c1, c2).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4, "worst \(worst)")
    }

    @Test func gemvMatchesNaive() {
        var rng = Philox(seed: 13)
        let (m, n, lda) = (37, 29, 31)
        let a = rng.normals(m * lda), xn = rng.normals(n), xm = rng.normals(m)
        var y = rng.normals(m), yt = rng.normals(n)
        let y0 = y, yt0 = yt
        a.withUnsafeBufferPointer { pa in
            xn.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    BLAS.gemv(m: m, n: n, alpha: 2, a: pa.baseAddress!, lda: lda, x: px.baseAddress!, beta: 1, y: py.baseAddress!)
                }
            }
            xm.withUnsafeBufferPointer { px in
                yt.withUnsafeMutableBufferPointer { py in
                    BLAS.gemv(transpose: true, m: m, n: n, a: pa.baseAddress!, lda: lda, x: px.baseAddress!, y: py.baseAddress!)
                }
            }
        }
        for i in 0..<m {
            let s = (0..<n).reduce(0.0) { $0 + Double(a[i * lda + $1]) * Double(xn[$1]) }
            #expect(abs(Double(y[i]) - (2 * s + Double(y0[i]))) < 1e-4)
        }
        for j in 0..<n {
            let s = (0..<m).reduce(0.0) { $0 + Double(a[$1 * lda + j]) * Double(xm[$1]) }
            #expect(abs(Double(yt[j]) - s) < 1e-4, "\(yt0[j])")
        }
    }

    @Test func matmulOfTensors() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1])
        #expect(BLAS.matmul(a, b).scalars == [4, 5, 10, 11])
        #expect(BLAS.matmul(a, a, transposeB: true).scalars == [14, 32, 32, 77])
        #expect(BLAS.matmul(a, a, transposeA: true).shape == [3, 3])
    }
}
