// How many threads a reading run takes when the user names none: the cores other work leaves idle.
#pragma once
#include <string>

namespace ocr {

// Cores left to this process by `loadavg` (the text of /proc/loadavg: its fourth field, R/T, counts
// the threads runnable at this instant, this process's own one among them) out of `cores`:
// at least 1. Malformed text: all of `cores`.
int idle_cores(const std::string& loadavg, int cores);

// Threads for `ocr recognize` without --threads: default_thread_count() (the cores, capped by
// OMP_THREAD_LIMIT), fewer when other processes keep cores busy. OpenMP threads that share a core
// with another process wait for each other at every barrier: two runs of two threads each on two
// busy cores read a form in 2.3 s instead of 0.45 s.
int reading_threads();

}  // namespace ocr
