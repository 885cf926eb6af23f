// Unsets environment variables for a test's lifetime and puts their values back afterwards, so a
// developer's $OCR_MODEL or $OCR_LM does not change what a test reads.
#pragma once
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ocr::test {

class ScopedUnsetEnv {
 public:
  explicit ScopedUnsetEnv(std::initializer_list<const char*> vars) {
    for (const char* var : vars) {
      const char* v = std::getenv(var);
      saved_.emplace_back(var, v ? std::optional<std::string>(v) : std::nullopt);
      unsetenv(var);
    }
  }
  ~ScopedUnsetEnv() {
    for (const auto& [var, value] : saved_) {
      if (value) setenv(var.c_str(), value->c_str(), 1);
      else unsetenv(var.c_str());  // a test that set it leaves it as it found it
    }
  }
  ScopedUnsetEnv(const ScopedUnsetEnv&) = delete;
  ScopedUnsetEnv& operator=(const ScopedUnsetEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace ocr::test
