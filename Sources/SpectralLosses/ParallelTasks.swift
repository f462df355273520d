import Tensors

/// Runs independent tasks (one per batch item, or per item and resolution) on up to
/// `Compute.threads` workers and returns their results in task order.
///
/// Workers take the next unclaimed task (`Compute.parallelFor`), so tasks of unequal cost
/// (a 2048-point resolution next to a 512-point one) balance. A task's result depends only on
/// its index, never on which worker ran it: the output is the same for any thread count.
enum ParallelTasks {
    static func map<Output>(count: Int, threads: Int = Compute.threads, _ task: (Int) -> Output) -> [Output] {
        if min(max(threads, 1), count) <= 1 { return (0..<count).map(task) }
        var slots = [Output?](repeating: nil, count: count)
        slots.withUnsafeMutableBufferPointer { buffer in
            withoutActuallyEscaping(task) { task in
                let shared = UncheckedShare(slots: buffer.baseAddress!, task: task)
                // Each index is claimed once, so workers write disjoint slots.
                Compute.parallelFor(count, threads: threads) { i in shared.slots[i] = shared.task(i) }
            }
        }
        return slots.map { $0! }
    }
}

/// The slot array and the task closure, shared with the workers. Safe because every slot is
/// written by exactly one worker and `parallelFor` returns after all of them finish.
private struct UncheckedShare<Output>: @unchecked Sendable {
    let slots: UnsafeMutablePointer<Output?>
    let task: (Int) -> Output
}
