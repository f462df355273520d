import Foundation
import Randomness
import Testing
@testable import Distributions

/// The 65536 bin masses of the 16-bit mixture sum to 1: the edge bins are exactly the first
/// and last level, and no bin is counted twice or dropped.
@Suite struct MixtureNormalisationTests {
    struct ParameterSet: CustomStringConvertible, Sendable {
        let name: String
        let logitScale: Float
        let means: ClosedRange<Float>
        let logScales: ClosedRange<Float>
        var description: String { name }
    }

    static let sets: [ParameterSet] = [
        .init(name: "typical", logitScale: 1, means: -0.9 ... 0.9, logScales: -7 ... -2),
        // Below -9 the clamp applies: the smallest scale is ~8 bin half-widths.
        .init(name: "small scales", logitScale: 1, means: -0.5 ... 0.5, logScales: -9.5 ... -8),
        // Most mass in the edge bins, every interior bin in the tiny-mass branch.
        .init(name: "large scales", logitScale: 1, means: -1 ... 1, logScales: -1 ... 1),
        .init(name: "means at and beyond the edges", logitScale: 1, means: -1.2 ... 1.2, logScales: -6 ... -3),
        .init(name: "peaked weights", logitScale: 5, means: -0.8 ... 0.8, logScales: -9 ... 0),
    ]

    @Test(arguments: sets)
    func binMassesSumToOne(set: ParameterSet) {
        let m = 10
        let head = try! DiscretizedMixtureOfLogistics(mixtureCount: m)
        var rng = Philox(seed: 21, stream: UInt64(set.name.utf8.count))
        for trial in 0..<3 {
            var row = rng.normals(m, scale: set.logitScale)
            row += rng.uniforms(m, low: set.means.lowerBound, high: set.means.upperBound)
            row += rng.uniforms(m, low: set.logScales.lowerBound, high: set.logScales.upperBound)
            let levels = 65536
            let x = (0..<levels).map { Float(-1 + 2 * Double($0) / 65535) }
            let logP = head.logLikelihood(x: x, params: repeatedRows(row, levels))
            let total = logP.reduce(0.0) { $0 + exp(Double($1)) }
            #expect(abs(total - 1) < 1e-3, "\(set) trial \(trial): bin masses sum to \(total)")
        }
    }
}
