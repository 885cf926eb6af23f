#include "ocr/synth/line_stats.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace ocr::synth {

double ink_perimeter(const cv::Mat& mask) {
  CV_Assert(mask.type() == CV_8UC1);
  long edges = 0;
  for (int y = 0; y < mask.rows; ++y) {
    const uint8_t* r = mask.ptr<uint8_t>(y);
    const uint8_t* below = y + 1 < mask.rows ? mask.ptr<uint8_t>(y + 1) : nullptr;
    bool prev = false;  // outside the image counts as background
    for (int x = 0; x < mask.cols; ++x) {
      bool in = r[x] != 0;
      edges += in != prev;
      prev = in;
      if (below) edges += in != (below[x] != 0);
      else edges += in;
    }
    edges += prev;
  }
  for (int x = 0; x < mask.cols; ++x) edges += mask.at<uint8_t>(0, x) != 0;
  return edges * (M_PI / 4.0);
}

namespace {

// Rows of the band around the densest row (profile smoothed over 3 rows) where the ink count
// stays above 40% of that row's, bridging gaps of up to 2 rows: the x-height band of lower-case
// text, the cap height of all-caps lines.
double x_height_of(const cv::Mat& mask) {
  const int n = mask.rows;
  std::vector<double> raw(n), rows(n);
  for (int y = 0; y < n; ++y) raw[y] = cv::countNonZero(mask.row(y));
  for (int y = 0; y < n; ++y) rows[y] = (raw[std::max(0, y - 1)] + raw[y] + raw[std::min(n - 1, y + 1)]) / 3;
  int peak = static_cast<int>(std::max_element(rows.begin(), rows.end()) - rows.begin());
  double lim = 0.4 * rows[peak];
  auto extend = [&](int y, int step) {
    int last = y;
    for (int gap = 0; y >= 0 && y < n && gap <= 2; y += step) {
      if (rows[y] >= lim) {
        last = y;
        gap = 0;
      } else {
        ++gap;
      }
    }
    return last;
  };
  return extend(peak, 1) - extend(peak, -1) + 1;
}

}  // namespace

bool measure_line(const cv::Mat& gray, LineStats* out) {
  CV_Assert(gray.type() == CV_8UC1);
  cv::Mat mask;
  cv::threshold(gray, mask, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  int area = cv::countNonZero(mask);
  if (area < 20 || gray.rows < 5) return false;
  LineStats s;
  s.height = gray.rows;
  s.x_height = x_height_of(mask);
  double per = ink_perimeter(mask);
  s.stroke_width = 2.0 * area / per;
  s.stroke_ratio = s.stroke_width / s.x_height;
  cv::Mat smooth;
  double sigma = std::max(0.5, s.x_height / 20.0);
  cv::GaussianBlur(mask, smooth, cv::Size(), sigma);
  cv::threshold(smooth, smooth, 127, 255, cv::THRESH_BINARY);
  double per_smooth = ink_perimeter(smooth);
  s.roughness = per_smooth > 0 ? per / per_smooth : 1.0;
  cv::Rect box = cv::boundingRect(mask);
  s.density = static_cast<double>(area) / box.area();
  *out = s;
  return true;
}

double StatsSummary::quantile(size_t k, double q) const {
  std::vector<double> v = columns.at(k);
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double pos = q * (v.size() - 1);
  size_t i = static_cast<size_t>(pos);
  double f = pos - i;
  return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

StatsSummary summarize(const std::vector<LineStats>& stats) {
  StatsSummary s;
  s.count = stats.size();
  s.names = {"line height, px", "x-height, px", "stroke width, px", "stroke width / x-height",
             "edge roughness", "ink density in bbox"};
  s.columns.assign(s.names.size(), {});
  for (const auto& l : stats) {
    double v[] = {l.height, l.x_height, l.stroke_width, l.stroke_ratio, l.roughness, l.density};
    for (size_t k = 0; k < s.names.size(); ++k) s.columns[k].push_back(v[k]);
  }
  return s;
}

}  // namespace ocr::synth
