import Foundation

/// The orthonormal DCT-II of length M (scipy's `dct(type=2, norm="ortho")`):
///
///     c_d = s_d sum_{m=0}^{M-1} v_m cos(pi d (m + 1/2) / M),   s_0 = sqrt(1/M), s_d = sqrt(2/M) (d >= 1)
///
/// Orthonormal, so a constant vector v_m = a maps to c_0 = a sqrt(M) and c_d = 0 for d >= 1:
/// a gain on the mel energies (a constant added to their logarithm) only moves c_0.
struct OrthonormalDCT: Sendable {
    let length: Int
    /// Rows d = 0 ..< coefficientCount of the DCT matrix, row-major [coefficientCount, length].
    let matrix: [Double]
    let coefficientCount: Int

    init(length: Int, coefficientCount: Int) {
        precondition(length >= 1 && coefficientCount >= 1 && coefficientCount <= length,
                     "DCT of length \(length) with \(coefficientCount) coefficients")
        var matrix = [Double](repeating: 0, count: coefficientCount * length)
        for d in 0..<coefficientCount {
            let scale = (d == 0 ? 1.0 : 2.0) / Double(length)
            for m in 0..<length {
                matrix[d * length + m] = scale.squareRoot() * cos(Double.pi * Double(d) * (Double(m) + 0.5) / Double(length))
            }
        }
        self.length = length
        self.coefficientCount = coefficientCount
        self.matrix = matrix
    }

    /// c_0 ... c_{coefficientCount-1} of `v` (length `length`).
    func callAsFunction(_ v: [Double]) -> [Double] {
        precondition(v.count == length, "DCT of \(v.count) values, expected \(length)")
        return (0..<coefficientCount).map { d in
            var sum = 0.0
            for m in 0..<length { sum += matrix[d * length + m] * v[m] }
            return sum
        }
    }
}
