import Foundation
import Tensors

/// Small parameter sets with known values for the optimisation tests.
enum Fixture {
    /// Two parameters: `net.weight` [2, 3] and `net.bias` [3], values and gradients given.
    static func parameters(values: [[Float]] = [[0.5, -1, 2, 0, 3, -0.25], [1, -2, 0.5]],
                           gradients: [[Float]] = [[0.1, -0.2, 0.3, 4, -5, 0.06], [-1, 0.5, 2]]) -> ParameterSet {
        let shapes = [[2, 3], [3]]
        let names = ["net.weight", "net.bias"]
        return ParameterSet(names.indices.map { i in
            let p = Parameter(name: names[i], value: Tensor(shape: shapes[i], scalars: values[i]))
            p.gradient = Tensor(shape: shapes[i], scalars: gradients[i])
            return p
        })
    }

    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-opt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// All values of a parameter set, flattened, as bit patterns (for exact comparisons).
    static func valueBits(_ parameters: ParameterSet) -> [UInt32] {
        parameters.parameters.flatMap { $0.value.scalars.map(\.bitPattern) }
    }
}

/// |a - b| <= tolerance * max(1, |a|, |b|)
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-6) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}
