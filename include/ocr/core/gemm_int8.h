// C = A · B in 8-bit integers for inference: on CPUs with AVX512-VNNI one VPDPBUSD multiplies 64
// pairs of u8 × s8 into 16 int32 sums, where an FMA multiplies 16 floats; on CPUs with AVX2 alone
// one VPMADDWD multiplies 16 pairs widened to int16, where an FMA multiplies 8 floats. Both sum
// exactly in int32 and share one float epilogue, so every kernel gives the same bits.
//
// Quantisation: A (the weights) is symmetric s8 with one scale per row, A(i, k) ≈ sa_i · qa(i, k),
// |qa| ≤ 127; B (activations) is affine u8 with one scale and zero point for the whole operand,
// B(k, j) ≈ sb · (qb(k, j) − zb), its range widened to hold 0 so that 0 (the zero padding) is exact.
// Then C(i, j) = sa_i · sb · (Σ_k qa(i, k)·qb(k, j) − zb · Σ_k qa(i, k)): the integer sums are
// exact, the error is the rounding of the inputs, |ΔA| ≤ sa_i/2 and |ΔB| ≤ sb/2 per element.
//
// Layout: B is column-major, each column padded to a multiple of 4 rows (any values: A's padding
// is 0), so that rows 4q..4q+3 of a column form one 32-bit group. A is packed into panels of 16
// rows: panel[q][i][t] = qa(row i, column 4q + t).
#pragma once
#include <cstdint>
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

struct Int8Panels {
  Index rows = 0;
  Index quads = 0;                  // columns of A, rounded up to a multiple of 4, / 4
  std::vector<std::int8_t> data;    // ceil(rows / 16) panels × quads × 16 × 4
  std::vector<float> scale;         // sa_i, padded to whole panels
  std::vector<std::int32_t> sums;   // Σ_k qa(i, k), padded to whole panels
};

// Packs A (rows × cols, column-major): sa_i = max_k |A(i, k)| / 127 (1 for a zero row).
Int8Panels pack_int8_panels(const Matrix& a);

struct U8Quant {
  float scale = 1;  // sb
  int zero = 0;     // zb, in 0..255
};
// The quantisation of values in [lo, hi] (widened to hold 0) onto 0..255.
U8Quant u8_quant_for_range(float lo, float hi);
// q = clamp(round_even(fma(x, 1/sb, zb)), 0, 255).
std::uint8_t quantize_u8(float x, U8Quant q);
void quantize_u8(const float* x, Index n, U8Quant q, std::uint8_t* out);
// The least and greatest of x[0..n) in one pass (0 and 0 for n = 0): the range a map is
// quantised for (minCoeff and maxCoeff read it twice, 6 % of a fax page's time).
void value_range(const float* x, Index n, float* lo, float* hi);

// The kernels, each compiled for its instructions whatever the build's -march and chosen at run
// time: VNNI where the CPU has AVX512-VNNI, else AVX2 where it has AVX2 and FMA, else the scalar
// loops (correct, slow).
enum class Int8Kernel { Scalar, Avx2, Vnni };
// Those that run here, the scalar loops first.
std::vector<Int8Kernel> int8_kernels_on_this_cpu();
// The kernel gemm_int8, gemm_int8_pieces, quantize_u8 and value_range use.
Int8Kernel int8_kernel();
const char* int8_kernel_name(Int8Kernel kernel);
// True when int8_kernel() is a vector kernel.
bool gemm_int8_is_native();

// While it lives, the process's int8 products run on `kernel`, on every thread (the tests compare
// every kernel the CPU has with the scalar loops); throws if the CPU cannot run it. Not for
// threads that want different kernels at once.
class ScopedInt8Kernel {
 public:
  explicit ScopedInt8Kernel(Int8Kernel kernel);
  ~ScopedInt8Kernel();
  ScopedInt8Kernel(const ScopedInt8Kernel&) = delete;
  ScopedInt8Kernel& operator=(const ScopedInt8Kernel&) = delete;

 private:
  int previous_ = -1;
};

// c (a.rows × p, column-major, leading dimension ldc) = A · B, or += with accumulate; B is p
// columns of 4·a.quads u8 rows each (leading dimension ldb in bytes, a multiple of 4).
void gemm_int8(const Int8Panels& a, const std::uint8_t* b, Index ldb, U8Quant bq, float* c,
               Index ldc, Index p, bool accumulate = false);
// The same by plain loops: the oracle of the tests, and the path without AVX2. The integer sums
// and the float epilogue are those of the kernel, so both give the same bits.
void gemm_int8_scalar(const Int8Panels& a, const std::uint8_t* b, Index ldb, U8Quant bq, float* c,
                      Index ldc, Index p, bool accumulate = false);

// B in pieces, the implicit im2col of a convolution: piece g holds the next quads[g] groups of 4
// rows of every column (the quads add up to a.quads), column j's at base[g] + j·ldb (bytes). A
// convolution's piece is one tap's channels (or a kernel column's kh taps) in a zero-padded copy
// of the input: consecutive output pixels read it ldb bytes apart, and nothing is copied.
void gemm_int8_pieces(const Int8Panels& a, const std::uint8_t* const* base, const Index* quads, int pieces,
                      Index ldb, U8Quant bq, float* c, Index ldc, Index p, bool accumulate = false);
// The same by plain loops (the oracle of the tests): the same bits.
void gemm_int8_pieces_scalar(const Int8Panels& a, const std::uint8_t* const* base, const Index* quads,
                             int pieces, Index ldb, U8Quant bq, float* c, Index ldc, Index p,
                             bool accumulate = false);

// The same with float columns of B (k rows each, leading dimension ldb), quantised into scratch
// first with the range of these columns.
void gemm_int8(const Int8Panels& a, const float* b, Index ldb, Index k, float* c, Index ldc,
               Index p, bool accumulate, std::vector<std::uint8_t>& scratch);

}  // namespace ocr
