import Foundation
import Tensors
import Testing
@testable import SpectralLosses

/// The cost of one training step's spectral losses (value + gradient) on a 4 x 16000 batch with
/// the default configs; record the figures from a release run (`swift test -c release`).
///
/// Two measures: the CPU time of the whole step on one thread (CLOCK_THREAD_CPUTIME_ID, robust
/// when the shared machine is loaded), and the wall time with `Compute.threads` workers (what a
/// training step pays on an idle machine). The bounds only guard against a pathological
/// slowdown; the medians are printed.
@Suite struct SpectralLossTimingTests {
    static func threadCPUMilliseconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
    }

    static func wallMilliseconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

    static func median(repeats: Int, clock: () -> Double, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = clock()
            try body()
            times.append(clock() - start)
        }
        return times.sorted()[times.count / 2]
    }

    @Test func defaultLossesOnFourBySixteenThousandSamples() throws {
        let student = Support.noise([4, 16000, 1], seed: 71, scale: 0.3)
        let real = Support.noise([4, 16000, 1], seed: 72, scale: 0.3)
        let power = try PowerLoss(), mr = try MultiResolutionSTFTLoss()
        _ = try power.evaluate(student: student, real: real)   // plans are created on first use
        _ = try mr.evaluate(student: student, real: real)
        let powerCPU = try Self.median(repeats: 7, clock: Self.threadCPUMilliseconds) {
            _ = try power.run(student: student, real: real, withGradient: true, threads: 1)
        }
        let mrCPU = try Self.median(repeats: 7, clock: Self.threadCPUMilliseconds) {
            _ = try mr.run(student: student, real: real, withGradient: true, threads: 1)
        }
        let powerWall = try Self.median(repeats: 7, clock: Self.wallMilliseconds) {
            _ = try power.evaluate(student: student, real: real)
        }
        let mrWall = try Self.median(repeats: 7, clock: Self.wallMilliseconds) {
            _ = try mr.evaluate(student: student, real: real)
        }
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        print("spectral loss timing, 4 x 16000, value + gradient, median of 7: "
              + "CPU on one thread: power \(f(powerCPU)) ms, mr_stft \(f(mrCPU)) ms; "
              + "wall with \(Compute.threads) threads: power \(f(powerWall)) ms, mr_stft \(f(mrWall)) ms")
        #expect(powerCPU < 1000 && mrCPU < 3000)
    }
}
