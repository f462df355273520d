import Tensors

/// Spare `[B, T, C]` residual-stream tensors that flow inference hands back and takes again,
/// so the flows of one synthesis call (and same-sized chunks) share two buffers instead of
/// allocating two per flow: a fresh buffer of the full student is ~66 MB of new pages, whose
/// faults and zeroing cost a few percent of synthesis. Contents are not cleared: every taker
/// overwrites all of it.
struct ResidualStreamBuffers {
    private var spare: [Tensor] = []

    /// A spare tensor of `shape` (moved out, so writing it does not copy), else a new one.
    mutating func take(shape: [Int]) -> Tensor {
        if let i = spare.firstIndex(where: { $0.shape == shape }) { return spare.remove(at: i) }
        return Tensor(shape: shape)
    }

    mutating func giveBack(_ tensor: Tensor) { spare.append(tensor) }
}
