// One threading layer owns the cores: OpenMP. Eigen's GEMM uses the same pool and does not nest
// inside an OpenMP parallel region, so parallel loops over lines run single-threaded math inside.
#pragma once

namespace ocr {

// Number of cores to use by default: all cores, capped by OMP_THREAD_LIMIT if set.
int default_thread_count();
// Sets OpenMP and Eigen to use n threads (n <= 0 means default_thread_count()).
void set_thread_count(int n);
int thread_count();

}  // namespace ocr
