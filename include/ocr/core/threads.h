// One threading layer owns the cores: OpenMP. Eigen's GEMM uses the same pool and does not nest
// inside an OpenMP parallel region, so parallel loops over lines run single-threaded math inside.
#pragma once

namespace ocr {

// Number of cores to use by default: all cores, capped by OMP_THREAD_LIMIT if set.
int default_thread_count();
// Sets OpenMP and Eigen to use n threads (n <= 0 means default_thread_count()).
void set_thread_count(int n);
int thread_count();

// Keeps freed memory in the process instead of returning large blocks to the kernel: the engine
// frees and re-allocates the same big activation buffers every batch, and fresh pages from the
// kernel cost a page fault each (measured: 13% of training time). Call once at start-up.
void keep_freed_memory();

}  // namespace ocr
