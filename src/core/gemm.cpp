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

namespace {

// Eigen's product on raw column-major operands: the whole product off AVX-512, and the few-column
// case on it.
void eigen_product(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                   Index m, Index k, Index p, bool accumulate) {
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<const Matrix, 0, Stride> A(a, m, k, Stride(lda));
  Eigen::Map<const Matrix, 0, Stride> B(b, k, p, Stride(ldb));
  Eigen::Map<Matrix, 0, Stride> C(c, m, p, Stride(ldc));
  if (accumulate) C.noalias() += A * B;
  else C.noalias() = A * B;
}

}  // namespace

#ifdef OCR_GEMM_NATIVE

namespace {

constexpr int kNR = 12;     // columns of C per register block
constexpr int kPanel = 32;  // rows of C per register block (two 16-float vectors)
constexpr Index kChunk = 256;  // contraction chunk of the A·Bᵀ form, so its operands stay in L2

__mmask16 row_mask(Index rows) {
  return rows >= 16 ? __mmask16(0xFFFF) : rows <= 0 ? __mmask16(0) : __mmask16((1u << rows) - 1);
}

// One register block: C[i + j·ldc] (+)= Σ_kk A[i + kk·sa] · B[j·sbj + kk·sbk] for i < rows
// (rows <= 16·NV), j < NR. With sbk = 1 this is A·B on column-major B; with sbj = 1 it is A·Bᵀ.
template <int NV, int NR>
void block(const float* a, Index sa, const float* b, Index sbj, Index sbk, float* c, Index ldc,
           Index k, Index rows, bool accumulate) {
  const __mmask16 m0 = row_mask(rows), m1 = row_mask(rows - 16);
  __m512 s[NV][NR];
#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) s[v][j] = _mm512_setzero_ps();
  for (Index kk = 0; kk < k; ++kk) {
    const float* ak = a + kk * sa;
    const float* bk = b + kk * sbk;
    const __m512 a0 = _mm512_maskz_loadu_ps(m0, ak);
    const __m512 a1 = NV > 1 ? _mm512_maskz_loadu_ps(m1, ak + 16) : a0;
#pragma GCC unroll 16
    for (int j = 0; j < NR; ++j) {
      const __m512 bj = _mm512_set1_ps(bk[j * sbj]);
      s[0][j] = _mm512_fmadd_ps(a0, bj, s[0][j]);
      if (NV > 1) s[NV - 1][j] = _mm512_fmadd_ps(a1, bj, s[NV - 1][j]);
    }
  }
#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j) {
    float* cj = c + j * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const __mmask16 mask = v == 0 ? m0 : m1;
      __m512 x = s[v][j];
      if (accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, cj + 16 * v));
      _mm512_mask_storeu_ps(cj + 16 * v, mask, x);
    }
  }
}

template <int NV>
void block_cols(int nr, const float* a, Index sa, const float* b, Index sbj, Index sbk, float* c,
                Index ldc, Index k, Index rows, bool acc) {
  switch (nr) {
#define OCR_GEMM_CASE(N) \
  case N: block<NV, N>(a, sa, b, sbj, sbk, c, ldc, k, rows, acc); break;
    OCR_GEMM_CASE(12) OCR_GEMM_CASE(11) OCR_GEMM_CASE(10) OCR_GEMM_CASE(9) OCR_GEMM_CASE(8)
    OCR_GEMM_CASE(7) OCR_GEMM_CASE(6) OCR_GEMM_CASE(5) OCR_GEMM_CASE(4) OCR_GEMM_CASE(3)
    OCR_GEMM_CASE(2)
#undef OCR_GEMM_CASE
    default: block<NV, 1>(a, sa, b, sbj, sbk, c, ldc, k, rows, acc); break;
  }
}

// All row panels of one block of nr output columns.
void panels(const float* a, Index sa, const float* b, Index sbj, Index sbk, float* c, Index ldc,
            Index m, Index k, int nr, bool acc) {
  for (Index m0 = 0; m0 < m; m0 += kPanel) {
    const Index rows = std::min<Index>(kPanel, m - m0);
    if (rows > 16) block_cols<2>(nr, a + m0, sa, b, sbj, sbk, c + m0, ldc, k, rows, acc);
    else block_cols<1>(nr, a + m0, sa, b, sbj, sbk, c + m0, ldc, k, rows, acc);
  }
}

bool worth_threads(Index flops) {
  return !omp_in_parallel() && thread_count() > 1 && flops > (Index(1) << 22);
}

void zero_or_keep(Scalar* c, Index ldc, Index m, Index n, bool accumulate) {
  if (!accumulate)
    for (Index j = 0; j < n; ++j) std::fill(c + j * ldc, c + j * ldc + m, 0.0f);
}

}  // namespace

bool gemm_wide_is_native() { return true; }

void gemm_wide_raw(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                   Index m, Index k, Index p, bool accumulate) {
  if (m == 0 || p == 0) return;
  if (k == 0) return zero_or_keep(c, ldc, m, p, accumulate);
  if (p < 8) {
    // A few columns (an LSTM step at batch 1): too few accumulators to hide the FMA latency;
    // Eigen's matrix-vector kernel runs along the rows instead.
    eigen_product(a, lda, b, ldb, c, ldc, m, k, p, accumulate);
    return;
  }
  // A's columns are contiguous rows of a panel: read in place, like B. Column blocks of C are
  // independent, so threads split them.
  const Index col_blocks = (p + kNR - 1) / kNR;
#pragma omp parallel for schedule(static) if (worth_threads(m * k * p))
  for (Index cb = 0; cb < col_blocks; ++cb) {
    const Index p0 = cb * kNR;
    panels(a, lda, b + p0 * ldb, ldb, 1, c + p0 * ldc, ldc, m, k, int(std::min<Index>(kNR, p - p0)),
           accumulate);
  }
}

void gemm_wide_nt_raw(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                      Index m, Index n, Index p, bool accumulate) {
  if (m == 0 || n == 0) return;
  if (p == 0) return zero_or_keep(c, ldc, m, n, accumulate);
  // The contraction runs over the long dimension p: walk it in chunks so that the chunk of A and
  // of B stays in cache while every block of C visits it.
  const Index col_blocks = (n + kNR - 1) / kNR;
  const bool threads = worth_threads(m * n * p);
  for (Index p0 = 0; p0 < p; p0 += kChunk) {
    const Index len = std::min(kChunk, p - p0);
    const bool acc = accumulate || p0 > 0;
#pragma omp parallel for schedule(static) if (threads)
    for (Index cb = 0; cb < col_blocks; ++cb) {
      const Index n0 = cb * kNR;
      panels(a + p0 * lda, lda, b + n0 + p0 * ldb, 1, ldb, c + n0 * ldc, ldc, m, len,
             int(std::min<Index>(kNR, n - n0)), acc);
    }
  }
}

#else  // Eigen everywhere else

bool gemm_wide_is_native() { return false; }

void gemm_wide_raw(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                   Index m, Index k, Index p, bool accumulate) {
  eigen_product(a, lda, b, ldb, c, ldc, m, k, p, accumulate);
}

void gemm_wide_nt_raw(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                      Index m, Index n, Index p, bool accumulate) {
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<const Matrix, 0, Stride> A(a, m, p, Stride(lda));
  Eigen::Map<const Matrix, 0, Stride> B(b, n, p, Stride(ldb));
  Eigen::Map<Matrix, 0, Stride> C(c, m, n, Stride(ldc));
  if (accumulate) C.noalias() += A * B.transpose();
  else C.noalias() = A * B.transpose();
}

#endif

}  // namespace ocr
