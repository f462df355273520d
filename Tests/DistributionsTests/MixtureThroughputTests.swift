import Foundation
import Randomness
import Testing
@testable import Distributions

/// The fused likelihood-and-backward the training loop calls gives what the separate pair
/// gives, on a training-size batch; and, not as an assertion (shared machines are noisy), the
/// throughput of both is printed so regressions are visible in the test log. Run with
/// `-c release`; debug numbers mean nothing.
@Suite struct MixtureThroughputTests {
    @Test func fusedEqualsSeparateAndPrintsRowsPerSecond() {
        let rows = 131_072
        let m = 10
        let head = try! DiscretizedMixtureOfLogistics(mixtureCount: m)
        var rng = Philox(seed: 91)
        var params: [Float] = []
        params.reserveCapacity(rows * 3 * m)
        for _ in 0..<rows {
            params += rng.normals(m)
            params += rng.uniforms(m, low: -0.9, high: 0.9)
            params += rng.uniforms(m, low: -9, high: -1)
        }
        let x = rng.uniforms(rows, low: -1, high: 1)
        let upstream = [Float](repeating: -1 / Float(rows), count: rows)
        var out = [Float](repeating: 0, count: rows)
        var gp = [Float](repeating: 0, count: params.count)
        var gx = [Float](repeating: 0, count: rows)
        var fusedOut = out, fusedGP = gp, fusedGX = gx
        let clock = ContinuousClock()
        func medianSeconds(_ body: () -> Void) -> Double {
            let seconds = (0..<5).map { _ -> Double in
                let elapsed = clock.measure(body)
                return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            }
            return seconds.sorted()[2]
        }
        let separate = medianSeconds {
            x.withUnsafeBufferPointer { xs in params.withUnsafeBufferPointer { ps in
                out.withUnsafeMutableBufferPointer { head.logLikelihood(x: xs, params: ps, rows: rows, into: $0) }
                upstream.withUnsafeBufferPointer { us in
                    gp.withUnsafeMutableBufferPointer { g in gx.withUnsafeMutableBufferPointer { gxb in
                        head.backward(x: xs, params: ps, rows: rows, upstream: us, paramsGradient: g, xGradient: gxb)
                    } }
                }
            } }
        }
        let fused = medianSeconds {
            x.withUnsafeBufferPointer { xs in params.withUnsafeBufferPointer { ps in
                upstream.withUnsafeBufferPointer { us in fusedOut.withUnsafeMutableBufferPointer { o in
                    fusedGP.withUnsafeMutableBufferPointer { g in fusedGX.withUnsafeMutableBufferPointer { gxb in
                        head.logLikelihoodAndBackward(x: xs, params: ps, rows: rows, upstream: us, into: o,
                                                      paramsGradient: g, xGradient: gxb)
                    } }
                } }
            } }
        }
        let threads = ProcessInfo.processInfo.activeProcessorCount
        for (name, seconds) in [("logLikelihood + backward", separate), ("logLikelihoodAndBackward (fused)", fused)] {
            print("MoL M=\(m), \(rows) rows, \(threads) threads, \(name): median of 5 "
                  + "\(String(format: "%.1f", seconds * 1e3)) ms = \(String(format: "%.2f", Double(rows) / seconds / 1e6)) M rows/s")
        }
        #expect(out.allSatisfy { $0.isFinite } && gp.allSatisfy { $0.isFinite } && gx.allSatisfy { $0.isFinite })
        // The same numbers up to float rounding (the fused kernel shares intermediates).
        func worst(_ a: [Float], _ b: [Float]) -> Float {
            zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(1, abs($1.0))) }
        }
        #expect(worst(out, fusedOut) <= 1e-5, "log-likelihoods differ by \(worst(out, fusedOut))")
        #expect(worst(gp, fusedGP) <= 1e-5, "parameter gradients differ by \(worst(gp, fusedGP))")
        #expect(worst(gx, fusedGX) <= 1e-5, "input gradients differ by \(worst(gx, fusedGX))")
        #expect(gp.contains { $0 != 0 }, "the backward wrote no gradient")
    }
}
