#include "ocr/pipeline/cores.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "ocr/core/log.h"
#include "ocr/core/threads.h"

namespace ocr {

int idle_cores(const std::string& loadavg, int cores) {
  cores = std::max(1, cores);
  std::istringstream in(loadavg);
  std::string one, five, fifteen, entities;
  if (!(in >> one >> five >> fifteen >> entities)) return cores;
  const size_t slash = entities.find('/');
  if (slash == 0 || slash == std::string::npos) return cores;
  int runnable = 0;
  for (size_t i = 0; i < slash; ++i) {
    if (entities[i] < '0' || entities[i] > '9' || runnable > 1000000) return cores;
    runnable = runnable * 10 + (entities[i] - '0');
  }
  const int others = std::max(0, runnable - 1);  // this process's own thread is running
  return std::clamp(cores - others, 1, cores);
}

int reading_threads() {
  const int cores = default_thread_count();
  if (cores <= 1) return cores;
  std::ifstream f("/proc/loadavg");
  if (!f) return cores;
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const int idle = idle_cores(text, cores);
  if (idle < cores)
    log::debug("{} of {} cores busy with other work: reading on {} thread{} (--threads sets it)", cores - idle, cores,
               idle, idle == 1 ? "" : "s");
  return idle;
}

}  // namespace ocr
