/// A fixed-size, zero-initialised float array owned by a class, for hot loops that must not
/// allocate or pay for copy-on-write checks: cached sampling keeps its weight copies, queues'
/// scratch and activations in these, allocated once per sampling call.
///
/// `base` stays valid while the buffer is alive: keep the owner referenced (a stored property of
/// the state that uses it, or `withExtendedLifetime`) for as long as the pointer is used.
/// Not thread-safe: one owner writes at a time.
public final class FloatBuffer: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let count: Int

    /// `count` zeros (at least one float is allocated, so `base` is always valid).
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer: negative count \(count)")
        self.count = count
        base = .allocate(capacity: max(1, count))
        base.initialize(repeating: 0, count: max(1, count))
    }

    /// A copy of `tensor`'s scalars.
    public convenience init(copying tensor: Tensor) {
        self.init(count: tensor.count)
        tensor.withPointer { base.update(from: $0, count: tensor.count) }
    }

    deinit { base.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: base, count: count) }
}
