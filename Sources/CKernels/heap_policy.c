// The process's malloc policy for training and synthesis (see wd_keep_freed_memory in CKernels.h).
#include <malloc.h>
#include "CKernels.h"

int wd_keep_freed_memory(size_t mmap_threshold_bytes) {
    // glibc refuses thresholds above HEAP_MAX_SIZE / 2 (32 MiB on 64-bit); that is the cap we want.
    int mmap_ok = mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold_bytes);
    // Never give the top of a heap back on free: the next step needs the same amount again.
    // malloc_trim(0) still returns it on request (the benchmark does, before measuring memory).
    int trim_ok = mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
    return mmap_ok && trim_ok;
}
