#include "ocr/core/threads.h"

#include <malloc.h>
#include <omp.h>

#include <Eigen/Core>
#include <cstdlib>
#include <thread>

namespace ocr {

namespace {
int g_threads = 0;
}

int default_thread_count() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  if (const char* limit = std::getenv("OMP_THREAD_LIMIT")) {
    int l = std::atoi(limit);
    if (l > 0 && l < n) n = l;
  }
  return n;
}

void set_thread_count(int n) {
  if (n <= 0) n = default_thread_count();
  g_threads = n;
  omp_set_num_threads(n);
  Eigen::setNbThreads(n);
}

void keep_freed_memory() {
  // glibc caps M_MMAP_THRESHOLD at 32 MiB and ignores larger values, while setting the trim
  // threshold switches off its dynamic mmap threshold: every block over 128 KiB then came fresh
  // from mmap and was zeroed by the kernel on each use (31% of training time in clear_page).
  // No mmap at all: big blocks come from the heap and stay there for the next batch.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);  // converted to SIZE_MAX: never trim
}

int thread_count() { return g_threads > 0 ? g_threads : default_thread_count(); }

}  // namespace ocr
