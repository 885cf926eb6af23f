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
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

int thread_count() { return g_threads > 0 ? g_threads : default_thread_count(); }

}  // namespace ocr
