import Foundation
import SignalProcessing

/// Mel energies -> a non-negative linear-frequency spectrum: an approximate non-negative least
/// squares solution of  min_{s >= 0} || M s - e ||^2  per frame, M the [n_mels, K] filterbank.
///
/// Start: the filterbank's normalised transpose, s0_k = (M^T e)_k / (M^T M 1)_k (exact when the
/// true spectrum is flat; 0 for bins no filter covers, e.g. below fmin). Then Lee & Seung's
/// multiplicative updates for the Euclidean distance,
///
///     s <- s * (M^T e) / (M^T M s)            elementwise,
///
/// which keep s >= 0 and never increase ||M s - e||; they converge to the NNLS solution
/// (slowly on the least-determined bins: high frequencies, where one band spans many bins).
/// A bin whose denominator is 0 is set to 0. Computed in Double, frame by frame.
struct MelInversion: Sendable {
    let filterbank: MelFilterbank
    /// For each band, its nonzero bins and their weights (the filters overlap only with their
    /// neighbours, so M is stored by rows of about 2K / n_mels entries).
    private let rows: [(bins: Range<Int>, weights: [Double])]
    /// M^T M 1, [K]: the start's denominator, the same for every frame.
    private let normaliser: [Double]

    init(filterbank: MelFilterbank) {
        self.filterbank = filterbank
        let k = filterbank.binCount
        rows = (0..<filterbank.melBandCount).map { band in
            let row = filterbank.weights[(band * k)..<((band + 1) * k)]
            guard let first = row.firstIndex(where: { $0 != 0 }), let last = row.lastIndex(where: { $0 != 0 }) else {
                return (0..<0, [])
            }
            let bins = (first - band * k)..<(last - band * k + 1)
            return (bins, bins.map { Double(filterbank.weights[band * k + $0]) })
        }
        normaliser = Self.transpose(Self.forward([Double](repeating: 1, count: k), rows), rows, binCount: k)
    }

    /// M s, [n_mels].
    func forward(_ s: [Double]) -> [Double] { Self.forward(s, rows) }

    /// M^T e, [K].
    func transpose(_ e: [Double]) -> [Double] { Self.transpose(e, rows, binCount: filterbank.binCount) }

    private static func forward(_ s: [Double], _ rows: [(bins: Range<Int>, weights: [Double])]) -> [Double] {
        rows.map { row in
            var sum = 0.0
            for (j, k) in row.bins.enumerated() { sum += row.weights[j] * s[k] }
            return sum
        }
    }

    private static func transpose(_ e: [Double], _ rows: [(bins: Range<Int>, weights: [Double])], binCount: Int) -> [Double] {
        var out = [Double](repeating: 0, count: binCount)
        for (band, row) in rows.enumerated() {
            for (j, k) in row.bins.enumerated() { out[k] += row.weights[j] * e[band] }
        }
        return out
    }

    /// The non-negative spectrum of one frame of mel energies `e`, after `iterations` updates.
    /// The iterations run on two buffers made once, in the same order of operations as
    /// `transpose(forward(s))`, so the result is the same to the bit (the Griffin-Lim baseline and
    /// the student's pitch estimate spend much of their time here; see GriffinLimTests).
    func invert(_ e: [Double], iterations: Int) -> [Double] {
        let target = transpose(e)
        var s = zip(target, normaliser).map { $1 > 0 ? max($0, 0) / $1 : 0 }
        guard iterations > 0 else { return s }
        var projected = [Double](repeating: 0, count: rows.count)
        var denominator = [Double](repeating: 0, count: filterbank.binCount)
        for _ in 0..<iterations {
            s.withUnsafeMutableBufferPointer { s in
                projected.withUnsafeMutableBufferPointer { projected in
                    denominator.withUnsafeMutableBufferPointer { denominator in
                        for (band, row) in rows.enumerated() {
                            var sum = 0.0
                            row.weights.withUnsafeBufferPointer { w in
                                for (j, k) in row.bins.enumerated() { sum += w[j] * s[k] }
                            }
                            projected[band] = sum
                        }
                        denominator.update(repeating: 0)
                        for (band, row) in rows.enumerated() {
                            let eb = projected[band]
                            row.weights.withUnsafeBufferPointer { w in
                                for (j, k) in row.bins.enumerated() { denominator[k] += w[j] * eb }
                            }
                        }
                        for k in s.indices {
                            s[k] = denominator[k] > 0 ? s[k] * max(target[k], 0) / denominator[k] : 0
                        }
                    }
                }
            }
        }
        return s
    }

    /// The residual || M s - e ||_2 of one frame (for tests and diagnostics).
    func residual(_ s: [Double], _ e: [Double]) -> Double {
        zip(forward(s), e).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }
}
