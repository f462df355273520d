import Randomness

extension Tensor {
    /// A tensor of independent N(0, std^2) values drawn from `rng` in row-major order.
    public static func normal(shape: [Int], std: Float = 1, rng: inout Philox) -> Tensor {
        Tensor(shape: shape, scalars: rng.normals(shape.reduce(1, *), scale: std))
    }

    /// A tensor of independent uniforms on (low, high) drawn from `rng` in row-major order.
    public static func uniform(shape: [Int], low: Float = 0, high: Float = 1, rng: inout Philox) -> Tensor {
        Tensor(shape: shape, scalars: rng.uniforms(shape.reduce(1, *), low: low, high: high))
    }
}
