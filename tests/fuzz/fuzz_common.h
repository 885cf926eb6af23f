// Shared by the libFuzzer targets (see README.md): most readers take a path, so each input is
// written to a file in a per-process folder first. Only ocr::Error is an expected outcome; any
// other exception, a crash, a sanitizer report, a timeout or running out of memory is a finding.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "ocr/core/error.h"

namespace ocr::fuzz {

// $OCR_FUZZ_DIR (run.sh makes and removes one), else a folder in memory (/dev/shm) where there is
// one: rewriting a file on a journalling disk costs about a millisecond, a hundred times the
// parsing. The folder is removed at a normal exit.
inline const std::filesystem::path& work_dir() {
  static const std::filesystem::path dir = []() -> std::filesystem::path {
    if (const char* given = std::getenv("OCR_FUZZ_DIR")) return given;
    std::error_code ec;
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : std::filesystem::temp_directory_path();
    auto d = base / ("ocr-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code e;
      std::filesystem::remove_all(work_dir(), e);
    });
    return d;
  }();
  return dir;
}

// Writes bytes to NAME in the work folder and returns its path.
inline std::string put(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = (work_dir() / name).string();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                  std::streamsize(size));
  return path;
}
inline std::string put(const std::string& name, const std::string& s) {
  return put(name, reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace ocr::fuzz
