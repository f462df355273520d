import Foundation
import Optimization
import Tensors

/// Turns each member's gradient of its share of the batch into the gradient of the whole
/// batch, the same on every member: the seam between the training loop and the process group.
///
/// Each member's backward leaves the gradient of the *mean* loss over its equal share in the
/// parameters. The gradients are copied into one flat buffer (`FlatGradientBuffer`), summed
/// over the group in one allreduce, divided by the group size (the mean of equal-share means
/// is the mean over the global batch) and copied back. The step's loss terms and sample
/// count are reduced the same way, so that the non-finite check, clipping and the logged
/// figures see the whole batch and every member decides alike. Alone, it does nothing.
public struct GradientAllreduce {
    public let group: any ProcessGroup
    private var buffer: FlatGradientBuffer?
    /// Seconds spent in the last `reduce` (copying included).
    public private(set) var lastSeconds = 0.0

    public init(group: any ProcessGroup, parameters: ParameterSet) {
        self.group = group
        buffer = group.size > 1 ? FlatGradientBuffer(for: parameters) : nil
    }

    /// Scalars allreduced per step (0 alone).
    public var scalarCount: Int { buffer?.scalars.count ?? 0 }

    public mutating func reduce(_ parameters: ParameterSet, result: inout StepResult) throws {
        guard var buffer, group.size > 1 else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        try buffer.gather(from: parameters)
        let scale = 1 / Float(group.size)
        try buffer.scalars.withUnsafeMutableBufferPointer { flat in
            try group.allreduceSum(flat)
            for i in flat.indices { flat[i] *= scale }
        }
        try buffer.scatter(into: parameters)
        self.buffer = buffer

        // Loss terms (the same keys on every member: they come from the same config) and the
        // samples computed, in one small reduce of doubles.
        let keys = result.losses.keys.sorted()
        var values = keys.map { result.losses[$0] ?? .nan } + [Double(result.samples)]
        try values.withUnsafeMutableBufferPointer { try group.allreduceSum($0) }
        for (k, v) in zip(keys, values) { result.losses[k] = v / Double(group.size) }
        result.samples = Int(values[keys.count].rounded())
        lastSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }
}
