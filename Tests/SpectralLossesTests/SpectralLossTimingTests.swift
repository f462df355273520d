import Foundation
import Tensors
import Testing
@testable import SpectralLosses

/// The cost of one training step's spectral losses on a 4 x 16000 batch with the default
/// configs (record the figure from a release run: `swift test -c release`). The bound is only a
/// guard against a pathological slowdown; the median is printed for the record.
@Suite struct SpectralLossTimingTests {
    static func medianMilliseconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times.sorted()[times.count / 2]
    }

    @Test func defaultLossesOnFourBySixteenThousandSamples() throws {
        let student = Support.noise([4, 16000, 1], seed: 71, scale: 0.3)
        let real = Support.noise([4, 16000, 1], seed: 72, scale: 0.3)
        let power = try PowerLoss(), mr = try MultiResolutionSTFTLoss()
        _ = try power.evaluate(student: student, real: real)   // plans are created on first use
        _ = try mr.evaluate(student: student, real: real)
        let powerMs = try Self.medianMilliseconds(repeats: 7) { _ = try power.evaluate(student: student, real: real) }
        let mrMs = try Self.medianMilliseconds(repeats: 7) { _ = try mr.evaluate(student: student, real: real) }
        print("spectral loss timing, 4 x 16000, \(Compute.threads) threads, median of 7: "
              + "power \(String(format: "%.2f", powerMs)) ms, mr_stft \(String(format: "%.2f", mrMs)) ms (value + gradient)")
        #expect(powerMs < 2000 && mrMs < 5000)
    }
}
