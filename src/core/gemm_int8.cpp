#include "ocr/core/gemm_int8.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <string>

#include "ocr/core/error.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define OCR_INT8_X86 1
// Each kernel is compiled for its instructions whatever the build's -march, and called only where
// the CPU has them.
#define OCR_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define OCR_AVX2 __attribute__((target("avx2,fma")))
#endif

namespace ocr {

namespace {
constexpr Index kPanelRows = 16;
constexpr int kNR = 12;  // columns of C per register block: 2 × 12 accumulators + 3 operands

void check_pieces(const Int8Panels& a, const Index* quads, int pieces) {
  Index total = 0;
  for (int g = 0; g < pieces; ++g) total += quads[g];
  if (total != a.quads) throw ShapeError("gemm_int8_pieces: the pieces hold " + std::to_string(total) +
                                         " groups of 4, A has " + std::to_string(a.quads));
}
}  // namespace

Int8Panels pack_int8_panels(const Matrix& a) {
  Int8Panels out;
  out.rows = a.rows();
  out.quads = (a.cols() + 3) / 4;
  const Index panels = (out.rows + kPanelRows - 1) / kPanelRows;
  out.data.assign(size_t(panels * out.quads * kPanelRows * 4), std::int8_t(0));
  out.scale.assign(size_t(panels * kPanelRows), 0.0f);
  out.sums.assign(size_t(panels * kPanelRows), 0);
  if (a.cols() == 0) {  // zero rows, all of them
    std::fill(out.scale.begin(), out.scale.begin() + a.rows(), 1.0f);
    return out;
  }
  // Column by column, as A is stored (row by row strode through all of A for every row: a tenth
  // of a one-line run's time went to packing the model's weights at load).
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> amax = a.cwiseAbs().rowwise().maxCoeff();
  for (Index i = 0; i < a.rows(); ++i) out.scale[size_t(i)] = amax(i) > 0 ? float(amax(i)) / 127.0f : 1.0f;
  std::vector<float> q(size_t(a.rows()));
  for (Index k = 0; k < a.cols(); ++k) {
    const Scalar* col = a.data() + k * a.rows();
    // Quantise the column first, in a loop the compiler vectorises, then scatter it.
    for (Index i = 0; i < a.rows(); ++i)
      q[size_t(i)] = std::clamp(std::nearbyint(float(col[i]) / out.scale[size_t(i)]), -127.0f, 127.0f);
    std::int8_t* quad = out.data.data() + (k / 4) * kPanelRows * 4 + k % 4;
    for (Index i = 0; i < a.rows(); ++i) {
      const int v = int(q[size_t(i)]);
      quad[((i / kPanelRows) * out.quads * kPanelRows + i % kPanelRows) * 4] = std::int8_t(v);
      out.sums[size_t(i)] += v;
    }
  }
  return out;
}

U8Quant u8_quant_for_range(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  U8Quant q;
  if (!(hi > lo) || !std::isfinite(hi - lo)) return q;
  q.scale = (hi - lo) / 255.0f;
  q.zero = std::clamp(int(std::nearbyint(-lo / q.scale)), 0, 255);
  return q;
}

std::uint8_t quantize_u8(float x, U8Quant q) {
  const float t = std::fma(x, 1.0f / q.scale, float(q.zero));
  return std::uint8_t(std::nearbyint(std::clamp(t, 0.0f, 255.0f)));
}

#ifdef OCR_INT8_X86

namespace {

OCR_VNNI void quantize_u8_avx512(const float* x, Index n, U8Quant q, std::uint8_t* out) {
  const __m512 inv = _mm512_set1_ps(1.0f / q.scale), zero = _mm512_set1_ps(float(q.zero));
  const __m512 lo = _mm512_setzero_ps(), hi = _mm512_set1_ps(255.0f);
  Index i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 t = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), inv, zero);
    t = _mm512_min_ps(_mm512_max_ps(t, lo), hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(t)));
  }
  for (; i < n; ++i) out[i] = quantize_u8(x[i], q);
}

OCR_VNNI void value_range_avx512(const float* x, Index n, float* lo, float* hi) {
  __m512 a = _mm512_set1_ps(x[0]), b = a;
  Index i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    a = _mm512_min_ps(a, v);
    b = _mm512_max_ps(b, v);
  }
  // Through memory: GCC 12's _mm512_reduce_min_ps warns of an undefined register it reads.
  alignas(64) float la[16], lb[16];
  _mm512_store_ps(la, a);
  _mm512_store_ps(lb, b);
  float l = la[0], h = lb[0];
  for (int t = 1; t < 16; ++t) l = std::min(l, la[t]), h = std::max(h, lb[t]);
  for (; i < n; ++i) l = std::min(l, x[i]), h = std::max(h, x[i]);
  *lo = l;
  *hi = h;
}

OCR_VNNI inline __mmask16 row_mask(Index rows) {
  return rows >= 16 ? __mmask16(0xFFFF) : rows <= 0 ? __mmask16(0) : __mmask16((1u << rows) - 1);
}

// B in pieces: piece g holds quads[g] groups of every column, column j's at base[g] + j·ldb.
struct Pieces {
  const std::uint8_t* const* base;
  const Index* quads;
  int count;
};

// One register block: NV panels of 16 rows × NR columns of C, from column j0 of B. Column j's
// group q of piece g sits at base[g] + (j0 + j)·ldb + 4q; panel v's group (the pieces' quads
// counted on) at a0 (a1) + 64·group.
template <int NV, int NR>
OCR_VNNI void block(const std::int8_t* a0, const std::int8_t* a1, Pieces pieces, Index j0,
                    Index ldb, const float* scale, const std::int32_t* sums, U8Quant bq, float* c,
                    Index ldc, Index rows, bool accumulate) {
  // Sums typed as 16 ints, as VPDPBUSD sees them: held as __m512i (8 × int64) GCC 12 kept the
  // whole array on the stack, loading and storing every sum in every step.
  __v16si s[NV][NR];
#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) s[v][j] = (__v16si)_mm512_setzero_si512();
  for (int g = 0; g < pieces.count; ++g) {
    const std::uint8_t* b = pieces.base[g] + j0 * ldb;
    const Index quads = pieces.quads[g];
    for (Index q = 0; q < quads; ++q, a0 += 64, a1 += 64) {
      const __m512i av0 = _mm512_loadu_si512(a0);
      const __m512i av1 = NV > 1 ? _mm512_loadu_si512(a1) : av0;
#pragma GCC unroll 16
      for (int j = 0; j < NR; ++j) {
        int group;
        std::memcpy(&group, b + j * ldb + 4 * q, 4);
        const __m512i bj = _mm512_set1_epi32(group);
        s[0][j] = (__v16si)_mm512_dpbusd_epi32((__m512i)s[0][j], bj, av0);
        if (NV > 1) s[NV - 1][j] = (__v16si)_mm512_dpbusd_epi32((__m512i)s[NV - 1][j], bj, av1);
      }
    }
  }
  const __m512i zb = _mm512_set1_epi32(bq.zero);
  const __m512 sb = _mm512_set1_ps(bq.scale);
  __m512i corr[NV];
  __m512 sc[NV];
  __mmask16 mask[NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) {
    corr[v] = _mm512_mullo_epi32(zb, _mm512_loadu_si512(sums + 16 * v));
    sc[v] = _mm512_mul_ps(_mm512_loadu_ps(scale + 16 * v), sb);
    mask[v] = row_mask(rows - 16 * v);
  }
#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      float* cj = c + j * ldc + 16 * v;
      // The zero-masking form: GCC 12 warns that the plain one reads an undefined register.
      const __m512 x = _mm512_maskz_cvtepi32_ps(0xFFFF, _mm512_sub_epi32((__m512i)s[v][j], corr[v]));
      const __m512 y = accumulate ? _mm512_fmadd_ps(x, sc[v], _mm512_maskz_loadu_ps(mask[v], cj))
                                  : _mm512_mul_ps(x, sc[v]);
      _mm512_mask_storeu_ps(cj, mask[v], y);
    }
}

template <int NV>
OCR_VNNI void block_cols(int nr, const std::int8_t* a0, const std::int8_t* a1, Pieces pieces, Index j0,
                         Index ldb, const float* scale, const std::int32_t* sums,
                         U8Quant bq, float* c, Index ldc, Index rows, bool acc) {
  switch (nr) {
#define OCR_INT8_CASE(N) \
  case N: block<NV, N>(a0, a1, pieces, j0, ldb, scale, sums, bq, c, ldc, rows, acc); break;
    OCR_INT8_CASE(12) OCR_INT8_CASE(11) OCR_INT8_CASE(10) OCR_INT8_CASE(9) OCR_INT8_CASE(8)
    OCR_INT8_CASE(7) OCR_INT8_CASE(6) OCR_INT8_CASE(5) OCR_INT8_CASE(4) OCR_INT8_CASE(3)
    OCR_INT8_CASE(2)
#undef OCR_INT8_CASE
    default: block<NV, 1>(a0, a1, pieces, j0, ldb, scale, sums, bq, c, ldc, rows, acc); break;
  }
}

// One column of B (an LSTM's recurrence, one line at a time): NV panels at once, so that NV
// chains of dependent VPDPBUSDs are in flight where the block kernel's one column has two.
template <int NV>
OCR_VNNI void gemv_panels(const std::int8_t* a, Index panel_size, Index quads, const std::uint8_t* b,
                          const float* scale, const std::int32_t* sums, U8Quant bq, float* c, Index rows,
                          bool accumulate) {
  __v16si s[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) s[v] = (__v16si)_mm512_setzero_si512();
  for (Index q = 0; q < quads; ++q) {
    int group;
    std::memcpy(&group, b + 4 * q, 4);
    const __m512i bq4 = _mm512_set1_epi32(group);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      s[v] = (__v16si)_mm512_dpbusd_epi32((__m512i)s[v], bq4, _mm512_loadu_si512(a + v * panel_size + 64 * q));
  }
  const __m512i zb = _mm512_set1_epi32(bq.zero);
  const __m512 sb = _mm512_set1_ps(bq.scale);
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {  // the block kernel's epilogue, for the same bits
    const __m512i corr = _mm512_mullo_epi32(zb, _mm512_loadu_si512(sums + 16 * v));
    const __m512 sc = _mm512_mul_ps(_mm512_loadu_ps(scale + 16 * v), sb);
    const __mmask16 mask = row_mask(rows - 16 * v);
    float* cv = c + 16 * v;
    const __m512 x = _mm512_maskz_cvtepi32_ps(0xFFFF, _mm512_sub_epi32((__m512i)s[v], corr));
    const __m512 y = accumulate ? _mm512_fmadd_ps(x, sc, _mm512_maskz_loadu_ps(mask, cv)) : _mm512_mul_ps(x, sc);
    _mm512_mask_storeu_ps(cv, mask, y);
  }
}

OCR_VNNI void gemv_int8_vnni(const Int8Panels& a, const std::uint8_t* b, U8Quant bq, float* c, bool accumulate) {
  const Index panel_size = a.quads * kPanelRows * 4;
  for (Index r0 = 0; r0 < a.rows; r0 += 4 * kPanelRows) {
    const Index rows = std::min<Index>(4 * kPanelRows, a.rows - r0);
    const std::int8_t* a0 = a.data.data() + (r0 / kPanelRows) * panel_size;
    const float* sc = a.scale.data() + r0;
    const std::int32_t* sums = a.sums.data() + r0;
    switch ((rows + kPanelRows - 1) / kPanelRows) {
      case 4: gemv_panels<4>(a0, panel_size, a.quads, b, sc, sums, bq, c + r0, rows, accumulate); break;
      case 3: gemv_panels<3>(a0, panel_size, a.quads, b, sc, sums, bq, c + r0, rows, accumulate); break;
      case 2: gemv_panels<2>(a0, panel_size, a.quads, b, sc, sums, bq, c + r0, rows, accumulate); break;
      default: gemv_panels<1>(a0, panel_size, a.quads, b, sc, sums, bq, c + r0, rows, accumulate); break;
    }
  }
}

// A column block of B (12 columns × all groups) stays in L1 while every pair of panels visits it.
OCR_VNNI void gemm_pieces_vnni(const Int8Panels& a, Pieces pieces, Index ldb, U8Quant bq, float* c,
                               Index ldc, Index p, bool accumulate) {
  const Index panel_size = a.quads * kPanelRows * 4;
  for (Index p0 = 0; p0 < p; p0 += kNR) {
    const int nr = int(std::min<Index>(kNR, p - p0));
    for (Index r0 = 0, pn = 0; r0 < a.rows; r0 += 2 * kPanelRows, pn += 2) {
      const Index rows = std::min<Index>(2 * kPanelRows, a.rows - r0);
      const std::int8_t* a0 = a.data.data() + pn * panel_size;
      const float* sc = a.scale.data() + r0;
      const std::int32_t* sums = a.sums.data() + r0;
      if (rows > kPanelRows)
        block_cols<2>(nr, a0, a0 + panel_size, pieces, p0, ldb, sc, sums, bq, c + p0 * ldc + r0, ldc,
                      rows, accumulate);
      else
        block_cols<1>(nr, a0, a0, pieces, p0, ldb, sc, sums, bq, c + p0 * ldc + r0, ldc, rows, accumulate);
    }
  }
}

OCR_VNNI void gemm_int8_vnni(const Int8Panels& a, const std::uint8_t* b, Index ldb, U8Quant bq,
                             float* c, Index ldc, Index p, bool accumulate) {
  if (p == 1) return gemv_int8_vnni(a, b, bq, c, accumulate);
  const Index quads = a.quads;
  gemm_pieces_vnni(a, Pieces{&b, &quads, 1}, ldb, bq, c, ldc, p, accumulate);
}

// AVX2 without VNNI (AMD Zen 2/3, Intel before Ice Lake): VPMADDUBSW would sum u8 × s8 pairs
// into saturating int16 (255 · 127 · 2 does not fit), so both operands are widened to int16 and
// VPMADDWD sums each pair into int32 exactly: the same integer sums as VPDPBUSD, and with the
// same float epilogue the same bits. Half a panel (8 rows × 4 bytes of a group) widens into two
// vectors of 4 rows × 4 int16; each row's two pair sums sit side by side until the epilogue adds
// them.

OCR_AVX2 void quantize_u8_avx2(const float* x, Index n, U8Quant q, std::uint8_t* out) {
  const __m256 inv = _mm256_set1_ps(1.0f / q.scale), zero = _mm256_set1_ps(float(q.zero));
  const __m256 lo = _mm256_setzero_ps(), hi = _mm256_set1_ps(255.0f);
  Index i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 t0 = _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(_mm256_loadu_ps(x + i), inv, zero), lo), hi);
    const __m256 t1 = _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), inv, zero), lo), hi);
    // int32 -> int16 (in 128-bit lanes: 0-3, 8-11 | 4-7, 12-15), put in order, -> u8.
    const __m256i w = _mm256_permute4x64_epi64(
        _mm256_packs_epi32(_mm256_cvtps_epi32(t0), _mm256_cvtps_epi32(t1)), 0xD8);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)));
  }
  for (; i < n; ++i) out[i] = quantize_u8(x[i], q);
}

OCR_AVX2 void value_range_avx2(const float* x, Index n, float* lo, float* hi) {
  __m256 a = _mm256_set1_ps(x[0]), b = a;
  Index i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    a = _mm256_min_ps(a, v);
    b = _mm256_max_ps(b, v);
  }
  alignas(32) float la[8], lb[8];
  _mm256_store_ps(la, a);
  _mm256_store_ps(lb, b);
  float l = la[0], h = lb[0];
  for (int t = 1; t < 8; ++t) l = std::min(l, la[t]), h = std::max(h, lb[t]);
  for (; i < n; ++i) l = std::min(l, x[i]), h = std::max(h, x[i]);
  *lo = l;
  *hi = h;
}

// Rows 0-3 (4-7) of a half panel's group, as int16.
OCR_AVX2 inline __m256i rows_s16(const std::int8_t* a) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)));
}

// A group of a column of B, widened beforehand to 4 int16, broadcast 4 times: one load, where
// widening it here cost three instructions for every group of every column in every row block.
OCR_AVX2 inline __m256i group_s16(const std::int16_t* b) {
  std::int64_t group;
  std::memcpy(&group, b, 8);
  return _mm256_set1_epi64x(group);
}

// The 8 rows' sums from the pair sums of rows 0-3 (lo) and 4-7 (hi).
OCR_AVX2 inline __m256i row_sums(__m256i lo, __m256i hi) {
  // hadd gives rows 0 1 4 5 | 2 3 6 7 (per 128-bit lane); the permutation puts them in order.
  return _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo, hi), 0xD8);
}

OCR_AVX2 inline __m256i lane_mask(Index rows) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(std::min<Index>(rows, 8))), lanes);
}

// The epilogue of the VNNI kernel and the scalar loops on 8 rows (the first `rows` stored).
OCR_AVX2 inline void store_rows8(__m256i sum, const float* scale, const std::int32_t* sums, U8Quant bq, float* c,
                                 Index rows, bool accumulate) {
  const __m256i corr = _mm256_mullo_epi32(_mm256_set1_epi32(bq.zero),
                                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sums)));
  const __m256 sc = _mm256_mul_ps(_mm256_loadu_ps(scale), _mm256_set1_ps(bq.scale));
  const __m256 x = _mm256_cvtepi32_ps(_mm256_sub_epi32(sum, corr));
  if (rows >= 8) {
    _mm256_storeu_ps(c, accumulate ? _mm256_fmadd_ps(x, sc, _mm256_loadu_ps(c)) : _mm256_mul_ps(x, sc));
  } else {
    const __m256i mask = lane_mask(rows);
    const __m256 y = accumulate ? _mm256_fmadd_ps(x, sc, _mm256_maskload_ps(c, mask)) : _mm256_mul_ps(x, sc);
    _mm256_maskstore_ps(c, mask, y);
  }
}

constexpr int kNR2 = 5;  // columns per register block: 2 × 5 accumulators, 2 rows, 1 group, 2 products

// Columns j0 .. j0 + n of B (in pieces) widened to int16, each 4 · quads long, one after another.
OCR_AVX2 void widen_columns(Pieces pieces, Index j0, int n, Index ldb, Index quads, std::int16_t* out) {
  for (int j = 0; j < n; ++j) {
    std::int16_t* col = out + j * 4 * quads;
    for (int g = 0; g < pieces.count; ++g) {
      const std::uint8_t* b = pieces.base[g] + (j0 + j) * ldb;
      const Index len = 4 * pieces.quads[g];
      Index r = 0;
      for (; r + 16 <= len; r += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(col + r),
                            _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + r))));
      for (; r < len; ++r) col[r] = std::int16_t(b[r]);
      col += len;
    }
  }
}

// 8 rows (half a panel, from a: the panel's base + 32 · half) × NR columns of C, from NR
// widened columns of B (ld int16 apart).
template <int NR>
OCR_AVX2 void block_avx2(const std::int8_t* a, const std::int16_t* b, Index ld, Index quads, const float* scale,
                         const std::int32_t* sums, U8Quant bq, float* c, Index ldc, Index rows, bool accumulate) {
  __m256i lo[NR], hi[NR];
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j) lo[j] = hi[j] = _mm256_setzero_si256();
  for (Index q = 0; q < quads; ++q, a += 64, b += 4) {
    const __m256i w0 = rows_s16(a), w1 = rows_s16(a + 16);
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) {
      const __m256i bj = group_s16(b + j * ld);
      lo[j] = _mm256_add_epi32(lo[j], _mm256_madd_epi16(w0, bj));
      hi[j] = _mm256_add_epi32(hi[j], _mm256_madd_epi16(w1, bj));
    }
  }
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j) store_rows8(row_sums(lo[j], hi[j]), scale, sums, bq, c + j * ldc, rows, accumulate);
}

OCR_AVX2 void block_cols_avx2(int nr, const std::int8_t* a, const std::int16_t* b, Index ld, Index quads,
                              const float* scale, const std::int32_t* sums, U8Quant bq, float* c, Index ldc,
                              Index rows, bool acc) {
  switch (nr) {
#define OCR_INT8_CASE(N) \
  case N: block_avx2<N>(a, b, ld, quads, scale, sums, bq, c, ldc, rows, acc); break;
    OCR_INT8_CASE(5) OCR_INT8_CASE(4) OCR_INT8_CASE(3) OCR_INT8_CASE(2)
#undef OCR_INT8_CASE
    default: block_avx2<1>(a, b, ld, quads, scale, sums, bq, c, ldc, rows, acc); break;
  }
}

// Each block of kNR2 columns of B is widened once, then every half panel of A visits it.
OCR_AVX2 void gemm_pieces_avx2(const Int8Panels& a, Pieces pieces, Index ldb, U8Quant bq, float* c, Index ldc,
                               Index p, bool accumulate) {
  const Index panel_size = a.quads * kPanelRows * 4, ld = 4 * a.quads;
  thread_local std::vector<std::int16_t> wide;
  wide.resize(size_t(kNR2 * ld));
  for (Index p0 = 0; p0 < p; p0 += kNR2) {
    const int nr = int(std::min<Index>(kNR2, p - p0));
    widen_columns(pieces, p0, nr, ldb, a.quads, wide.data());
    for (Index r0 = 0; r0 < a.rows; r0 += 8) {
      const std::int8_t* half = a.data.data() + (r0 / kPanelRows) * panel_size + 32 * ((r0 % kPanelRows) / 8);
      block_cols_avx2(nr, half, wide.data(), ld, a.quads, a.scale.data() + r0, a.sums.data() + r0, bq,
                      c + p0 * ldc + r0, ldc, a.rows - r0, accumulate);
    }
  }
}

// One column of B: NH half panels at once (independent chains, one group load for all).
template <int NH>
OCR_AVX2 void gemv_halves(const std::int8_t* a, Index panel_size, Index quads, const std::int16_t* b,
                          const float* scale, const std::int32_t* sums, U8Quant bq, float* c, Index rows,
                          bool accumulate) {
  __m256i lo[NH], hi[NH];
#pragma GCC unroll 4
  for (int h = 0; h < NH; ++h) lo[h] = hi[h] = _mm256_setzero_si256();
  for (Index q = 0; q < quads; ++q) {
    const __m256i bq4 = group_s16(b + 4 * q);
#pragma GCC unroll 4
    for (int h = 0; h < NH; ++h) {
      const std::int8_t* ah = a + (h / 2) * panel_size + 32 * (h % 2) + 64 * q;
      lo[h] = _mm256_add_epi32(lo[h], _mm256_madd_epi16(rows_s16(ah), bq4));
      hi[h] = _mm256_add_epi32(hi[h], _mm256_madd_epi16(rows_s16(ah + 16), bq4));
    }
  }
#pragma GCC unroll 4
  for (int h = 0; h < NH; ++h)
    store_rows8(row_sums(lo[h], hi[h]), scale + 8 * h, sums + 8 * h, bq, c + 8 * h, rows - 8 * h, accumulate);
}

OCR_AVX2 void gemv_int8_avx2(const Int8Panels& a, const std::uint8_t* b, U8Quant bq, float* c, bool accumulate) {
  const Index panel_size = a.quads * kPanelRows * 4;
  thread_local std::vector<std::int16_t> wide;
  wide.resize(size_t(4 * a.quads));
  const Index quads = a.quads;
  widen_columns(Pieces{&b, &quads, 1}, 0, 1, 0, a.quads, wide.data());
  for (Index r0 = 0; r0 < a.rows; r0 += 2 * kPanelRows) {
    const Index rows = std::min<Index>(2 * kPanelRows, a.rows - r0);
    const std::int8_t* a0 = a.data.data() + (r0 / kPanelRows) * panel_size;
    const float* sc = a.scale.data() + r0;
    const std::int32_t* sums = a.sums.data() + r0;
    const std::int16_t* w = wide.data();
    switch ((rows + 7) / 8) {
      case 4: gemv_halves<4>(a0, panel_size, a.quads, w, sc, sums, bq, c + r0, rows, accumulate); break;
      case 3: gemv_halves<3>(a0, panel_size, a.quads, w, sc, sums, bq, c + r0, rows, accumulate); break;
      case 2: gemv_halves<2>(a0, panel_size, a.quads, w, sc, sums, bq, c + r0, rows, accumulate); break;
      default: gemv_halves<1>(a0, panel_size, a.quads, w, sc, sums, bq, c + r0, rows, accumulate); break;
    }
  }
}

OCR_AVX2 void gemm_int8_avx2(const Int8Panels& a, const std::uint8_t* b, Index ldb, U8Quant bq, float* c, Index ldc,
                             Index p, bool accumulate) {
  if (p == 1) return gemv_int8_avx2(a, b, bq, c, accumulate);
  const Index quads = a.quads;
  gemm_pieces_avx2(a, Pieces{&b, &quads, 1}, ldb, bq, c, ldc, p, accumulate);
}

Int8Kernel best_int8_kernel() {
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
    return Int8Kernel::Vnni;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Int8Kernel::Avx2;
  return Int8Kernel::Scalar;
}

}  // namespace

void quantize_u8(const float* x, Index n, U8Quant q, std::uint8_t* out) {
  switch (int8_kernel()) {
    case Int8Kernel::Vnni: return quantize_u8_avx512(x, n, q, out);
    case Int8Kernel::Avx2: return quantize_u8_avx2(x, n, q, out);
    case Int8Kernel::Scalar: break;
  }
  for (Index i = 0; i < n; ++i) out[i] = quantize_u8(x[i], q);
}

void value_range(const float* x, Index n, float* lo, float* hi) {
  if (n <= 0) {
    *lo = *hi = 0;
    return;
  }
  switch (int8_kernel()) {
    case Int8Kernel::Vnni: return value_range_avx512(x, n, lo, hi);
    case Int8Kernel::Avx2: return value_range_avx2(x, n, lo, hi);
    case Int8Kernel::Scalar: break;
  }
  const auto [l, h] = std::minmax_element(x, x + n);
  *lo = *l;
  *hi = *h;
}

void gemm_int8(const Int8Panels& a, const std::uint8_t* b, Index ldb, U8Quant bq, float* c,
               Index ldc, Index p, bool accumulate) {
  switch (int8_kernel()) {
    case Int8Kernel::Vnni: return gemm_int8_vnni(a, b, ldb, bq, c, ldc, p, accumulate);
    case Int8Kernel::Avx2: return gemm_int8_avx2(a, b, ldb, bq, c, ldc, p, accumulate);
    case Int8Kernel::Scalar: break;
  }
  gemm_int8_scalar(a, b, ldb, bq, c, ldc, p, accumulate);
}

void gemm_int8_pieces(const Int8Panels& a, const std::uint8_t* const* base, const Index* quads, int pieces,
                      Index ldb, U8Quant bq, float* c, Index ldc, Index p, bool accumulate) {
  check_pieces(a, quads, pieces);
  switch (int8_kernel()) {
    case Int8Kernel::Vnni: return gemm_pieces_vnni(a, Pieces{base, quads, pieces}, ldb, bq, c, ldc, p, accumulate);
    case Int8Kernel::Avx2: return gemm_pieces_avx2(a, Pieces{base, quads, pieces}, ldb, bq, c, ldc, p, accumulate);
    case Int8Kernel::Scalar: break;
  }
  gemm_int8_pieces_scalar(a, base, quads, pieces, ldb, bq, c, ldc, p, accumulate);
}

#else

namespace {
Int8Kernel best_int8_kernel() { return Int8Kernel::Scalar; }
}  // namespace

void gemm_int8_pieces(const Int8Panels& a, const std::uint8_t* const* base, const Index* quads, int pieces,
                      Index ldb, U8Quant bq, float* c, Index ldc, Index p, bool accumulate) {
  check_pieces(a, quads, pieces);
  gemm_int8_pieces_scalar(a, base, quads, pieces, ldb, bq, c, ldc, p, accumulate);
}

void quantize_u8(const float* x, Index n, U8Quant q, std::uint8_t* out) {
  for (Index i = 0; i < n; ++i) out[i] = quantize_u8(x[i], q);
}

void value_range(const float* x, Index n, float* lo, float* hi) {
  if (n <= 0) {
    *lo = *hi = 0;
    return;
  }
  const auto [l, h] = std::minmax_element(x, x + n);
  *lo = *l;
  *hi = *h;
}

void gemm_int8(const Int8Panels& a, const std::uint8_t* b, Index ldb, U8Quant bq, float* c,
               Index ldc, Index p, bool accumulate) {
  gemm_int8_scalar(a, b, ldb, bq, c, ldc, p, accumulate);
}

#endif

namespace {
// -1: none; else an Int8Kernel. Process-wide, so that the threads a recognizer reads on follow it.
std::atomic<int> kernel_override{-1};
}  // namespace

std::vector<Int8Kernel> int8_kernels_on_this_cpu() {
  static const Int8Kernel best = best_int8_kernel();
  std::vector<Int8Kernel> out{Int8Kernel::Scalar};
  if (best == Int8Kernel::Avx2 || best == Int8Kernel::Vnni) out.push_back(Int8Kernel::Avx2);
  if (best == Int8Kernel::Vnni) out.push_back(Int8Kernel::Vnni);
  return out;
}

Int8Kernel int8_kernel() {
  static const Int8Kernel best = best_int8_kernel();
  const int forced = kernel_override.load(std::memory_order_relaxed);
  return forced >= 0 ? Int8Kernel(forced) : best;
}

bool gemm_int8_is_native() { return int8_kernel() != Int8Kernel::Scalar; }

const char* int8_kernel_name(Int8Kernel k) {
  switch (k) {
    case Int8Kernel::Vnni: return "AVX512-VNNI";
    case Int8Kernel::Avx2: return "AVX2";
    case Int8Kernel::Scalar: break;
  }
  return "scalar";
}

ScopedInt8Kernel::ScopedInt8Kernel(Int8Kernel kernel) {
  const std::vector<Int8Kernel> here = int8_kernels_on_this_cpu();
  if (std::find(here.begin(), here.end(), kernel) == here.end())
    throw Error(std::string("int8 kernel ") + int8_kernel_name(kernel) + " does not run on this CPU");
  previous_ = kernel_override.exchange(int(kernel));
}

ScopedInt8Kernel::~ScopedInt8Kernel() { kernel_override.store(previous_); }

void gemm_int8_scalar(const Int8Panels& a, const std::uint8_t* b, Index ldb, U8Quant bq, float* c,
                      Index ldc, Index p, bool accumulate) {
  const Index panel_size = a.quads * kPanelRows * 4;
  for (Index j = 0; j < p; ++j)
    for (Index i = 0; i < a.rows; ++i) {
      const std::int8_t* row = a.data.data() + (i / kPanelRows) * panel_size + (i % kPanelRows) * 4;
      std::int32_t sum = 0;
      for (Index k = 0; k < 4 * a.quads; ++k)
        sum += std::int32_t(b[j * ldb + k]) * std::int32_t(row[(k / 4) * kPanelRows * 4 + k % 4]);
      const float x = float(sum - bq.zero * a.sums[size_t(i)]);
      const float s = a.scale[size_t(i)] * bq.scale;
      float& out = c[j * ldc + i];
      out = accumulate ? std::fma(x, s, out) : x * s;
    }
}

void gemm_int8_pieces_scalar(const Int8Panels& a, const std::uint8_t* const* base, const Index* quads,
                             int pieces, Index ldb, U8Quant bq, float* c, Index ldc, Index p, bool accumulate) {
  check_pieces(a, quads, pieces);
  const Index panel_size = a.quads * kPanelRows * 4;
  for (Index j = 0; j < p; ++j)
    for (Index i = 0; i < a.rows; ++i) {
      const std::int8_t* row = a.data.data() + (i / kPanelRows) * panel_size + (i % kPanelRows) * 4;
      std::int32_t sum = 0;
      Index group = 0;  // A's quad, counted on across the pieces
      for (int g = 0; g < pieces; ++g)
        for (Index q = 0; q < quads[g]; ++q, ++group)
          for (Index t = 0; t < 4; ++t)
            sum += std::int32_t(base[g][j * ldb + 4 * q + t]) * std::int32_t(row[group * kPanelRows * 4 + t]);
      const float x = float(sum - bq.zero * a.sums[size_t(i)]);
      const float s = a.scale[size_t(i)] * bq.scale;
      float& out = c[j * ldc + i];
      out = accumulate ? std::fma(x, s, out) : x * s;
    }
}

void gemm_int8(const Int8Panels& a, const float* b, Index ldb, Index k, float* c, Index ldc,
               Index p, bool accumulate, std::vector<std::uint8_t>& scratch) {
  const Index ld = 4 * a.quads;
  float lo = 0, hi = 0;
  for (Index j = 0; j < p && k > 0; ++j) {
    float l, h;
    value_range(b + j * ldb, k, &l, &h);
    lo = std::min(lo, l), hi = std::max(hi, h);
  }
  const U8Quant q = u8_quant_for_range(lo, hi);
  scratch.resize(size_t(ld * p));
  for (Index j = 0; j < p; ++j) {
    quantize_u8(b + j * ldb, k, q, scratch.data() + j * ld);
    std::fill(scratch.data() + j * ld + k, scratch.data() + (j + 1) * ld, std::uint8_t(q.zero));
  }
  gemm_int8(a, scratch.data(), ld, q, c, ldc, p, accumulate);
}

}  // namespace ocr
