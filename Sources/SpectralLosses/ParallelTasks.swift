import Dispatch
import Synchronization
import Tensors

/// Runs independent tasks (one per batch item, or per item and resolution) on up to
/// `Compute.threads` workers and returns their results in task order.
///
/// Workers take the next unclaimed task from a shared counter, so tasks of unequal cost
/// (a 2048-point resolution next to a 512-point one) balance. A task's result depends only on
/// its index, never on which worker ran it: the output is the same for any thread count.
enum ParallelTasks {
    static func map<Output>(count: Int, threads: Int = Compute.threads, _ task: (Int) -> Output) -> [Output] {
        let workers = min(max(threads, 1), count)
        if workers <= 1 { return (0..<count).map(task) }
        var slots = [Output?](repeating: nil, count: count)
        let counter = TaskCounter()
        slots.withUnsafeMutableBufferPointer { buffer in
            withoutActuallyEscaping(task) { task in
                let shared = UncheckedShare(slots: buffer.baseAddress!, task: task)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    while true {
                        let i = counter.next.add(1, ordering: .relaxed).oldValue
                        if i >= count { break }
                        // Each index is claimed once, so workers write disjoint slots.
                        shared.slots[i] = shared.task(i)
                    }
                }
            }
        }
        return slots.map { $0! }
    }
}

private final class TaskCounter: Sendable {
    let next = Atomic<Int>(0)
}

/// The slot array and the task closure, shared with the workers. Safe because every slot is
/// written by exactly one worker and `concurrentPerform` returns after all of them finish.
private struct UncheckedShare<Output>: @unchecked Sendable {
    let slots: UnsafeMutablePointer<Output?>
    let task: (Int) -> Output
}
