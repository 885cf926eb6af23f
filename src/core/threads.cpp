#include "ocr/core/threads.h"

#include "ocr/core/heap.h"

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
  share_heap_between_threads(n);
  omp_set_num_threads(n);
  Eigen::setNbThreads(n);
}

namespace {
bool g_wait_policy_set = false;
}

bool shorten_idle_thread_spin() {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return false;
  // About half a millisecond of spinning: back-to-back regions (a network's layers) still find
  // their workers awake; a worker left idle sleeps soon instead of burning 20 ms.
  g_wait_policy_set = setenv("GOMP_SPINCOUNT", "10000", 0) == 0;
  return g_wait_policy_set;
}

const char* thread_wait_policy() {
  if (g_wait_policy_set) return "spin 10 000 times, then sleep (GOMP_SPINCOUNT set by ocr)";
  if (const char* p = std::getenv("OMP_WAIT_POLICY")) return p;
  if (std::getenv("GOMP_SPINCOUNT")) return "GOMP_SPINCOUNT from the environment";
  return "libgomp's default (spin, then sleep)";
}

int thread_count() { return g_threads > 0 ? g_threads : default_thread_count(); }

}  // namespace ocr
