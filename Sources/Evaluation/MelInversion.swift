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
    }

    /// M s, [n_mels].
    func forward(_ s: [Double]) -> [Double] {
        rows.map { row in
            var sum = 0.0
            for (j, k) in row.bins.enumerated() { sum += row.weights[j] * s[k] }
            return sum
        }
    }

    /// M^T e, [K].
    func transpose(_ e: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: filterbank.binCount)
        for (band, row) in rows.enumerated() {
            for (j, k) in row.bins.enumerated() { out[k] += row.weights[j] * e[band] }
        }
        return out
    }

    /// The non-negative spectrum of one frame of mel energies `e`, after `iterations` updates.
    func invert(_ e: [Double], iterations: Int) -> [Double] {
        let target = transpose(e)
        let ones = [Double](repeating: 1, count: filterbank.binCount)
        let normaliser = transpose(forward(ones))
        var s = zip(target, normaliser).map { $1 > 0 ? max($0, 0) / $1 : 0 }
        for _ in 0..<iterations {
            let denominator = transpose(forward(s))
            for k in s.indices {
                s[k] = denominator[k] > 0 ? s[k] * max(target[k], 0) / denominator[k] : 0
            }
        }
        return s
    }

    /// The residual || M s - e ||_2 of one frame (for tests and diagnostics).
    func residual(_ s: [Double], _ e: [Double]) -> Double {
        zip(forward(s), e).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }
}
