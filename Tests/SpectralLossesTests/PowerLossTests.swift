import Foundation
import GradientCheck
import SignalProcessing
import Tensors
import Testing
@testable import SpectralLosses

@Suite struct PowerLossTests {
    static let small = STFTResolution(fftLength: 64, hopLength: 16, windowLength: 48)

    /// dL/d(student) against central differences, for |X| and |X|^2, on [B, T, 1] and [B, T].
    /// Random noise has no exact zeros in its spectrum, where |X| would not be differentiable.
    @Test(arguments: [(1, [2, 512, 1]), (2, [2, 512, 1]), (1, [3, 300])])
    func gradientMatchesFiniteDifferences(power: Int, shape: [Int]) throws {
        let loss = try PowerLoss(config: PowerLossConfig(resolution: Self.small, power: power))
        let student = Support.noise(shape, seed: 11)
        let real = Support.noise(shape, seed: 12, scale: 0.8)
        let result = try loss.evaluate(student: student, real: real)
        #expect(result.gradient.shape == shape)
        #expect(Support.maxAbs(result.gradient.scalars) > 0)
        let check = Support.checker(for: result.gradient).check(name: "power\(power)", at: student,
                                                                analytic: result.gradient) { x in
            (try? loss.value(student: x, real: real)) ?? .nan
        }
        #expect(check.passed, "\(check)")
    }

    @Test(arguments: [1, 2])
    func lossOfASignalAgainstItselfIsZeroWithZeroGradient(power: Int) throws {
        let loss = try PowerLoss(config: PowerLossConfig(resolution: Self.small, power: power))
        let x = Support.noise([2, 512, 1], seed: 4)
        let result = try loss.evaluate(student: x, real: x)
        #expect(result.value == 0)
        #expect(result.gradient.scalars.allSatisfy { $0 == 0 })
    }

    /// A cosine A cos(2 pi k0 n / N) on bin k0 of an N-point frame, with T - 1 a multiple of N/2
    /// so that reflect padding continues the cosine exactly at both ends: every frame then has the
    /// same magnitude spectrum. The periodic Hann window w = 1/2 - 1/4 e^{i theta} - 1/4 e^{-i theta}
    /// (theta = 2 pi n / N) has the DFT W[0] = S, W[+-1] = -S/2, W[k] = 0 otherwise, S = sum_n w[n]
    /// = N/2. So |X[k0]| = A S / 2, |X[k0 +- 1]| = A S / 4, and every other bin is 0 (the image at
    /// -k0 is more than one bin away). phi(A cos) = those values; for the student at A/2 they halve:
    ///   p = 1:  L = (1/K) [ (A S/4)^2 + 2 (A S/8)^2 ]                = 3 (A S)^2 / (32 K)
    ///   p = 2:  L = (1/K) [ (3 (A S)^2/16)^2 + 2 (3 (A S)^2/64)^2 ] = 81 (A S)^4 / (2048 K)
    @Test(arguments: [1, 2])
    func halfAmplitudeSineMatchesTheHandComputedValue(power: Int) throws {
        let n = 64, hop = 16, k0 = 5, length = 513
        let amplitude = 0.6
        let windowSum = WindowFunction.hann.values(length: n).reduce(0.0) { $0 + Double($1) }
        #expect(abs(windowSum - Double(n) / 2) < 1e-5)
        func cosine(_ a: Double) -> [Float] {
            (0..<length).map { Float(a * cos(2 * Double.pi * Double(k0 * $0 % n) / Double(n))) }
        }
        let loss = try PowerLoss(config: PowerLossConfig(
            resolution: STFTResolution(fftLength: n, hopLength: hop), power: power))
        let value = try loss.value(student: Tensor(shape: [1, length], scalars: cosine(amplitude / 2)),
                                   real: Tensor(shape: [1, length], scalars: cosine(amplitude)))
        let bins = Double(n / 2 + 1), a = amplitude * windowSum
        let expected = power == 1 ? 3 * a * a / (32 * bins) : 81 * pow(a, 4) / (2048 * bins)
        #expect(abs(value - expected) <= 1e-5 * expected, "got \(value), expected \(expected)")

        // The average spectrum itself: A S/2 on k0, A S/4 beside it, ~0 elsewhere.
        let phi = try loss.averageSpectrum(of: cosine(amplitude))
        let p = Double(power)
        #expect(abs(phi[k0] - pow(a / 2, p)) < 1e-5 * pow(a / 2, p))
        #expect(abs(phi[k0 + 1] - pow(a / 4, p)) < 1e-5 * pow(a / 4, p))
        #expect(abs(phi[k0 - 1] - pow(a / 4, p)) < 1e-5 * pow(a / 4, p))
        #expect(phi[k0 + 3] < 1e-5 * phi[k0])
    }

    /// The batch loss (threaded over items) is the mean of the per-item losses, and its gradient
    /// rows are the per-item gradients / B; any thread count gives the same bits.
    @Test func batchEqualsThePerItemLoop() throws {
        let loss = try PowerLoss(config: PowerLossConfig(resolution: Self.small))
        let shape = [4, 700, 1]
        let student = Support.noise(shape, seed: 21), real = Support.noise(shape, seed: 22)
        let batched = try loss.run(student: student, real: real, withGradient: true, threads: 2)
        var mean = 0.0
        for b in 0..<4 {
            let one = try loss.evaluate(student: Support.item(b, of: student), real: Support.item(b, of: real))
            mean += one.value / 4
            let row = Array(batched.gradient.scalars[(b * 700)..<((b + 1) * 700)])
            let expected = one.gradient.scalars.map { $0 / 4 }
            let error = zip(row, expected).map { abs($0 - $1) }.max()!
            #expect(error <= 1e-6 * Support.maxAbs(expected), "item \(b): max difference \(error)")
        }
        #expect(abs(batched.value - mean) <= 1e-12 * mean)
        for threads in [1, 3] {
            let other = try loss.run(student: student, real: real, withGradient: true, threads: threads)
            #expect(other.value == batched.value && other.gradient == batched.gradient, "threads \(threads)")
        }
        #expect(try loss.value(student: student, real: real) == batched.value)
    }

    /// The value against the formula evaluated on the Double reference DFT.
    @Test func valueMatchesTheNaiveDFTFormula() throws {
        let loss = try PowerLoss(config: PowerLossConfig(resolution: Self.small))
        let student = Support.noise([2, 400], seed: 31), real = Support.noise([2, 400], seed: 32, scale: 0.3)
        var expected = 0.0
        for b in 0..<2 {
            let s = Support.naiveMagnitude(Support.item(b, of: student).scalars, fftLength: 64, hop: 16, window: 48)
            let r = Support.naiveMagnitude(Support.item(b, of: real).scalars, fftLength: 64, hop: 16, window: 48)
            let bins = s[0].count
            var item = 0.0
            for k in 0..<bins {
                let d = s.reduce(0.0) { $0 + $1[k] } / Double(s.count) - r.reduce(0.0) { $0 + $1[k] } / Double(r.count)
                item += d * d / Double(bins)
            }
            expected += item / 2
        }
        let value = try loss.value(student: student, real: real)
        #expect(abs(value - expected) <= 1e-5 * expected, "FFTW path \(value), naive \(expected)")
    }

    @Test func badShapesAreDescriptiveErrors() throws {
        let loss = try PowerLoss(config: PowerLossConfig(resolution: Self.small))
        let a = Support.noise([2, 512, 1], seed: 1)
        #expect(throws: SpectralLossError.shapeMismatch(student: [2, 512, 1], real: [2, 512])) {
            try loss.evaluate(student: a, real: a.reshaped([2, 512]))
        }
        #expect(throws: SpectralLossError.unsupportedShape(role: "student", shape: [2, 256, 2])) {
            try loss.evaluate(student: a.reshaped([2, 256, 2]), real: a)
        }
        let short = Support.noise([1, 32], seed: 2)
        let error = #expect(throws: SpectralLossError.cropTooShort(length: 32, minimum: 33, fftLength: 64)) {
            try loss.evaluate(student: short, real: short)
        }
        #expect(error?.description.contains("n_fft = 64") == true)
    }
}
