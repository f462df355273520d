import Tensors

/// All gradients of a `ParameterSet` in one contiguous buffer, in parameter order: what a
/// collective (MPI allreduce) needs, since it works on one pointer and one count.
///
/// Built once for a parameter list; `gather` copies the gradients in, the collective works on
/// `scalars` in place, and `scatter` copies them back.
public struct FlatGradientBuffer {
    /// Where one parameter's gradient lives in `scalars`.
    public struct Segment: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int
    }

    public let segments: [Segment]
    public var scalars: [Float]

    public init(for parameters: ParameterSet) {
        var offset = 0
        segments = parameters.parameters.map { p in
            defer { offset += p.count }
            return Segment(name: p.name, shape: p.shape, offset: offset, count: p.count)
        }
        scalars = [Float](repeating: 0, count: offset)
    }

    /// Copies every parameter's gradient into `scalars`.
    public mutating func gather(from parameters: ParameterSet) throws(ParameterListMismatch) {
        try checkLayout(parameters)
        scalars.withUnsafeMutableBufferPointer { flat in
            for (segment, parameter) in zip(segments, parameters.parameters) {
                parameter.gradient.withUnsafeBufferPointer { g in
                    _ = UnsafeMutableBufferPointer(rebasing: flat[segment.offset..<(segment.offset + segment.count)])
                        .update(fromContentsOf: g)
                }
            }
        }
    }

    /// Copies `scalars` back into every parameter's gradient (overwriting it).
    public func scatter(into parameters: ParameterSet) throws(ParameterListMismatch) {
        try checkLayout(parameters)
        scalars.withUnsafeBufferPointer { flat in
            for (segment, parameter) in zip(segments, parameters.parameters) {
                parameter.gradient.withUnsafeMutableBufferPointer { g in
                    _ = g.update(fromContentsOf: flat[segment.offset..<(segment.offset + segment.count)])
                }
            }
        }
    }

    private func checkLayout(_ parameters: ParameterSet) throws(ParameterListMismatch) {
        try ParameterListMismatch.check(parameters, names: segments.map(\.name), shapes: segments.map(\.shape),
                                        owner: "FlatGradientBuffer")
    }
}
