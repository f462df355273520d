import Foundation

/// mu-law companding (ITU-T G.711's continuous curve) and its 256-class quantisation, used by
/// the `mulaw256` output head.
///
/// Convention (as in most WaveNet code): x in [-1, 1] is companded to
/// y = sign(x) ln(1 + mu|x|) / ln(1 + mu), then class = floor((y + 1) / 2 * mu + 0.5), so
/// classes run 0 ... mu: x = -1 -> 0, x = 0 -> 128 (mu = 255: 127.5 rounds up), x = 1 -> 255.
/// Decoding maps class c to y = 2c/mu - 1 and expands it; class 128 decodes to a tiny positive
/// value (about 8.6e-5), not exactly 0, because 256 classes have no middle one.
public enum MuLaw {
    /// The default mu, for 256 classes.
    public static let defaultMu = 255

    /// Continuous companding of x (clamped to [-1, 1]) to [-1, 1].
    public static func compress(_ x: Float, mu: Int = defaultMu) -> Float {
        let x = min(max(x, -1), 1)
        let m = Float(mu)
        let magnitude = log1p(m * abs(x)) / log1p(m)
        return x < 0 ? -magnitude : magnitude
    }

    /// The inverse of `compress`: y in [-1, 1] -> x in [-1, 1].
    public static func expand(_ y: Float, mu: Int = defaultMu) -> Float {
        let y = min(max(y, -1), 1)
        let m = Float(mu)
        let magnitude = (pow(1 + m, abs(y)) - 1) / m
        return y < 0 ? -magnitude : magnitude
    }

    /// The class of sample x, in 0 ... mu.
    public static func encode(_ x: Float, mu: Int = defaultMu) -> Int {
        let y = compress(x, mu: mu)
        let scaled = ((y + 1) / 2 * Float(mu) + 0.5).rounded(.down)
        return min(max(Int(scaled), 0), mu)
    }

    /// The sample value of class c (0 ... mu).
    public static func decode(_ c: Int, mu: Int = defaultMu) -> Float {
        precondition(c >= 0 && c <= mu, "mu-law class \(c) outside 0...\(mu)")
        return expand(2 * Float(c) / Float(mu) - 1, mu: mu)
    }
}
