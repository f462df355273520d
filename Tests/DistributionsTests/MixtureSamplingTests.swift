import Foundation
import Randomness
import Testing
@testable import Distributions

/// Samples of the mixture follow the distribution whose bin masses `logLikelihood` computes.
@Suite struct MixtureSamplingTests {
    let head = try! DiscretizedMixtureOfLogistics(mixtureCount: 3)
    // Weights softmax([0.2, -0.5, 1]); well inside [-1, 1] so clipping is negligible (< 1e-9).
    let row: [Float] = [0.2, -0.5, 1.0, -0.3, 0.1, 0.4, -3, -2.5, -4]
    let count = 200_000

    func draw(seed: UInt64, temperature: Float = 1) -> [Float] {
        var rng = Philox(seed: seed, stream: 3)
        return (0..<count).map { _ in head.sample(params: row, rng: &rng, temperature: temperature) }
    }

    @Test func meanAndVarianceMatchTheMixture() {
        let w = row[0..<3].map { exp(Double($0)) }
        let pi = w.map { $0 / w.reduce(0, +) }
        let means = row[3..<6].map(Double.init)
        let scales = row[6..<9].map { exp(Double($0)) }
        var mean = 0.0
        var second = 0.0
        for i in 0..<3 {
            let componentVariance: Double = scales[i] * scales[i] * Double.pi * Double.pi / 3
            mean += pi[i] * means[i]
            second += pi[i] * (componentVariance + means[i] * means[i])
        }
        let variance = second - mean * mean

        let samples = draw(seed: 41).map(Double.init)
        let (sampleMean, meanError) = meanAndStandardError(samples)
        #expect(abs(sampleMean - mean) < 5 * meanError, "mean \(sampleMean) vs \(mean) (se \(meanError))")
        let squares = samples.map { ($0 - mean) * ($0 - mean) }
        let (sampleVariance, varianceError) = meanAndStandardError(squares)
        #expect(abs(sampleVariance - variance) < 5 * varianceError,
                "variance \(sampleVariance) vs \(variance) (se \(varianceError))")
    }

    @Test func histogramMatchesTheBinMasses() {
        let samples = draw(seed: 42)
        // Intervals of whole 16-bit bins [x_k0 - d, x_k1 + d], x_k = -1 + 2k/65535.
        let intervals: [(Int, Int)] = [(21_000, 23_500), (32_000, 34_500), (45_700, 46_200),
                                       (30_000, 39_000), (0, 6_000), (40_000, 40_050)]
        let d = Reference.d
        for (k0, k1) in intervals {
            let x = (k0...k1).map { Float(-1 + 2 * Double($0) / 65535) }
            let mass = head.logLikelihood(x: x, params: repeatedRows(row, x.count))
                .reduce(0.0) { $0 + exp(Double($1)) }
            let low = -1 + 2 * Double(k0) / 65535 - d
            let high = -1 + 2 * Double(k1) / 65535 + d
            let hits = samples.reduce(0) { $0 + (Double($1) >= low && Double($1) < high ? 1 : 0) }
            let frequency = Double(hits) / Double(count)
            let error = (mass * (1 - mass) / Double(count)).squareRoot()
            #expect(abs(frequency - mass) <= 5 * error + 1e-5,
                    "bins \(k0)...\(k1): frequency \(frequency), mass \(mass), se \(error)")
        }
    }

    @Test func sameSeedSameSamples() {
        #expect(draw(seed: 43).prefix(1000) == draw(seed: 43).prefix(1000))
        #expect(draw(seed: 43).prefix(1000) != draw(seed: 44).prefix(1000))
    }

    @Test func temperatureScalesOnlyTheLogisticNoise() {
        // Temperature 0: exactly the drawn component's mean.
        let cold = draw(seed: 45, temperature: 0)
        let means = Set(row[3..<6])
        #expect(cold.allSatisfy { means.contains($0) })
        // Same stream at other temperatures: same component, noise scaled by the temperature,
        // so (warm - cold) = 2 (half - cold) up to Float rounding (and rare clipping).
        let warm = draw(seed: 45, temperature: 1)
        let half = draw(seed: 45, temperature: 0.5)
        let mismatches = (0..<count).filter { i in
            abs(Double(warm[i] - cold[i]) - 2 * Double(half[i] - cold[i])) > 1e-6
        }.count
        #expect(mismatches < 5, "\(mismatches) samples are not the scaled noise of the same component")
        #expect(zip(warm, cold).filter { $0 != $1 }.count > count - 5)
    }

    @Test func batchSamplingMatchesSingleRows() {
        let rows = 5
        let params = repeatedRows(row, rows)
        var out = [Float](repeating: 0, count: rows)
        var batchRNG = Philox(seed: 46)
        params.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                head.sample(params: p, rows: rows, rng: &batchRNG, temperature: 1, into: o)
            }
        }
        var rng = Philox(seed: 46)
        let single = (0..<rows).map { _ in head.sample(params: row, rng: &rng) }
        #expect(out == single)
    }
}
