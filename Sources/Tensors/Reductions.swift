import CKernels

/// Reductions, accumulated in double (losses, gradient checks, norms).
extension Ops {
    public static func sum(_ x: Tensor) -> Double { x.withPointer { wd_sum($0, x.count) } }

    public static func dot(_ a: Tensor, _ b: Tensor) -> Double {
        precondition(a.count == b.count, "dot of \(a.shape) and \(b.shape)")
        return a.withPointer { pa in b.withPointer { pb in wd_dot(pa, pb, a.count) } }
    }

    public static func sumOfSquares(_ x: Tensor) -> Double { x.withPointer { wd_sum_squares($0, x.count) } }

    /// max |x_i| (0 for an empty tensor, NaN if any element is NaN).
    public static func maxAbs(_ x: Tensor) -> Float { x.withPointer { wd_max_abs($0, x.count) } }

    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Double { wd_sum(x, count) }
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        wd_dot(a, b, count)
    }
}
