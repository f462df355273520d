/// The 16-bit conversion used for reading and writing, chosen so that every int16 value survives
/// a read/write round trip bit for bit.
///
/// libsndfile reads 16-bit PCM as v / 32768 but, when given floats to write, multiplies by 32767,
/// so its own float round trip drifts by up to one step. Writing therefore converts here and hands
/// libsndfile ready-made int16 values.
enum PCM16 {
    /// round(x * 32768) (ties to even), clamped to the int16 range. Note that x = 1.0 maps to
    /// 32767 (= 0.99997): the largest positive value, but not "clipped" (x is inside [-1, 1]).
    static func quantize(_ x: Float) -> Int16 {
        let scaled = (x * 32768).rounded(.toNearestOrEven)
        if scaled >= 32767 { return .max }
        if scaled <= -32768 { return .min }
        return Int16(scaled)
    }
}
