import Tensors

/// Splits `rows` into contiguous chunks and runs `body` on them, in parallel when there are
/// enough rows to pay for the threads (a batch is 8 x 16000 rows; a sampling step is 8).
///
/// Each row's result depends only on that row, so the numbers do not depend on the chunking
/// or the thread count (DESIGN §7).
enum RowParallel {
    /// Below this many rows per chunk, threading costs more than it saves.
    static let minimumRowsPerChunk = 2048

    static func forEachChunk(rows: Int, _ body: (Range<Int>) -> Void) {
        let threads = Compute.threads
        // A few chunks per thread balance uneven rows (branches differ in cost).
        let chunks = min(rows / minimumRowsPerChunk, 4 * threads)
        if chunks <= 1 || threads <= 1 {
            if rows > 0 { body(0..<rows) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            Compute.parallelFor(chunks) { chunk in
                let lower = rows * chunk / chunks
                let upper = rows * (chunk + 1) / chunks
                box.value(lower..<upper)
            }
        }
    }
}

/// Carries a closure over raw buffers into `concurrentPerform`. Safe here because the chunks
/// write disjoint rows and the call returns only after every chunk has finished.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
