// C = A · B in bfloat16 with float accumulation, for inference on CPUs with AVX512-BF16: one
// VDPBF16PS multiplies 32 pairs where an FMA multiplies 16 floats, and B (the im2col patches)
// takes half the cache. Inputs keep 8 significant bits (relative rounding error ≤ 2⁻⁹); the
// sums stay in float. Training and the gradient checks never use it.
//
// Layout: B is column-major with an even number of rows (pad with a zero row), so that rows 2q
// and 2q+1 of a column form one 32-bit pair. A is packed once into panels of 16 rows, each pair of
// columns interleaved: panel[q][i][t] = A(row i, column 2q + t).
#pragma once
#include <cstdint>
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

using bf16 = std::uint16_t;

// Round to nearest even, as VCVTNEPS2BF16 does (NaN stays NaN).
bf16 to_bf16(float x);
float from_bf16(bf16 x);
// dst[i] = to_bf16(src[i]) for i < n.
void to_bf16(const float* src, Index n, bf16* dst);
void to_bf16(const double* src, Index n, bf16* dst);

struct Bf16Panels {
  Index rows = 0;   // rows of A
  Index pairs = 0;  // columns of A, rounded up to even, / 2
  std::vector<bf16> data;  // ceil(rows / 16) panels × pairs × 16 × 2
};

// Packs A (rows × cols, column-major) into panels.
Bf16Panels pack_bf16_panels(const Matrix& a);

// True when this build has the AVX512-BF16 kernel; otherwise gemm_bf16 runs a scalar loop
// (correct, slow) and callers should keep to float.
bool gemm_bf16_is_native();

// Whether networks prepared for inference from now on multiply in bfloat16: whether
// inference_precision() (ocr/core/precision.h, which reads OCR_KERNEL and OCR_BF16) is Bf16.
bool bf16_inference_enabled();
// false: float; true: bf16 where native, else the automatic choice.
void set_bf16_inference(bool on);

// Mixed precision in training (`ocr train --bf16`): the products of the convolutions and LSTMs,
// forward and backward, run in bfloat16 with float sums; weights, gradients (their sums) and
// optimizer state stay float. Off by default; true where native and switched on.
bool bf16_training_enabled();
void set_bf16_training(bool on);

// c (a.rows × p, column-major, leading dimension ldc) = A · B, or += with accumulate, B being p
// columns of 2·a.pairs bf16 rows each (leading dimension ldb, in bf16 elements, even). Few
// columns (an LSTM step) run a matrix-vector kernel with many rows in flight.
void gemm_bf16(const Bf16Panels& a, const bf16* b, Index ldb, float* c, Index ldc, Index p,
               bool accumulate = false);

// c (m × n, leading dimension ldc) = a · bᵀ, or += with accumulate, for float a (m × p) and
// b (n × p), column-major: weight gradients, where the contraction runs over pixels or frames.
// Both are rounded to bf16 on the way, a chunk of p at a time.
void gemm_bf16_nt(const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc, Index m,
                  Index n, Index p, bool accumulate);

// The same with float columns of B (k rows each, leading dimension ldb): rounded into scratch
// first, once per element.
void gemm_bf16(const Bf16Panels& a, const float* b, Index ldb, Index k, float* c, Index ldc,
               Index p, bool accumulate, std::vector<bf16>& scratch);

}  // namespace ocr
