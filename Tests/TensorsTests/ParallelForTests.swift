import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Tensors

/// `Compute.parallelFor` runs every item once and never more of them at once than the
/// thread count it is given: `bench --threads 1` must really use one core.
@Suite struct ParallelForTests {
    /// Items that overlap in time bump `running`; `peak` keeps the most seen at once.
    final class Concurrency: Sendable {
        let running = Atomic<Int>(0), peak = Atomic<Int>(0)
        let runs: Mutex<[Int]>
        init(items: Int) { runs = Mutex([Int](repeating: 0, count: items)) }

        func item(_ i: Int) {
            let now = running.add(1, ordering: .sequentiallyConsistent).newValue
            var seen = peak.load(ordering: .sequentiallyConsistent)
            while now > seen {
                let (exchanged, current) = peak.compareExchange(expected: seen, desired: now, ordering: .sequentiallyConsistent)
                if exchanged { break }
                seen = current
            }
            // Long enough that a second thread, if one were allowed, would overlap.
            usleep(3_000)
            runs.withLock { $0[i] += 1 }
            running.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    @Test(arguments: [(items: 8, threads: 1), (items: 9, threads: 2), (items: 2, threads: 2), (items: 3, threads: 8),
                      (items: 0, threads: 2)])
    func everyItemRunsOnceOnAtMostTheThreadCount(items: Int, threads: Int) {
        let probe = Concurrency(items: items)
        // From a plain thread: called from Swift Testing's cooperative pool, libdispatch may
        // run the items inline, which would hide too much concurrency.
        let done = DispatchSemaphore(value: 0)
        Thread {
            Compute.parallelFor(items, threads: threads) { probe.item($0) }
            done.signal()
        }.start()
        done.wait()
        #expect(probe.runs.withLock { $0.allSatisfy { $0 == 1 } })
        #expect(probe.peak.load(ordering: .relaxed) <= min(max(items, 1), threads))
    }
}
