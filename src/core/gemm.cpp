#include "ocr/core/gemm.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "ocr/core/threads.h"

#if defined(__AVX512F__) && !defined(OCR_SCALAR_DOUBLE)
#include <immintrin.h>
#define OCR_GEMM_NATIVE 1
#endif

namespace ocr {

#ifdef OCR_GEMM_NATIVE

namespace {

constexpr int kNR = 12;     // columns of C per register block
constexpr int kPanel = 32;  // rows of C per register block (two 16-float vectors)

// One register block: rows [0, rows) of a kPanel-row (NV = 2) or 16-row (NV = 1) panel of
// packed A (k-major, zero-padded) times NR columns of B, into C.
template <int NV, int NR>
void block(const float* ap, const float* b, Index ldb, float* c, Index ldc, Index k, Index rows,
           bool accumulate) {
  __m512 s[NV][NR];
#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) s[v][j] = _mm512_setzero_ps();
  for (Index kk = 0; kk < k; ++kk) {
    const __m512 a0 = _mm512_loadu_ps(ap + kk * 16 * NV);
    const __m512 a1 = NV > 1 ? _mm512_loadu_ps(ap + kk * 16 * NV + 16) : a0;
#pragma GCC unroll 16
    for (int j = 0; j < NR; ++j) {
      const __m512 bj = _mm512_set1_ps(b[j * ldb + kk]);
      s[0][j] = _mm512_fmadd_ps(a0, bj, s[0][j]);
      if (NV > 1) s[NV - 1][j] = _mm512_fmadd_ps(a1, bj, s[NV - 1][j]);
    }
  }
#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j) {
    float* cj = c + j * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const Index r0 = Index(v) * 16;
      if (r0 >= rows) break;
      const __mmask16 mask =
          rows - r0 >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (rows - r0)) - 1);
      __m512 x = s[v][j];
      if (accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, cj + r0));
      _mm512_mask_storeu_ps(cj + r0, mask, x);
    }
  }
}

template <int NV>
void block_cols(int nr, const float* ap, const float* b, Index ldb, float* c, Index ldc, Index k,
                Index rows, bool acc) {
  switch (nr) {
    case 12: block<NV, 12>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 11: block<NV, 11>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 10: block<NV, 10>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 9: block<NV, 9>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 8: block<NV, 8>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 7: block<NV, 7>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 6: block<NV, 6>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 5: block<NV, 5>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 4: block<NV, 4>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 3: block<NV, 3>(ap, b, ldb, c, ldc, k, rows, acc); break;
    case 2: block<NV, 2>(ap, b, ldb, c, ldc, k, rows, acc); break;
    default: block<NV, 1>(ap, b, ldb, c, ldc, k, rows, acc); break;
  }
}

}  // namespace

bool gemm_wide_is_native() { return true; }

void gemm_wide_raw(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                   Index m, Index k, Index p, bool accumulate) {
  if (m == 0 || p == 0) return;
  if (k == 0) {
    if (!accumulate)
      for (Index j = 0; j < p; ++j) std::fill(c + j * ldc, c + j * ldc + m, 0.0f);
    return;
  }
  // Pack A into k-major panels of kPanel rows (zero-padded), so a block reads one contiguous
  // 128-byte row of its panel per step of k.
  const Index panels = (m + kPanel - 1) / kPanel;
  thread_local std::vector<float> packed;
  packed.resize(size_t(panels * kPanel * k));
  for (Index pi = 0; pi < panels; ++pi) {
    const Index m0 = pi * kPanel, rows = std::min<Index>(kPanel, m - m0);
    const int width = rows > 16 ? kPanel : 16;
    float* dst = packed.data() + pi * kPanel * k;
    for (Index kk = 0; kk < k; ++kk, dst += width) {
      const float* src = a + kk * lda + m0;
      std::copy(src, src + rows, dst);
      std::fill(dst + rows, dst + width, 0.0f);
    }
  }
  const Index col_blocks = (p + kNR - 1) / kNR;
  const bool parallel = !omp_in_parallel() && thread_count() > 1 && m * k * p > (Index(1) << 22);
  const float* ap_all = packed.data();
#pragma omp parallel for schedule(static) if (parallel)
  for (Index cb = 0; cb < col_blocks; ++cb) {
    const Index p0 = cb * kNR;
    const int nr = int(std::min<Index>(kNR, p - p0));
    for (Index pi = 0; pi < panels; ++pi) {
      const Index m0 = pi * kPanel, rows = std::min<Index>(kPanel, m - m0);
      const float* ap = ap_all + pi * kPanel * k;
      if (rows > 16)
        block_cols<2>(nr, ap, b + p0 * ldb, ldb, c + p0 * ldc + m0, ldc, k, rows, accumulate);
      else
        block_cols<1>(nr, ap, b + p0 * ldb, ldb, c + p0 * ldc + m0, ldc, k, rows, accumulate);
    }
  }
}

#else  // Eigen everywhere else

bool gemm_wide_is_native() { return false; }

void gemm_wide_raw(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                   Index m, Index k, Index p, bool accumulate) {
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<const Matrix, 0, Stride> A(a, m, k, Stride(lda));
  Eigen::Map<const Matrix, 0, Stride> B(b, k, p, Stride(ldb));
  Eigen::Map<Matrix, 0, Stride> C(c, m, p, Stride(ldc));
  if (accumulate) C.noalias() += A * B;
  else C.noalias() = A * B;
}

#endif

}  // namespace ocr
