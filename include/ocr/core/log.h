// The only header that includes spdlog: logs go to stderr, results never do.
#pragma once
#include <spdlog/spdlog.h>

namespace ocr::log {

// Sets up the stderr logger; verbosity 0 = warnings, 1 = info (default), 2 = debug.
void init(int verbosity = 1);

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

}  // namespace ocr::log
