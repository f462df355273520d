import COpenBLAS
import Dispatch
import Foundation
import Synchronization

/// The process-wide thread count for numeric work, and the helper that splits work over it.
///
/// Threading policy: OpenBLAS itself is kept single-threaded and this module splits work
/// (GEMMs by rows or columns, elementwise ops by chunks, conv layers by time blocks) over
/// `Compute.threads` workers with `DispatchQueue.concurrentPerform`. One owner of the threads
/// means no oversubscription when a threaded op calls BLAS, and the split depends only on the
/// thread count, so the same seed and thread count give the same numbers.
public enum Compute {
    private static let threadCount = Atomic<Int>(max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// OpenBLAS is configured once, before its first use.
    private static let blasConfigured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Number of worker threads used by threaded kernels (default: the number of cores).
    public static var threads: Int { threadCount.load(ordering: .relaxed) }

    /// Sets the number of worker threads (>= 1). Affects subsequent calls only.
    public static func setThreads(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1, got \(count)")
        threadCount.store(count, ordering: .relaxed)
    }

    /// Makes sure OpenBLAS is in single-threaded mode; every BLAS entry point calls this.
    @inline(__always)
    static func prepareBLAS() { _ = blasConfigured }

    /// Runs `body(item)` for item in 0..<items on at most `threads` threads at once.
    ///
    /// Each thread takes the next unclaimed item from a shared counter: the thread count is
    /// honoured (concurrentPerform alone would run the items on every core), and a thread slowed
    /// by another process simply takes fewer items. Callers make an item's result depend only on
    /// its index, so the numbers do not depend on which thread ran it.
    public static func parallelFor(_ items: Int, threads: Int = Compute.threads, _ body: @Sendable (Int) -> Void) {
        let lanes = min(items, max(1, threads))
        if lanes <= 1 {
            for item in 0..<max(0, items) { body(item) }
            return
        }
        let next = ItemCounter()
        DispatchQueue.concurrentPerform(iterations: lanes) { _ in
            while true {
                let item = next.value.add(1, ordering: .relaxed).oldValue
                if item >= items { break }
                body(item)
            }
        }
    }

    /// Splits 0..<count into at most `threads` contiguous ranges whose bounds are multiples of
    /// `alignment` (except the end), each at least `minimumChunk` long (one range if the work
    /// is too small to pay for threading).
    public static func split(_ count: Int, minimumChunk: Int, alignment: Int = 1,
                             threads: Int = Compute.threads) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let parts = max(1, min(threads, count / max(1, minimumChunk)))
        if parts == 1 { return [0..<count] }
        var ranges: [Range<Int>] = []
        var start = 0
        for p in 0..<parts {
            var end = p == parts - 1 ? count : (count * (p + 1)) / parts
            end = min(count, (end + alignment - 1) / alignment * alignment)
            if end > start { ranges.append(start..<end) }
            start = end
        }
        return ranges
    }

    /// Runs `body(range)` over `split(count, ...)` ranges in parallel.
    public static func parallelRanges(_ count: Int, minimumChunk: Int, alignment: Int = 1,
                                      _ body: @Sendable (Range<Int>) -> Void) {
        let ranges = split(count, minimumChunk: minimumChunk, alignment: alignment)
        if ranges.count <= 1 {
            if let r = ranges.first { body(r) }
            return
        }
        parallelFor(ranges.count) { body(ranges[$0]) }
    }
}

/// The next unclaimed item of a `parallelFor`.
private final class ItemCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// A raw pointer that may cross into `concurrentPerform` workers. The caller guarantees that
/// workers touch disjoint elements (or only read) and that the memory outlives the call.
public struct SendablePointer<Pointee>: @unchecked Sendable {
    public let base: UnsafePointer<Pointee>
    public init(_ base: UnsafePointer<Pointee>) { self.base = base }
}

/// The mutable counterpart of `SendablePointer`.
public struct SendableMutablePointer<Pointee>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Pointee>
    public init(_ base: UnsafeMutablePointer<Pointee>) { self.base = base }
}
