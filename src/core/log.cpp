#include "ocr/core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ocr::log {

void init(int verbosity) {
  auto logger = spdlog::stderr_color_mt("ocr");
  logger->set_pattern("%^[%l]%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbosity <= 0 ? spdlog::level::warn
                    : verbosity == 1 ? spdlog::level::info
                                     : spdlog::level::debug);
}

}  // namespace ocr::log
