#include "ocr/image/resample.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

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

}  // namespace ocr
