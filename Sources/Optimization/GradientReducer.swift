import Tensors

/// The one place where the gradients of a batch are combined before clipping and the update.
///
/// A training step is: for each micro-batch, forward and backward (backward *adds* into each
/// parameter's `gradient`, so micro-batches sum up by themselves); then `reduce`; then the
/// finiteness check, clipping and the optimiser step. Data-parallel training plugs in here and
/// nowhere else: a reducer that copies the gradients into a `FlatGradientBuffer`, allreduces
/// (sums) that buffer across processes, divides by the total number of micro-batches and
/// copies it back. Every process then takes the identical step.
public protocol GradientReducer {
    /// Turns the locally accumulated gradient sums into the gradient of the whole batch.
    mutating func reduce(_ parameters: ParameterSet) throws
}

/// The single-process reducer: the gradients of `microBatchCount` micro-batches have been
/// summed by the backward passes; this divides by that count so that, with per-micro-batch
/// mean losses, the step equals one step on the whole batch. With one micro-batch it does nothing.
public struct LocalGradientReducer: GradientReducer, Sendable {
    public let microBatchCount: Int

    public init(microBatchCount: Int = 1) {
        precondition(microBatchCount >= 1, "microBatchCount must be at least 1, got \(microBatchCount)")
        self.microBatchCount = microBatchCount
    }

    public mutating func reduce(_ parameters: ParameterSet) throws {
        guard microBatchCount > 1 else { return }
        let factor = 1 / Float(microBatchCount)
        for parameter in parameters.parameters {
            parameter.gradient.withUnsafeMutableBufferPointer { buffer in
                let g = buffer  // a copy of the inout argument, so the loop vectorises
                for j in 0..<g.count { g[j] *= factor }
            }
        }
    }
}
