import CKernels

/// How the process's allocator treats freed tensor memory.
///
/// Training allocates and frees the same tensors (activations, caches, gradients; most of them
/// a few MiB) at every step. glibc's default serves such blocks with their own mmap and trims
/// the heap on free, so each step faults in and zeroes its pages again: in a quickstart
/// distillation run that was a fifth of the CPU time, in the kernel. Keeping freed memory for
/// reuse removes it; the price is that the process keeps its peak heap until it exits
/// (`malloc_trim` still returns it on request, as the benchmark does before measuring memory).
public enum HeapPolicy {
    /// Blocks up to this size come from the heap (glibc's cap for the setting).
    public static let heapBlockLimit = 32 << 20

    /// Call once at start-up, before the numeric work. Returns false if the allocator is not
    /// glibc's or refused the settings (then nothing changes).
    @discardableResult
    public static func keepFreedMemoryForReuse() -> Bool {
        wd_keep_freed_memory(heapBlockLimit) == 1
    }
}
