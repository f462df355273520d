import Foundation
import Testing
@testable import Randomness

@Suite struct PhiloxTests {
    // Known-answer vectors of Philox4x32-10 from the Random123 distribution (kat_vectors).
    @Test func knownAnswers() {
        let zero = Philox.block(counter: (0, 0, 0, 0), key: (0, 0))
        #expect([zero.0, zero.1, zero.2, zero.3] == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        let ones = Philox.block(counter: (.max, .max, .max, .max), key: (.max, .max))
        #expect([ones.0, ones.1, ones.2, ones.3] == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        let pi = Philox.block(counter: (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344),
                              key: (0xa409_3822, 0x299f_31d0))
        #expect([pi.0, pi.1, pi.2, pi.3] == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    @Test func sameSeedSameNumbersAndStreamsDiffer() {
        var a = Philox(seed: 42), b = Philox(seed: 42), c = Philox(seed: 42, stream: 1)
        let xa = (0..<100).map { _ in a.nextUInt32() }
        let xb = (0..<100).map { _ in b.nextUInt32() }
        let xc = (0..<100).map { _ in c.nextUInt32() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    /// The extreme bit patterns stay strictly inside (0, 1) and give finite logistic and normal
    /// samples (the top 24-bit pattern used to round to exactly 1: one infinite logistic sample
    /// in 2^25, which made about one distillation step in a hundred non-finite).
    @Test func extremeBitsStayInsideTheOpenInterval() {
        for bits: UInt32 in [0, 1, 0x7fff_ffff, 0xffff_fe00, 0xffff_feff, 0xffff_ffff] {
            let f = Philox.openUnitFloat(bits), d = Philox.openUnitDouble(bits)
            #expect(f > 0 && f < 1, "float uniform from \(bits) is \(f)")
            #expect(d > 0 && d < 1, "double uniform from \(bits) is \(d)")
            #expect((log(Double(f)) - log1p(-Double(f))).isFinite)
            #expect((log(d) - log1p(-d)).isFinite)
        }
        #expect(Philox.openUnitFloat(.max) == 1 - 0x1p-24)
    }

    @Test func samplerMoments() {
        var rng = Philox(seed: 7)
        let n = 200_000
        var s = 0.0, s2 = 0.0, l = 0.0, l2 = 0.0, u = 0.0
        for _ in 0..<n {
            let z = Double(rng.nextNormal()); s += z; s2 += z * z
            let g = Double(rng.nextLogistic()); l += g; l2 += g * g
            let v = Double(rng.nextUniform()); u += v
            #expect(v > 0 && v < 1)
        }
        let N = Double(n)
        #expect(abs(s / N) < 0.01)
        #expect(abs(s2 / N - 1) < 0.02)
        #expect(abs(l / N) < 0.02)
        #expect(abs(l2 / N - Double.pi * Double.pi / 3) < 0.05)
        #expect(abs(u / N - 0.5) < 0.005)
    }

    @Test func boundedIntegersCoverRange() {
        var rng = Philox(seed: 3)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<7000 { counts[rng.nextInt(below: 7)] += 1 }
        #expect(counts.allSatisfy { $0 > 800 && $0 < 1200 })
    }
}
