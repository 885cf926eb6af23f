#include "ocr/core/gemm_bf16.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "ocr/core/precision.h"

#if defined(__AVX512BF16__) && defined(__AVX512F__) && !defined(OCR_SCALAR_DOUBLE)
#include <immintrin.h>
#define OCR_BF16_NATIVE 1
#endif

namespace ocr {

namespace {
constexpr Index kPanelRows = 16;
#ifdef OCR_BF16_NATIVE
constexpr int kNR = 12;  // columns of C per register block: 2 × 12 accumulators + 3 operands
#endif
}  // namespace

bool bf16_inference_enabled() { return inference_precision() == Precision::Bf16; }

void set_bf16_inference(bool on) {
  set_inference_precision(on && gemm_bf16_is_native() ? Precision::Bf16
                          : on                        ? Precision::Auto
                                                      : Precision::Float);
}

namespace {
std::atomic<bool> bf16_training{false};
}  // namespace

bool bf16_training_enabled() { return bf16_training.load() && gemm_bf16_is_native(); }
void set_bf16_training(bool on) { bf16_training = on; }

bf16 to_bf16(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return bf16((u >> 16) | 0x40);  // quiet NaN
  if ((u & 0x7F800000u) == 0) return bf16((u >> 16) & 0x8000);         // denormals flush, as in hardware
  u += 0x7FFFu + ((u >> 16) & 1);
  return bf16(u >> 16);
}

float from_bf16(bf16 x) {
  std::uint32_t u = std::uint32_t(x) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void to_bf16(const float* src, Index n, bf16* dst) {
  Index i = 0;
#ifdef OCR_BF16_NATIVE
  for (; i + 16 <= n; i += 16) {
    const __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(src + i));
    std::memcpy(dst + i, &v, 32);
  }
#endif
  for (; i < n; ++i) dst[i] = to_bf16(src[i]);
}

void to_bf16(const double* src, Index n, bf16* dst) {
  for (Index i = 0; i < n; ++i) dst[i] = to_bf16(float(src[i]));
}

Bf16Panels pack_bf16_panels(const Matrix& a) {
  Bf16Panels out;
  out.rows = a.rows();
  out.pairs = (a.cols() + 1) / 2;
  const Index panels = (out.rows + kPanelRows - 1) / kPanelRows;
  out.data.assign(size_t(panels * out.pairs * kPanelRows * 2), bf16(0));
  for (Index pn = 0; pn < panels; ++pn)
    for (Index q = 0; q < out.pairs; ++q)
      for (Index i = 0; i < kPanelRows; ++i)
        for (Index t = 0; t < 2; ++t) {
          const Index row = pn * kPanelRows + i, col = 2 * q + t;
          if (row < a.rows() && col < a.cols())
            out.data[size_t(((pn * out.pairs + q) * kPanelRows + i) * 2 + t)] = to_bf16(float(a(row, col)));
        }
  return out;
}

#ifdef OCR_BF16_NATIVE

namespace {

__mmask16 row_mask(Index rows) {
  return rows >= 16 ? __mmask16(0xFFFF) : rows <= 0 ? __mmask16(0) : __mmask16((1u << rows) - 1);
}

// One register block: NV panels of 16 rows × NR columns of C. A's 16-row vectors step by a_q
// elements per pair; B's pair (column j, pair q) sits at pair index j·b_j + q·b_q.
template <int NV, int NR>
void block(const bf16* a0, const bf16* a1, Index a_q, Index pairs, const bf16* b, Index b_j,
           Index b_q, float* c, Index ldc, Index rows, bool accumulate) {
  __m512 s[NV][NR];
#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) s[v][j] = _mm512_setzero_ps();
  for (Index q = 0; q < pairs; ++q) {
    const __m512bh av0 = (__m512bh)_mm512_loadu_si512(a0 + q * a_q);
    const __m512bh av1 = NV > 1 ? (__m512bh)_mm512_loadu_si512(a1 + q * a_q) : av0;
#pragma GCC unroll 16
    for (int j = 0; j < NR; ++j) {
      int pair;
      std::memcpy(&pair, b + 2 * (j * b_j + q * b_q), 4);
      const __m512bh bj = (__m512bh)_mm512_set1_epi32(pair);
      s[0][j] = _mm512_dpbf16_ps(s[0][j], av0, bj);
      if (NV > 1) s[NV - 1][j] = _mm512_dpbf16_ps(s[NV - 1][j], av1, bj);
    }
  }
  const __mmask16 m0 = row_mask(rows), m1 = row_mask(rows - 16);
#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const __mmask16 mask = v == 0 ? m0 : m1;
      float* cj = c + j * ldc + 16 * v;
      __m512 x = s[v][j];
      if (accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, cj));
      _mm512_mask_storeu_ps(cj, mask, x);
    }
}

// One column of C over NP panels (NP·16 rows): a matrix-vector product keeps NP independent
// sums in flight, where the column blocks above would have one or two.
template <int NP>
void column(const bf16* a, Index panel_size, Index pairs, const bf16* b, float* c, Index rows,
            bool accumulate) {
  __m512 s[NP];
#pragma GCC unroll 8
  for (int v = 0; v < NP; ++v) s[v] = _mm512_setzero_ps();
  for (Index q = 0; q < pairs; ++q) {
    int pair;
    std::memcpy(&pair, b + 2 * q, 4);
    const __m512bh bq = (__m512bh)_mm512_set1_epi32(pair);
#pragma GCC unroll 8
    for (int v = 0; v < NP; ++v)
      s[v] = _mm512_dpbf16_ps(s[v], (__m512bh)_mm512_loadu_si512(a + v * panel_size + q * 32), bq);
  }
#pragma GCC unroll 8
  for (int v = 0; v < NP; ++v) {
    const __mmask16 mask = row_mask(rows - 16 * v);
    __m512 x = s[v];
    if (accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, c + 16 * v));
    _mm512_mask_storeu_ps(c + 16 * v, mask, x);
  }
}

template <int NV>
void block_cols(int nr, const bf16* a0, const bf16* a1, Index a_q, Index pairs, const bf16* b,
                Index b_j, Index b_q, float* c, Index ldc, Index rows, bool acc) {
  switch (nr) {
#define OCR_BF16_CASE(N) \
  case N: block<NV, N>(a0, a1, a_q, pairs, b, b_j, b_q, c, ldc, rows, acc); break;
    OCR_BF16_CASE(12) OCR_BF16_CASE(11) OCR_BF16_CASE(10) OCR_BF16_CASE(9) OCR_BF16_CASE(8)
    OCR_BF16_CASE(7) OCR_BF16_CASE(6) OCR_BF16_CASE(5) OCR_BF16_CASE(4) OCR_BF16_CASE(3)
    OCR_BF16_CASE(2)
#undef OCR_BF16_CASE
    default: block<NV, 1>(a0, a1, a_q, pairs, b, b_j, b_q, c, ldc, rows, acc); break;
  }
}

// Pairs of consecutive columns of x (rows × cols, leading dimension ldx) in bf16, pair-major:
// out[(q·out_rows + r)·2 + t] = x(r, 2q + t); rows up to out_rows and a missing last column are 0.
void pack_column_pairs(const float* x, Index ldx, Index rows, Index cols, Index out_rows, bf16* out) {
  const Index pairs = (cols + 1) / 2;
  const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                              23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  for (Index q = 0; q < pairs; ++q) {
    const float* c0 = x + 2 * q * ldx;
    const float* c1 = 2 * q + 1 < cols ? c0 + ldx : nullptr;
    bf16* o = out + q * out_rows * 2;
    Index r = 0;
    for (; r < out_rows; r += 16) {
      const __mmask16 m = row_mask(rows - r);
      const __m512 v0 = _mm512_maskz_loadu_ps(m, c0 + r);
      const __m512 v1 = c1 ? _mm512_maskz_loadu_ps(m, c1 + r) : _mm512_setzero_ps();
      const __m512i w = _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(v1, v0));
      _mm512_mask_storeu_epi32(o + 2 * r, row_mask(out_rows - r), w);
    }
  }
}

}  // namespace

bool gemm_bf16_is_native() { return true; }

void gemm_bf16_nt(const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc, Index m,
                  Index n, Index p, bool accumulate) {
  if (m == 0 || n == 0) return;
  if (p == 0) {
    if (!accumulate)
      for (Index j = 0; j < n; ++j) std::fill(c + j * ldc, c + j * ldc + m, 0.0f);
    return;
  }
  // The contraction runs over p: take it a cache-sized chunk at a time, both operands packed as
  // pairs of consecutive p (A padded to whole 16-row panels).
  constexpr Index kChunk = 256;
  const Index mp = (m + kPanelRows - 1) / kPanelRows * kPanelRows;
  thread_local std::vector<bf16> pa, pb;
  for (Index p0 = 0; p0 < p; p0 += kChunk) {
    const Index len = std::min(kChunk, p - p0), pairs = (len + 1) / 2;
    pa.resize(size_t(pairs * mp * 2));
    pb.resize(size_t(pairs * n * 2));
    pack_column_pairs(a + p0 * lda, lda, m, len, mp, pa.data());
    pack_column_pairs(b + p0 * ldb, ldb, n, len, n, pb.data());
    const bool acc = accumulate || p0 > 0;
    for (Index n0 = 0; n0 < n; n0 += kNR) {
      const int nr = int(std::min<Index>(kNR, n - n0));
      for (Index r0 = 0; r0 < m; r0 += 2 * kPanelRows) {
        const Index rows = std::min<Index>(2 * kPanelRows, m - r0);
        const bf16* a0 = pa.data() + 2 * r0;
        const bf16* bn = pb.data() + 2 * n0;
        if (rows > kPanelRows)
          block_cols<2>(nr, a0, a0 + 32, 2 * mp, pairs, bn, 1, n, c + n0 * ldc + r0, ldc, rows, acc);
        else
          block_cols<1>(nr, a0, a0, 2 * mp, pairs, bn, 1, n, c + n0 * ldc + r0, ldc, rows, acc);
      }
    }
  }
}

void gemm_bf16(const Bf16Panels& a, const bf16* b, Index ldb, float* c, Index ldc, Index p,
               bool accumulate) {
  const Index panel_size = a.pairs * kPanelRows * 2;
  if (p < 8) {
    constexpr Index kRowsInFlight = 8 * kPanelRows;
    for (Index j = 0; j < p; ++j)
      for (Index r0 = 0; r0 < a.rows; r0 += kRowsInFlight) {
        const Index rows = std::min(kRowsInFlight, a.rows - r0);
        const bf16* ap = a.data.data() + (r0 / kPanelRows) * panel_size;
        float* cj = c + j * ldc + r0;
        const bf16* bj = b + j * ldb;
        switch ((rows + kPanelRows - 1) / kPanelRows) {
          case 8: column<8>(ap, panel_size, a.pairs, bj, cj, rows, accumulate); break;
          case 7: column<7>(ap, panel_size, a.pairs, bj, cj, rows, accumulate); break;
          case 6: column<6>(ap, panel_size, a.pairs, bj, cj, rows, accumulate); break;
          case 5: column<5>(ap, panel_size, a.pairs, bj, cj, rows, accumulate); break;
          case 4: column<4>(ap, panel_size, a.pairs, bj, cj, rows, accumulate); break;
          case 3: column<3>(ap, panel_size, a.pairs, bj, cj, rows, accumulate); break;
          case 2: column<2>(ap, panel_size, a.pairs, bj, cj, rows, accumulate); break;
          default: column<1>(ap, panel_size, a.pairs, bj, cj, rows, accumulate); break;
        }
      }
    return;
  }
  // A column block of B (12 columns × all pairs) stays in L1 while every row panel visits it.
  for (Index p0 = 0; p0 < p; p0 += kNR) {
    const int nr = int(std::min<Index>(kNR, p - p0));
    for (Index r0 = 0, pn = 0; r0 < a.rows; r0 += 2 * kPanelRows, pn += 2) {
      const Index rows = std::min<Index>(2 * kPanelRows, a.rows - r0);
      const bf16* a0 = a.data.data() + pn * panel_size;
      if (rows > kPanelRows)
        block_cols<2>(nr, a0, a0 + panel_size, 32, a.pairs, b + p0 * ldb, ldb / 2, 1, c + p0 * ldc + r0, ldc,
                      rows, accumulate);
      else
        block_cols<1>(nr, a0, a0, 32, a.pairs, b + p0 * ldb, ldb / 2, 1, c + p0 * ldc + r0, ldc, rows,
                      accumulate);
    }
  }
}

#else

bool gemm_bf16_is_native() { return false; }

void gemm_bf16(const Bf16Panels& a, const bf16* b, Index ldb, float* c, Index ldc, Index p,
               bool accumulate) {
  const Index panel_size = a.pairs * kPanelRows * 2;
  for (Index j = 0; j < p; ++j)
    for (Index r = 0; r < a.rows; ++r) {
      const bf16* panel = a.data.data() + (r / kPanelRows) * panel_size + (r % kPanelRows) * 2;
      float sum = 0;
      for (Index k = 0; k < 2 * a.pairs; ++k)
        sum += from_bf16(panel[(k / 2) * kPanelRows * 2 + k % 2]) * from_bf16(b[j * ldb + k]);
      c[j * ldc + r] = accumulate ? c[j * ldc + r] + sum : sum;
    }
}

void gemm_bf16_nt(const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc, Index m,
                  Index n, Index p, bool accumulate) {
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < m; ++i) {
      float sum = 0;
      for (Index k = 0; k < p; ++k) sum += from_bf16(to_bf16(a[i + k * lda])) * from_bf16(to_bf16(b[j + k * ldb]));
      c[i + j * ldc] = accumulate ? c[i + j * ldc] + sum : sum;
    }
}

#endif

void gemm_bf16(const Bf16Panels& a, const float* b, Index ldb, Index k, float* c, Index ldc,
               Index p, bool accumulate, std::vector<bf16>& scratch) {
  const Index ld = 2 * a.pairs;
  scratch.resize(size_t(ld * p));
  for (Index j = 0; j < p; ++j) {
    to_bf16(b + j * ldb, k, scratch.data() + j * ld);
    std::fill(scratch.data() + j * ld + k, scratch.data() + (j + 1) * ld, bf16(0));
  }
  gemm_bf16(a, scratch.data(), ld, c, ldc, p, accumulate);
}

}  // namespace ocr
