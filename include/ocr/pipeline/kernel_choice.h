// The inference kernel (float, bf16 or int8) chosen once per machine and build. The automatic
// choice times the kernels on a convolution's shape, about 4 ms: 3 % of a receipt photo's CPU
// time when every page is its own process, as in scripts and benchmarks. Its outcome is kept in a
// small cache file keyed by the CPU's model name and the build, so only the first process on a
// machine pays for it.
#pragma once
#include <string>

#include "ocr/core/precision.h"

namespace ocr {

// $XDG_CACHE_HOME/ocr/kernels.tsv, else ~/.cache/ocr/kernels.tsv; "" when neither is set.
std::string default_kernel_cache_path();

// The CPU's model name (its CPUID brand string; "unknown CPU" where there is none).
std::string cpu_model_name();

struct KernelDecision {
  Precision precision = Precision::Float;
  std::string why;  // "OCR_KERNEL", "measured: ...", "cached in FILE: ..."
};

// Sets the inference kernel (set_inference_precision) unless OCR_KERNEL names one (float, bf16,
// int8: that one is used, the cache untouched). Otherwise the cache's line for `key` (the CPU's
// model name and the build, say) gives the kernel; without one, or with a line this build cannot
// use, the kernels are timed and the line written after the newest 15 lines of other keys
// (cache_path "" = no cache: timed every time).
// A cache that cannot be read or written is left alone: the choice is then only slower.
KernelDecision choose_inference_kernel(const std::string& cache_path, const std::string& key);

}  // namespace ocr
