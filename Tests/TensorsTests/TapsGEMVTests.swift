import Randomness
import Testing
@testable import Tensors

/// The in-place multi-tap matrix-vector kernel (one conv step) against a naive loop.
@Suite struct TapsGEMVTests {
    @Test(arguments: [(3, 5, 7), (2, 64, 128), (3, 16, 133), (1, 4, 64)], [false, true])
    func matchesNaive(sizes: (Int, Int, Int), accumulateWithBias: Bool) {
        let (k, cin, cout) = sizes
        var rng = Philox(seed: 61)
        let w = rng.normals(k * cin * cout), bias = rng.normals(cout), y0 = rng.normals(cout)
        // Taps scattered in one buffer, as they are in a ring.
        let storage = rng.normals(k * cin * 3)
        let offsets = (0..<k).map { (($0 * 7) % k) * 3 * cin + cin }
        var y = y0
        storage.withUnsafeBufferPointer { st in
            var taps: [UnsafePointer<Float>?] = offsets.map { st.baseAddress! + $0 }
            taps.withUnsafeMutableBufferPointer { tp in
                w.withUnsafeBufferPointer { pw in
                    bias.withUnsafeBufferPointer { pb in
                        y.withUnsafeMutableBufferPointer { py in
                            Ops.tapsGEMV(taps: UnsafePointer(tp.baseAddress!), count: k, inputChannels: cin,
                                         weight: pw.baseAddress!, outputChannels: cout,
                                         bias: accumulateWithBias ? pb.baseAddress! : nil,
                                         output: py.baseAddress!, accumulate: accumulateWithBias)
                        }
                    }
                }
            }
        }
        var worst = 0.0
        for o in 0..<cout {
            var s = accumulateWithBias ? Double(y0[o]) + Double(bias[o]) : 0
            for j in 0..<k { for c in 0..<cin { s += Double(w[(j * cin + c) * cout + o]) * Double(storage[offsets[j] + c]) } }
            worst = max(worst, abs(s - Double(y[o])))
        }
        #expect(worst < 1e-4, "k \(k) cin \(cin) cout \(cout): worst \(worst)")
    }
}
