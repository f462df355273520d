import Foundation

/// Continuous samplers on top of `Philox`. Float32 outputs, Double inner arithmetic where a
/// transcendental function would otherwise lose the tails.
extension Philox {
    /// Standard normal by Box-Muller (one value per call; the pair's second half is dropped
    /// so that the stream position stays a simple function of the number of calls).
    public mutating func nextNormal() -> Float {
        let u1 = Philox.openUnitDouble(nextUInt32())
        let u2 = Philox.openUnitDouble(nextUInt32())
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Standard logistic: log(u) - log(1 - u), u uniform on (0, 1) (32 bits, so |value| <= 22.9).
    /// Mean 0, variance pi^2/3.
    public mutating func nextLogistic() -> Float {
        let u = Philox.openUnitDouble(nextUInt32())
        return Float(Foundation.log(u) - Foundation.log1p(-u))
    }

    /// Fills `buffer` with standard normals.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, scale: Float = 1) {
        for i in buffer.indices { buffer[i] = scale * nextNormal() }
    }

    /// Fills `buffer` with uniforms on (low, high).
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>,
                                     low: Float = 0, high: Float = 1) {
        for i in buffer.indices { buffer[i] = low + (high - low) * nextUniform() }
    }

    /// Fills `buffer` with standard logistics.
    public mutating func fillLogistic(_ buffer: UnsafeMutableBufferPointer<Float>) {
        for i in buffer.indices { buffer[i] = nextLogistic() }
    }

    /// Array helpers for tests and small cases.
    public mutating func normals(_ count: Int, scale: Float = 1) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { fillNormal($0, scale: scale) }
        return out
    }

    public mutating func uniforms(_ count: Int, low: Float = 0, high: Float = 1) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { fillUniform($0, low: low, high: high) }
        return out
    }
}
