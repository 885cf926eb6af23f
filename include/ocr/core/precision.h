// Which kernel inference and training multiply with: the one place that decides. The gradient
// checks never read this; training_precision() gives the trainers the value of their own switch
// (set_bf16_training, ocr/core/gemm_bf16.h).
#pragma once
#include <string>

namespace ocr {

enum class Precision {
  Auto,   // the fastest native one: see inference_precision()
  Float,  // float products and sums: bit-for-bit the same on every machine
  Bf16,   // bfloat16 products, float sums (AVX512-BF16): convolutions and LSTMs
  Int8,   // u8 × s8 products, int32 sums (AVX512-VNNI or AVX2): convolutions and the LSTMs' input
          // projections; the LSTM steps, a 1-channel first convolution and the output stay float
};

const char* precision_name(Precision p);
// "float", "bf16", "int8" or "auto"; throws ocr::Error on anything else.
Precision parse_precision(const std::string& name);

// The precision networks prepared for inference from now on use (never Auto). By default it comes
// from the environment, OCR_KERNEL=float|bf16|int8|auto (OCR_BF16=0, the older switch, means
// float); auto, the default, takes int8 where the CPU has AVX512-VNNI or AVX2 and a timing of both kernels
// on a convolution's shape (a few ms, once) finds it faster, else bf16 where native and a timing
// finds it faster than float, else float.
// A precision the CPU lacks falls back to float (with a warning). Logged at debug level once.
Precision inference_precision();
// Overrides the environment (Auto: the automatic choice); the same fallback applies.
void set_inference_precision(Precision p);

// What the automatic choice picks on this machine, timed now (a few ms), and the timings that
// picked it ("float 384 µs, int8 102 µs"), for a log line and for a cache of the choice
// (pipeline/kernel_choice.h) that spares every later process the timing.
struct KernelMeasurement {
  Precision precision = Precision::Float;
  std::string timings;
};
KernelMeasurement measure_inference_kernel();

// The precision a training run multiplies in (Float or Bf16; `ocr train --precision`): Float and
// Bf16 as asked (Bf16 falls back to float with a warning where AVX512-BF16 is missing); Auto
// times both on a convolution's shape (a few ms, once, logged) and takes bf16 only where it is
// native and faster. Int8 throws ocr::Error: it is an inference kernel.
Precision training_precision(Precision wanted);

}  // namespace ocr
