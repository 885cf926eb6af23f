#include "ocr/pipeline/kernel_choice.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/gemm_bf16.h"
#include "ocr/core/gemm_int8.h"
#include "ocr/core/log.h"

namespace ocr {

namespace fs = std::filesystem;

std::string default_kernel_cache_path() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return (fs::path(xdg) / "ocr" / "kernels.tsv").string();
  if (const char* home = std::getenv("HOME"); home && *home)
    return (fs::path(home) / ".cache" / "ocr" / "kernels.tsv").string();
  return "";
}

std::string cpu_model_name() {
  // The brand string from CPUID: /proc/cpuinfo says the same but costs a millisecond to read
  // (the kernel asks every core for its clock), a fifth of what the cache saves.
#if defined(__x86_64__) || defined(__i386__)
  unsigned regs[12] = {0};
  unsigned top = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x80000000u, &top, &ebx, &ecx, &edx) && top >= 0x80000004u) {
    for (unsigned leaf = 0; leaf < 3; ++leaf)
      __get_cpuid(0x80000002u + leaf, &regs[4 * leaf], &regs[4 * leaf + 1], &regs[4 * leaf + 2], &regs[4 * leaf + 3]);
    std::string name(reinterpret_cast<const char*>(regs), sizeof regs);
    name = name.substr(0, name.find('\0'));
    const size_t first = name.find_first_not_of(' '), last = name.find_last_not_of(' ');
    if (first != std::string::npos) return name.substr(first, last - first + 1);
  }
#endif
  return "unknown CPU";
}

namespace {

// Keys and timings are one line each; tabs and newlines in them would break the file.
std::string one_field(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

bool native(Precision p) {
  return p == Precision::Float || (p == Precision::Int8 && gemm_int8_is_native()) ||
         (p == Precision::Bf16 && gemm_bf16_is_native());
}

}  // namespace

KernelDecision choose_inference_kernel(const std::string& cache_path, const std::string& key_in) {
  if (const char* env = std::getenv("OCR_KERNEL"); env && *env && std::string(env) != "auto")
    return {inference_precision(), "OCR_KERNEL"};
  const std::string key = one_field(key_in);
  std::vector<std::string> kept;  // the cache's other lines, rewritten with ours
  if (!cache_path.empty()) {
    std::ifstream f(cache_path);
    for (std::string line; std::getline(f, line);) {
      std::istringstream fields(line);
      std::string k, name, timings;
      if (!std::getline(fields, k, '\t') || !std::getline(fields, name, '\t')) continue;  // not ours: dropped
      std::getline(fields, timings);
      if (k != key) {
        kept.push_back(line);
        continue;
      }
      try {
        const Precision p = parse_precision(name);
        if (p != Precision::Auto && native(p)) {
          set_inference_precision(p);
          return {p, "cached in " + cache_path + ": " + timings};
        }
      } catch (const Error&) {
      }
      log::debug("kernel cache {}: unusable line for this machine ('{}'), timing again", cache_path, name);
    }
  }
  const KernelMeasurement m = measure_inference_kernel();
  set_inference_precision(m.precision);
  if (!cache_path.empty()) {
    // The newest lines of other keys stay, a few machines' and builds' worth: a developer's
    // cache would otherwise grow by a line for every commit built.
    constexpr size_t kOtherLines = 15;
    std::string text;
    for (size_t i = kept.size() > kOtherLines ? kept.size() - kOtherLines : 0; i < kept.size(); ++i) text += kept[i] + "\n";
    text += key + "\t" + precision_name(m.precision) + "\t" + one_field(m.timings) + "\n";
    try {
      std::error_code ec;
      fs::create_directories(fs::path(cache_path).parent_path(), ec);
      write_file_atomic(cache_path, text.data(), text.size());
    } catch (const Error& e) {
      log::debug("kernel cache not written: {}", e.what());
    }
  }
  return {m.precision, "measured: " + m.timings};
}

}  // namespace ocr
