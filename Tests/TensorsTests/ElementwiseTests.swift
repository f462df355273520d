import Foundation
import Randomness
import Testing
@testable import Tensors

/// Arithmetic, gating, relu and reductions against naive scalar loops; threaded against
/// single-threaded.
@Suite struct ElementwiseTests {
    @Test func gateForwardAndBackwardMatchScalar() {
        var rng = Philox(seed: 3)
        let rows = 37, c = 13  // odd sizes exercise the tails
        let h = Tensor.normal(shape: [rows, 2 * c], std: 2, rng: &rng)
        let dy = Tensor.normal(shape: [rows, c], rng: &rng)
        var y = Tensor(shape: [rows, c]), cache = Tensor(shape: [rows, 2 * c]), dh = Tensor(shape: [rows, 2 * c])
        h.withPointer { ph in
            y.withMutablePointer { py in
                cache.withMutablePointer { pc in Ops.gateForward(ph, py, cache: pc, rows: rows, channels: c) }
            }
        }
        cache.withPointer { pc in
            dy.withPointer { pdy in dh.withMutablePointer { Ops.gateBackward(cache: pc, upstream: pdy, $0, rows: rows, channels: c) } }
        }
        var worst = 0.0
        for r in 0..<rows {
            for j in 0..<c {
                let a = Double(h[r, j]), b = Double(h[r, c + j])
                let t = Foundation.tanh(a), s = 1 / (1 + Foundation.exp(-b))
                let g = Double(dy[r, j])
                worst = max(worst, abs(Double(y[r, j]) - t * s))
                worst = max(worst, abs(Double(dh[r, j]) - g * s * (1 - t * t)))
                worst = max(worst, abs(Double(dh[r, c + j]) - g * t * s * (1 - s)))
            }
        }
        #expect(worst < 1e-6, "worst abs error \(worst)")
    }

    @Test func arithmeticMatchesScalar() {
        var rng = Philox(seed: 4)
        let a = Tensor.normal(shape: [1003], rng: &rng), b = Tensor.normal(shape: [1003], rng: &rng)
        #expect(Ops.add(a, b).scalars == zip(a.scalars, b.scalars).map { $0 + $1 })
        #expect(Ops.subtract(a, b).scalars == zip(a.scalars, b.scalars).map { $0 - $1 })
        #expect(Ops.multiply(a, b).scalars == zip(a.scalars, b.scalars).map { $0 * $1 })
        #expect(Ops.scale(a, by: 0.5).scalars == a.scalars.map { 0.5 * $0 })
        var y = b
        Ops.axpy(2, a, &y)
        #expect(zip(y.scalars, zip(a.scalars, b.scalars).map { $1 + 2 * $0 }).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
        #expect(Ops.relu(a).scalars == a.scalars.map { max($0, 0) })
        let dr = Ops.reluBackward(output: Ops.relu(a), upstream: b)
        #expect(dr.scalars == zip(a.scalars, b.scalars).map { $0 > 0 ? $1 : 0 })
        let t = Ops.tanh(a)
        let dt = Ops.tanhBackward(output: t, upstream: b)
        #expect(zip(dt.scalars, zip(t.scalars, b.scalars).map { $1 * (1 - $0 * $0) }).allSatisfy { abs($0 - $1) < 1e-6 })
        let s = Ops.sigmoid(a)
        let ds = Ops.sigmoidBackward(output: s, upstream: b)
        #expect(zip(ds.scalars, zip(s.scalars, b.scalars).map { $1 * $0 * (1 - $0) }).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func biasAndColumnSumsMatchScalar() {
        var rng = Philox(seed: 5)
        let rows = 131, cols = 11
        var y = Tensor.normal(shape: [rows, cols], rng: &rng)
        let bias = Tensor.normal(shape: [cols], rng: &rng)
        let before = y
        y.withMutablePointer { py in bias.withPointer { Ops.addRowBias(py, rows: rows, bias: $0, columns: cols) } }
        var sums = Tensor(shape: [cols], repeating: 1)
        before.withPointer { px in sums.withMutablePointer { Ops.accumulateColumnSums(px, rows: rows, columns: cols, into: $0) } }
        for c in 0..<cols {
            var s = 1.0
            for r in 0..<rows {
                #expect(y[r, c] == before[r, c] + bias[c])
                s += Double(before[r, c])
            }
            #expect(abs(Double(sums[c]) - s) < 1e-5 * max(1, abs(s)))
        }
    }

    @Test func reductionsMatchDouble() {
        var rng = Philox(seed: 6)
        let a = Tensor.normal(shape: [10_007], rng: &rng), b = Tensor.normal(shape: [10_007], rng: &rng)
        let dot = zip(a.scalars, b.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let sum = a.scalars.reduce(0.0) { $0 + Double($1) }
        let sq = a.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(Ops.dot(a, b) - dot) < 1e-9)
        #expect(abs(Ops.sum(a) - sum) < 1e-9)
        #expect(abs(Ops.sumOfSquares(a) - sq) < 1e-9)
        #expect(Ops.maxAbs(a) == a.scalars.map(abs).max())
        #expect(Ops.maxAbs(Tensor(shape: [3], scalars: [1, .nan, 2])).isNaN)
    }

    /// Threaded ops (above the size threshold) give exactly the single-threaded results.
    @Test func threadedEqualsSingleThreaded() {
        var rng = Philox(seed: 7)
        let n = Ops.parallelThreshold * 3 + 5
        let x = Tensor.normal(shape: [n], std: 3, rng: &rng)
        let serial: [Float] = x.withPointer { px in
            var y = [Float](repeating: 0, count: n)
            y.withUnsafeMutableBufferPointer { py in
                for o in stride(from: 0, to: n, by: 1000) {
                    Ops.tanh(px + o, py.baseAddress! + o, count: min(1000, n - o))
                }
            }
            return y
        }
        #expect(Ops.tanh(x).scalars == serial)
        // The split really produces more than one range for this size on two threads.
        #expect(Compute.split(n, minimumChunk: Ops.parallelThreshold / 2, alignment: 64, threads: 2).count == 2)
    }

    @Test func splitCoversTheRangeWithAlignedBounds() {
        for count in [1, 15, 16, 100, 1000, 4097] {
            for threads in 1...4 {
                let ranges = Compute.split(count, minimumChunk: 8, alignment: 16, threads: threads)
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
                for (r, s) in zip(ranges, ranges.dropFirst()) {
                    #expect(r.upperBound == s.lowerBound && r.upperBound % 16 == 0)
                }
            }
        }
    }
}
