// How the process's heap is kept: the engine's buffers are large, short-lived and re-made for
// every batch or page, so what the kernel does on each first touch of a page is a real cost.
#pragma once
#include <cstddef>

namespace ocr {

// Keeps freed memory in the process instead of returning large blocks to the kernel: the engine
// frees and re-allocates the same big activation buffers every batch, and fresh pages from the
// kernel cost a page fault each (measured: 13% of training time). Call once at start-up.
void keep_freed_memory();

// After keep_freed_memory: grows the heap by `bytes` of address space (nothing is touched, so
// nothing becomes resident) and asks the kernel to back it with transparent huge pages, so that
// the first touch of a page's buffers faults once per 2 MiB instead of once per 4 KiB. A form
// enlarged 3.7 times touches ~60 MiB of fresh memory: 15 700 faults, ~14 % of its CPU time.
// Returns the bytes advised: 0 where the kernel has no transparent huge pages (or they are
// off), where the heap is not the brk heap (a sanitizer's allocator), or on any failure.
size_t reserve_heap_in_huge_pages(size_t bytes);

// The advised heap is the main arena's; a worker thread's own arena is a fresh mmap faulted 4 KiB
// at a time (a form at -j 2: 7 400 faults and 308 ms CPU, against 2 900 faults and 264 ms with
// one arena). With up to 4 threads every thread allocates from the main arena (its lock measured
// free of cost at 2); more threads keep arenas of their own. Call before the threads first
// allocate (set_thread_count does).
void share_heap_between_threads(int threads);

}  // namespace ocr
