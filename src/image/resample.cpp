#include "ocr/image/resample.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "ocr/core/error.h"

namespace ocr {

namespace {

struct Taps {
  std::vector<int> first;    // output i's taps are [first[i], first[i + 1])
  std::vector<int> source;   // source index of each tap
  std::vector<float> weight;  // the share of output i that source pixel covers
};

// Output pixel i covers source [i·s, (i + 1)·s), s = in / out; each source pixel it overlaps
// weighs by the overlap, over s.
Taps area_taps(int in, int out) {
  Taps t;
  const double s = double(in) / out;
  t.first.push_back(0);
  for (int i = 0; i < out; ++i) {
    const double a = i * s, b = std::min(double(in), (i + 1) * s);
    for (int x = int(std::floor(a)); x < in && x < b; ++x) {
      const double w = (std::min(b, x + 1.0) - std::max(a, double(x))) / s;
      if (w <= 1e-9) continue;
      t.source.push_back(x);
      t.weight.push_back(float(w));
    }
    t.first.push_back(int(t.source.size()));
  }
  return t;
}

}  // namespace

void area_resize(const cv::Mat& src, cv::Mat& dst, double f) {
  area_resize(src, dst, cv::Size(std::max(1, cv::saturate_cast<int>(src.cols * f)), std::max(1, cv::saturate_cast<int>(src.rows * f))));
}

void area_resize(const cv::Mat& src, cv::Mat& dst, cv::Size size) {
  // Whole factors on both sides: OpenCV's own fast path (k × k blocks) is quicker still.
  const bool whole = size.width > 0 && size.height > 0 && src.cols % size.width == 0 && src.rows % size.height == 0;
  if (src.type() != CV_8UC1 || src.empty() || whole || size.width <= 0 || size.height <= 0 ||
      size.width > src.cols || size.height > src.rows) {
    cv::resize(src, dst, size, 0, 0, cv::INTER_AREA);
    return;
  }
  const int W = src.cols;
  const Taps rows = area_taps(src.rows, size.height), cols = area_taps(W, size.width);
  cv::Mat out(size, CV_8UC1);
  std::vector<float> acc(size_t(W), 0.f);
  for (int r = 0; r < size.height; ++r) {
    // Rows: the weighted sum of the source rows this output row covers, whole rows at a time.
    std::fill(acc.begin(), acc.end(), 0.f);
    for (int k = rows.first[size_t(r)]; k < rows.first[size_t(r) + 1]; ++k) {
      const uint8_t* s = src.ptr<uint8_t>(rows.source[size_t(k)]);
      const float w = rows.weight[size_t(k)];
      float* a = acc.data();
      for (int x = 0; x < W; ++x) a[x] += w * float(s[x]);
    }
    // Columns, on the one summed row.
    uint8_t* o = out.ptr<uint8_t>(r);
    for (int c = 0; c < size.width; ++c) {
      float v = 0;
      for (int k = cols.first[size_t(c)]; k < cols.first[size_t(c) + 1]; ++k)
        v += cols.weight[size_t(k)] * acc[size_t(cols.source[size_t(k)])];
      o[c] = cv::saturate_cast<uint8_t>(v);
    }
  }
  dst = out;
}


namespace {

// Keys' cubic convolution weights for a sample at fraction t past tap 1 of taps 0..3, a = -0.75
// (OpenCV's interpolateCubic).
inline void cubic_weights(float t, float w[4]) {
  constexpr float a = -0.75f;
  const float x0 = t + 1, x2 = 1 - t;
  w[0] = ((a * x0 - 5 * a) * x0 + 8 * a) * x0 - 4 * a;
  w[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  w[2] = ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1;
  w[3] = 1.f - w[0] - w[1] - w[2];
}

constexpr int kPad = 5;  // border samples beyond each end of a padded row or column

// The two passes' geometry: out(x, y) = src(A x + B y + C, D x + E y + F) (the inverse map).
// Pass 1 resamples each source row v along u = a x + b v + c (the map with y eliminated for v),
// into T (out.width × src.rows, padded by kPad border rows above and below); pass 2 reads T's
// column x at v = D x + E y + F.
struct TwoPass {
  double a, b, c, D, E, F;
};

TwoPass two_pass(const cv::Mat& forward) {
  if (forward.rows != 2 || forward.cols != 3) throw ShapeError("warp_affine_cubic: expected a 2x3 map");
  cv::Mat inv;
  cv::invertAffineTransform(forward, inv);
  inv.convertTo(inv, CV_64F);
  const double A = inv.at<double>(0, 0), B = inv.at<double>(0, 1), C = inv.at<double>(0, 2);
  const double D = inv.at<double>(1, 0), E = inv.at<double>(1, 1), F = inv.at<double>(1, 2);
  if (!(std::abs(E) > 1e-9)) throw ShapeError("warp_affine_cubic: the map turns by 90 degrees or more");
  return {A - B * D / E, B / E, C - B * F / E, D, E, F};
}

// A source row as floats with kPad border samples each side.
void padded_row(const cv::Mat& src, int v, float border, std::vector<float>& row) {
  row.assign(size_t(src.cols + 2 * kPad), border);
  const uint8_t* s = src.ptr<uint8_t>(v);
  for (int x = 0; x < src.cols; ++x) row[size_t(x + kPad)] = s[x];
}

// The tap before the sample, clamped so that all four taps fall inside the padding: a sample
// further out reads border samples only, as it should.
inline int first_tap(float p, int n, float* t) {
  const float f = std::floor(p);
  *t = p - f;
  const int i = int(std::clamp(f, -3.f, float(n) + 2.f));
  return i - 1;
}

}  // namespace

void warp_affine_cubic_reference(const cv::Mat& src, cv::Mat& dst, const cv::Mat& forward, cv::Size size,
                                 uint8_t border) {
  if (src.type() != CV_8UC1 || src.empty()) throw ShapeError("warp_affine_cubic: expected a CV_8UC1 image");
  const TwoPass m = two_pass(forward);
  const int W = src.cols, H = src.rows, OW = size.width, OH = size.height;
  const int TH = H + 2 * kPad;
  std::vector<float> T(size_t(TH) * size_t(OW), float(border)), row;
  for (int v = 0; v < H; ++v) {
    padded_row(src, v, border, row);
    float* t_row = T.data() + size_t(v + kPad) * size_t(OW);
    const float slope = float(m.a), offset = float(m.b * v + m.c);
    for (int x = 0; x < OW; ++x) {
      float t, w[4];
      const int i = first_tap(slope * float(x) + offset, W, &t) + kPad;
      cubic_weights(t, w);
      const float* r = row.data() + i;
      t_row[x] = w[0] * r[0] + w[1] * r[1] + w[2] * r[2] + w[3] * r[3];
    }
  }
  cv::Mat out(size, CV_8UC1);
  for (int y = 0; y < OH; ++y) {
    uint8_t* o = out.ptr<uint8_t>(y);
    const float slope = float(m.D), offset = float(m.E * y + m.F);
    for (int x = 0; x < OW; ++x) {
      float t, w[4];
      const int i = first_tap(slope * float(x) + offset, H, &t) + kPad;
      cubic_weights(t, w);
      const float* c = T.data() + size_t(i) * size_t(OW) + size_t(x);
      const float sum = w[0] * c[0] + w[1] * c[OW] + w[2] * c[2 * size_t(OW)] + w[3] * c[3 * size_t(OW)];
      o[x] = cv::saturate_cast<uint8_t>(sum);
    }
  }
  dst = out;
}

#if defined(__AVX512F__)
namespace {

struct Lanes {
  __m512 w0, w1, w2, w3;
  __m512i first;  // the tap before the sample, as warp_affine_cubic_reference clamps it
};

// Sixteen samples at p = slope·x + offset for x = x0 .. x0 + 15.
inline Lanes lanes(float slope, float offset, int x0, int n) {
  const __m512 x = _mm512_add_ps(_mm512_set1_ps(float(x0)),
                                 _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  const __m512 p = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(slope), x), _mm512_set1_ps(offset));
  const __m512 f = _mm512_roundscale_ps(p, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  const __m512 t = _mm512_sub_ps(p, f);
  const __m512 clamped = _mm512_min_ps(_mm512_max_ps(f, _mm512_set1_ps(-3.f)), _mm512_set1_ps(float(n) + 2.f));
  Lanes l;
  l.first = _mm512_sub_epi32(_mm512_cvttps_epi32(clamped), _mm512_set1_epi32(1));
  const __m512 a = _mm512_set1_ps(-0.75f), one = _mm512_set1_ps(1.f);
  const __m512 a2 = _mm512_set1_ps(-0.75f + 2), a3 = _mm512_set1_ps(-0.75f + 3);
  const __m512 x0v = _mm512_add_ps(t, one), x2 = _mm512_sub_ps(one, t);
  // w0 = ((a·x0 - 5a)·x0 + 8a)·x0 - 4a
  __m512 w0 = _mm512_sub_ps(_mm512_mul_ps(a, x0v), _mm512_set1_ps(5 * -0.75f));
  w0 = _mm512_add_ps(_mm512_mul_ps(w0, x0v), _mm512_set1_ps(8 * -0.75f));
  w0 = _mm512_sub_ps(_mm512_mul_ps(w0, x0v), _mm512_set1_ps(4 * -0.75f));
  // w1 = ((a+2)·t - (a+3))·t·t + 1, w2 likewise at 1 - t
  const __m512 w1 = _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_mul_ps(a2, t), a3), t), t), one);
  const __m512 w2 =
      _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_mul_ps(a2, x2), a3), x2), x2), one);
  l.w0 = w0;
  l.w1 = w1;
  l.w2 = w2;
  l.w3 = _mm512_sub_ps(_mm512_sub_ps(_mm512_sub_ps(one, w0), w1), w2);
  return l;
}

}  // namespace
#endif

void warp_affine_cubic(const cv::Mat& src, cv::Mat& dst, const cv::Mat& forward, cv::Size size, uint8_t border) {
#if !defined(__AVX512F__)
  warp_affine_cubic_reference(src, dst, forward, size, border);
#else
  if (src.type() != CV_8UC1 || src.empty()) throw ShapeError("warp_affine_cubic: expected a CV_8UC1 image");
  const TwoPass m = two_pass(forward);
  const int W = src.cols, H = src.rows, OW = size.width, OH = size.height;
  // T's rows are padded to whole vectors, so that the column pass reads 16 lanes anywhere.
  const int stride = (OW + 15) / 16 * 16;
  cv::Mat out(size, CV_8UC1);
  // Bands of output rows, each with the rows of T its columns read (a few more than the source
  // rows it spans): T for the whole page was 2.3 times the source's pixels in floats, 63 MB more
  // at the peak for an A4 page enlarged to 22 px print; a band's stays in the cache.
  constexpr int kBandRows = 128;
  std::vector<float> T, row;
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int y0 = 0; y0 < OH; y0 += kBandRows) {
    const int y1 = std::min(OH, y0 + kBandRows);
    // The first taps this band's samples can take (as first_tap clamps them), one row of slack
    // each side for float rounding at a row's edge.
    double vmin = 1e300, vmax = -1e300;
    for (double x : {0.0, double(stride - 1)})
      for (double y : {double(y0), double(y1 - 1)}) {
        vmin = std::min(vmin, m.D * x + m.E * y + m.F);
        vmax = std::max(vmax, m.D * x + m.E * y + m.F);
      }
    const int lo = int(std::clamp(std::floor(vmin) - 1, -3.0, H + 2.0)) - 1;
    const int hi = int(std::clamp(std::floor(vmax) + 1, -3.0, H + 2.0)) + 2;
    const int rows = hi - lo + 1;
    T.assign(size_t(rows) * size_t(stride), float(border));
    for (int v = std::max(lo, 0); v <= std::min(hi, H - 1); ++v) {
      padded_row(src, v, border, row);
      float* t_row = T.data() + size_t(v - lo) * size_t(stride);
      const float slope = float(m.a), offset = float(m.b * v + m.c);
      const __m512i pad = _mm512_set1_epi32(kPad);
      for (int x = 0; x < OW; x += 16) {
        const Lanes l = lanes(slope, offset, x, W);
        const __m512i i = _mm512_add_epi32(l.first, pad);
        __m512 sum = _mm512_mul_ps(l.w0, _mm512_i32gather_ps(i, row.data(), 4));
        sum = _mm512_fmadd_ps(l.w1, _mm512_i32gather_ps(_mm512_add_epi32(i, _mm512_set1_epi32(1)), row.data(), 4), sum);
        sum = _mm512_fmadd_ps(l.w2, _mm512_i32gather_ps(_mm512_add_epi32(i, _mm512_set1_epi32(2)), row.data(), 4), sum);
        sum = _mm512_fmadd_ps(l.w3, _mm512_i32gather_ps(_mm512_add_epi32(i, _mm512_set1_epi32(3)), row.data(), 4), sum);
        _mm512_storeu_ps(t_row + x, sum);  // within the padded stride
      }
    }
    for (int y = y0; y < y1; ++y) {
      uint8_t* o = out.ptr<uint8_t>(y);
      const float slope = float(m.D), offset = float(m.E * y + m.F);
      for (int x = 0; x < OW; x += 16) {
        const Lanes l = lanes(slope, offset, x, H);
        // Rows of the band's T, clamped as a guard: the slack above keeps them in range.
        const __m512i r = _mm512_min_epi32(_mm512_max_epi32(_mm512_sub_epi32(l.first, _mm512_set1_epi32(lo)),
                                                            _mm512_setzero_si512()),
                                           _mm512_set1_epi32(rows - 4));
        const int first = _mm512_reduce_min_epi32(r), last = _mm512_reduce_max_epi32(r);
        __m512 sum;
        if (first == last) {
          // One row for all sixteen (the common case: a small turn moves v by a pixel only every
          // few hundred columns): four plain loads.
          const float* c = T.data() + size_t(first) * size_t(stride) + size_t(x);
          sum = _mm512_mul_ps(l.w0, _mm512_loadu_ps(c));
          sum = _mm512_fmadd_ps(l.w1, _mm512_loadu_ps(c + stride), sum);
          sum = _mm512_fmadd_ps(l.w2, _mm512_loadu_ps(c + 2 * size_t(stride)), sum);
          sum = _mm512_fmadd_ps(l.w3, _mm512_loadu_ps(c + 3 * size_t(stride)), sum);
        } else {
          const __m512i s = _mm512_set1_epi32(stride);
          const __m512i i = _mm512_add_epi32(_mm512_mullo_epi32(r, s), _mm512_add_epi32(lane, _mm512_set1_epi32(x)));
          sum = _mm512_mul_ps(l.w0, _mm512_i32gather_ps(i, T.data(), 4));
          sum = _mm512_fmadd_ps(l.w1, _mm512_i32gather_ps(_mm512_add_epi32(i, s), T.data(), 4), sum);
          sum = _mm512_fmadd_ps(l.w2, _mm512_i32gather_ps(_mm512_add_epi32(i, _mm512_add_epi32(s, s)), T.data(), 4), sum);
          sum = _mm512_fmadd_ps(
              l.w3, _mm512_i32gather_ps(_mm512_add_epi32(i, _mm512_mullo_epi32(s, _mm512_set1_epi32(3))), T.data(), 4),
              sum);
        }
        // Rounded to nearest and saturated to 0..255, as cv::saturate_cast does.
        const __m512i q = _mm512_cvtps_epi32(sum);
        const __m128i bytes = _mm512_cvtusepi32_epi8(_mm512_max_epi32(q, _mm512_setzero_si512()));
        const int n = std::min(16, OW - x);
        _mm_mask_storeu_epi8(o + x, __mmask16((1u << n) - 1), bytes);
      }
    }
  }
  dst = out;
#endif
}

}  // namespace ocr
