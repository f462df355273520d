/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers:
/// as easy as 1, 2, 3" (SC 2011).
///
/// A counter-based generator maps (key, counter) to random bits with no hidden state, so a
/// stream can be split by giving each consumer its own `stream` number: the numbers a
/// consumer draws do not depend on how many other consumers exist or on the thread count.
public struct Philox: Sendable {
    private let key: (UInt32, UInt32)
    private var counter: (UInt32, UInt32, UInt32, UInt32)
    private var block: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var used = 4

    /// - Parameters:
    ///   - seed: the experiment's seed (the key).
    ///   - stream: an independent sub-stream (high half of the counter), e.g. one per purpose.
    public init(seed: UInt64, stream: UInt64 = 0) {
        key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        counter = (0, 0, UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32))
    }

    /// The raw Philox4x32-10 bijection, exposed for known-answer tests.
    public static func block(counter c: (UInt32, UInt32, UInt32, UInt32),
                             key k: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = c
        var k = k
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= 0x9E37_79B9
                k.1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
            c = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
                 UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0))
        }
        return c
    }

    /// The next 32 random bits.
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 {
            block = Philox.block(counter: counter, key: key)
            // 64-bit increment of the low half of the counter; the high half is the stream.
            counter.0 &+= 1
            if counter.0 == 0 { counter.1 &+= 1 }
            used = 0
        }
        defer { used += 1 }
        switch used {
        case 0: return block.0
        case 1: return block.1
        case 2: return block.2
        default: return block.3
        }
    }

    /// The next 64 random bits.
    public mutating func nextUInt64() -> UInt64 {
        UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
    }

    /// Uniform on the open interval (0, 1): 23 random bits, centred in their bin, so that
    /// log(u) and log(1 - u) are always finite.
    public mutating func nextUniform() -> Float { Philox.openUnitFloat(nextUInt32()) }

    /// (k + 1/2) 2^-23 for the top 23 bits k: in [2^-24, 1 - 2^-24], all exactly representable.
    /// (With 24 bits, k + 1/2 needs 25 significant bits: the top value rounded up to exactly 1,
    /// once in 2^25 draws, and the logistic sampler returned infinity.)
    @inline(__always) static func openUnitFloat(_ bits: UInt32) -> Float {
        (Float(bits >> 9) + 0.5) * 0x1p-23
    }

    /// (k + 1/2) 2^-32 for all 32 bits k, in Double: in (0, 1) with finer tails than the Float
    /// form, for samplers that take logarithms.
    @inline(__always) static func openUnitDouble(_ bits: UInt32) -> Double {
        (Double(bits) + 0.5) * 0x1p-32
    }

    /// Uniform integer in 0..<bound (bound > 0), without modulo bias (Lemire's method).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        while true {
            let r = nextUInt64()
            let m = r.multipliedFullWidth(by: b)
            if m.low >= (0 &- b) % b { return Int(m.high) }
        }
    }
}
