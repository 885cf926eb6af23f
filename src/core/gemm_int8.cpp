#include "ocr/core/gemm_int8.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "ocr/core/error.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define OCR_INT8_X86 1
// Compiled for VNNI whatever the build's -march, called only where the CPU has it.
#define OCR_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
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
  float l = _mm512_reduce_min_ps(a), h = _mm512_reduce_max_ps(b);
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

}  // namespace

bool gemm_int8_is_native() {
  static const bool native = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  return native;
}

void quantize_u8(const float* x, Index n, U8Quant q, std::uint8_t* out) {
  if (gemm_int8_is_native()) return quantize_u8_avx512(x, n, q, out);
  for (Index i = 0; i < n; ++i) out[i] = quantize_u8(x[i], q);
}

void value_range(const float* x, Index n, float* lo, float* hi) {
  if (n <= 0) {
    *lo = *hi = 0;
    return;
  }
  if (gemm_int8_is_native()) return value_range_avx512(x, n, lo, hi);
  const auto [l, h] = std::minmax_element(x, x + n);
  *lo = *l;
  *hi = *h;
}

void gemm_int8(const Int8Panels& a, const std::uint8_t* b, Index ldb, U8Quant bq, float* c,
               Index ldc, Index p, bool accumulate) {
  if (gemm_int8_is_native()) return gemm_int8_vnni(a, b, ldb, bq, c, ldc, p, accumulate);
  gemm_int8_scalar(a, b, ldb, bq, c, ldc, p, accumulate);
}

void gemm_int8_pieces(const Int8Panels& a, const std::uint8_t* const* base, const Index* quads, int pieces,
                      Index ldb, U8Quant bq, float* c, Index ldc, Index p, bool accumulate) {
  check_pieces(a, quads, pieces);
  if (gemm_int8_is_native()) return gemm_pieces_vnni(a, Pieces{base, quads, pieces}, ldb, bq, c, ldc, p, accumulate);
  gemm_int8_pieces_scalar(a, base, quads, pieces, ldb, bq, c, ldc, p, accumulate);
}

#else

void gemm_int8_pieces(const Int8Panels& a, const std::uint8_t* const* base, const Index* quads, int pieces,
                      Index ldb, U8Quant bq, float* c, Index ldc, Index p, bool accumulate) {
  check_pieces(a, quads, pieces);
  gemm_int8_pieces_scalar(a, base, quads, pieces, ldb, bq, c, ldc, p, accumulate);
}

bool gemm_int8_is_native() { return false; }

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
