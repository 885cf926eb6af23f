// One threading layer owns the cores: OpenMP. Eigen's GEMM uses the same pool and does not nest
// inside an OpenMP parallel region, so parallel loops over lines run single-threaded math inside.
#pragma once

namespace ocr {

// Number of cores to use by default: all cores, capped by OMP_THREAD_LIMIT if set.
int default_thread_count();
// Sets OpenMP and Eigen to use n threads (n <= 0 means default_thread_count()).
void set_thread_count(int n);
int thread_count();

// Makes idle OpenMP workers sleep soon rather than spin (GOMP_SPINCOUNT=10000), unless
// OMP_WAIT_POLICY or GOMP_SPINCOUNT says otherwise. libgomp's default spins up to 300 000 PAUSEs
// (about 20 ms where a PAUSE takes 140 cycles) after each parallel region: measured 14-20% of the
// CPU time of a one-line `ocr recognize`, with nothing gained on wall time. libgomp reads the
// variable once, in its initialiser: the executable links it statically and calls this from a
// constructor that runs before it. Returns true when it set the variable.
bool shorten_idle_thread_spin();
// The wait policy libgomp was started with, as set by the environment: for `-v` logs.
const char* thread_wait_policy();

}  // namespace ocr
