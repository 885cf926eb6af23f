#include "ocr/core/precision.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "ocr/core/error.h"
#include "ocr/core/gemm.h"
#include "ocr/core/gemm_bf16.h"
#include "ocr/core/gemm_int8.h"
#include "ocr/core/log.h"

namespace ocr {

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::Auto: return "auto";
    case Precision::Float: return "float";
    case Precision::Bf16: return "bf16";
    case Precision::Int8: return "int8";
  }
  return "?";
}

Precision parse_precision(const std::string& name) {
  for (Precision p : {Precision::Auto, Precision::Float, Precision::Bf16, Precision::Int8})
    if (name == precision_name(p)) return p;
  throw Error("unknown kernel '" + name + "': float, bf16, int8 or auto");
}

namespace {

// Seconds for the fastest of a few runs of f.
template <class F>
double best_time(F&& f) {
  double best = 1e9;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// Float against int8 (its quantisation included) on the shape of a recognizer's widest
// convolution chunk: 64 outputs, 3×3×64 patches, 120 pixels, a few times over.
bool int8_measured_faster(std::string* timings) {
#ifdef OCR_SCALAR_DOUBLE
  (void)timings;
  return false;
#else
  constexpr Index m = 64, k = 576, p = 120, chunks = 8;
  Matrix a(m, k);
  std::vector<float> b(size_t(k * p)), c(size_t(m * p));
  for (Index i = 0; i < a.size(); ++i) a.data()[i] = float((i * 37 % 101) - 50) / 500.0f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = float(i * 13 % 97) / 97.0f;
  const Int8Panels panels = pack_int8_panels(a);
  // The patches are quantised once per map, not per product: time the products alone.
  const U8Quant q = u8_quant_for_range(0.0f, 1.0f);
  std::vector<std::uint8_t> b8(b.size());
  quantize_u8(b.data(), Index(b.size()), q, b8.data());
  const double t_float = best_time([&] {
    for (Index r = 0; r < chunks; ++r) gemm_wide_raw(a.data(), m, b.data(), k, c.data(), m, m, k, p, false);
  });
  const double t_int8 = best_time([&] {
    for (Index r = 0; r < chunks; ++r) gemm_int8(panels, b8.data(), k, q, c.data(), m, p, false);
  });
  *timings = fmt::format("float {:.0f} µs, int8 ({}) {:.0f} µs on 64×576×120", t_float * 1e6,
                         int8_kernel_name(int8_kernel()), t_int8 * 1e6);
  log::debug("kernel timing: {}", *timings);
  return t_int8 < t_float;
#endif
}

// Float against bf16 products on the same convolution shape as above (8 chunks in one product),
// the columns rounded each time; for training (pack_weights) the weights are packed each time
// too, as a training step does, for inference once. On some CPUs with AVX512-BF16 the bf16 dot
// product issues on one port where float FMAs issue on two, and bf16 loses (0.7x float in
// inference, 0.8x in training, measured on one such Xeon).
bool bf16_measured_faster(bool pack_weights, std::string* timings = nullptr) {
#ifdef OCR_SCALAR_DOUBLE
  (void)pack_weights, (void)timings;
  return false;
#else
  constexpr Index m = 64, k = 576, p = 960;
  Matrix a(m, k);
  std::vector<float> b(size_t(k * p)), c(size_t(m * p));
  for (Index i = 0; i < a.size(); ++i) a.data()[i] = float((i * 37 % 101) - 50) / 500.0f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = float(i * 13 % 97) / 97.0f;
  std::vector<bf16> scratch;
  const Bf16Panels packed = pack_bf16_panels(a);
  const double t_float = best_time([&] { gemm_wide_raw(a.data(), m, b.data(), k, c.data(), m, m, k, p, false); });
  const double t_bf16 = best_time([&] {
    if (pack_weights) {
      const Bf16Panels panels = pack_bf16_panels(a);
      gemm_bf16(panels, b.data(), k, k, c.data(), m, p, false, scratch);
    } else {
      gemm_bf16(packed, b.data(), k, k, c.data(), m, p, false, scratch);
    }
  });
  if (pack_weights)
    log::info("training kernel timing on 64×576×960: float {:.0f} µs, bf16 {:.0f} µs", t_float * 1e6, t_bf16 * 1e6);
  else
    log::debug("kernel timing on 64×576×960: float {:.0f} µs, bf16 {:.0f} µs", t_float * 1e6, t_bf16 * 1e6);
  if (timings) *timings = fmt::format("float {:.0f} µs, bf16 {:.0f} µs on 64×576×960", t_float * 1e6, t_bf16 * 1e6);
  return t_bf16 < t_float;
#endif
}

KernelMeasurement measure() {
  KernelMeasurement m;
  if (gemm_int8_is_native() && int8_measured_faster(&m.timings)) {
    m.precision = Precision::Int8;
    return m;
  }
  std::string bf16_timings;
  const bool bf16_faster = gemm_bf16_is_native() && bf16_measured_faster(false, &bf16_timings);
  if (!bf16_timings.empty()) m.timings += (m.timings.empty() ? "" : "; ") + bf16_timings;
  if (m.timings.empty()) m.timings = "no int8 or bf16 kernel on this CPU";
  m.precision = bf16_faster ? Precision::Bf16 : Precision::Float;
  return m;
}

Precision resolve(Precision wanted) {
  if (wanted == Precision::Auto) {
    static const Precision fastest = measure().precision;  // timed once
    return fastest;
  }
  if (wanted == Precision::Bf16 && !gemm_bf16_is_native()) {
    log::warn("bf16 kernel: this build or CPU has no AVX512-BF16; multiplying in float");
    return Precision::Float;
  }
  if (wanted == Precision::Int8 && !gemm_int8_is_native()) {
    log::warn("int8 kernel: this CPU has neither AVX512-VNNI nor AVX2; multiplying in float");
    return Precision::Float;
  }
  return wanted;
}

Precision from_environment() {
  if (const char* v = std::getenv("OCR_KERNEL"); v && *v) return parse_precision(v);
  if (const char* v = std::getenv("OCR_BF16"); v && std::string(v) == "0") return Precision::Float;
  return Precision::Auto;
}

std::mutex mutex;
bool resolved = false;
Precision current = Precision::Float;

}  // namespace

Precision inference_precision() {
  std::lock_guard<std::mutex> lock(mutex);
  if (!resolved) {
    const Precision wanted = from_environment();
    current = resolve(wanted);
    resolved = true;
    log::debug("inference kernel: {} ({})", precision_name(current),
               wanted == Precision::Auto ? "auto" : "OCR_KERNEL");
  }
  return current;
}

Precision training_precision(Precision wanted) {
  switch (wanted) {
    case Precision::Int8:
      throw Error("int8 is an inference kernel: train with precision float, bf16 or auto");
    case Precision::Float:
      return Precision::Float;
    case Precision::Bf16:
      if (gemm_bf16_is_native()) return Precision::Bf16;
      log::warn("bf16 training: this build or CPU has no AVX512-BF16; training in float");
      return Precision::Float;
    case Precision::Auto:
      break;
  }
  static const bool bf16_faster = gemm_bf16_is_native() && bf16_measured_faster(true);  // timed once
  return bf16_faster ? Precision::Bf16 : Precision::Float;
}

KernelMeasurement measure_inference_kernel() { return measure(); }

void set_inference_precision(Precision p) {
  std::lock_guard<std::mutex> lock(mutex);
  current = resolve(p);
  resolved = true;
}

}  // namespace ocr
