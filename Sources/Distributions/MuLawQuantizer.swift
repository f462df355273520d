import Foundation

/// Mu-law companding and 256-level quantisation, kept local so the output head does not
/// depend on SignalProcessing: the head only needs the class of a target and the value of a
/// class, and must agree with itself, not with any particular file format.
///
/// y = sign(x) log(1 + mu |x|) / log(1 + mu), class = round((y + 1) / 2 * (levels - 1)),
/// and class c decodes to x = sign(y_c) ((1 + mu)^|y_c| - 1) / mu with y_c = 2c/(levels - 1) - 1,
/// the point whose companded value is the class centre.
struct MuLawQuantizer: Sendable {
    let levels = 256
    let mu = 255.0

    /// The class of x (clipped to [-1, 1]).
    @inline(__always)
    func quantize(_ x: Float) -> Int {
        let clipped = Double(min(max(x, -1), 1))
        let y = copysign(log1p(mu * abs(clipped)) / log1p(mu), clipped)
        let c = ((y + 1) / 2 * Double(levels - 1)).rounded()
        return min(max(Int(c), 0), levels - 1)
    }

    /// The waveform value at the centre of class c.
    func decode(_ c: Int) -> Float {
        let y = 2 * Double(c) / Double(levels - 1) - 1
        return Float(copysign(expm1(abs(y) * log1p(mu)) / mu, y))
    }
}
