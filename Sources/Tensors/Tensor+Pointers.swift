extension Tensor {
    /// Calls `body` with a pointer to the scalars (valid for `count` elements). Unlike
    /// `withUnsafeBufferPointer`, the pointer is never nil: an empty tensor gets a scratch one.
    public func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return try body(base) }
            var scratch: Float = 0
            return try withUnsafePointer(to: &scratch) { try body($0) }
        }
    }

    /// The mutable counterpart of `withPointer`.
    public mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { return try body(base) }
            var scratch: Float = 0
            return try withUnsafeMutablePointer(to: &scratch) { try body($0) }
        }
    }

    /// The number of rows when the last axis is the feature axis: count / shape.last.
    public var rowCount: Int {
        guard let last = shape.last, last > 0 else { return 0 }
        return count / last
    }
}
