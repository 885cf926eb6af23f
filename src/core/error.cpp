#include "ocr/core/error.h"

namespace ocr {

void fail_check(const char* expr, const char* file, int line, const std::string& msg) {
  throw Error("internal error: " + msg + " (" + expr + " at " + file + ":" + std::to_string(line) +
              ")");
}

}  // namespace ocr
