#include "ocr/synth/degrade.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "ocr/image/codecs.h"

namespace ocr::synth {

cv::Mat smooth_noise(cv::Size size, double corr, Rng& rng) {
  corr = std::max(1.0, corr);
  int w = std::max(2, static_cast<int>(std::ceil(size.width / corr)) + 1);
  int h = std::max(2, static_cast<int>(std::ceil(size.height / corr)) + 1);
  cv::Mat small(h, w, CV_32FC1);
  cv::RNG local(rng.next_u64());  // seeded from the caller: reproducible, no global state
  local.fill(small, cv::RNG::NORMAL, 0.0, 1.0);
  // Interpolation of a coarse grid straight to the output size: smooth, and far cheaper
  // than blurring full-size noise.
  cv::Mat big;
  cv::resize(small, big, size, 0, 0, cv::INTER_LINEAR);
  return big;
}

cv::Mat elastic_distort(const cv::Mat& coverage, double amplitude, double corr, Rng& rng) {
  CV_Assert(coverage.type() == CV_8UC1);
  if (coverage.empty() || amplitude <= 0) return coverage.clone();
  cv::Mat dx = smooth_noise(coverage.size(), corr, rng), dy = smooth_noise(coverage.size(), corr, rng);
  cv::Mat map_x(coverage.size(), CV_32FC1), map_y(coverage.size(), CV_32FC1);
  const float a = static_cast<float>(amplitude);
  for (int y = 0; y < coverage.rows; ++y) {
    const float *ux = dx.ptr<float>(y), *uy = dy.ptr<float>(y);
    float *mx = map_x.ptr<float>(y), *my = map_y.ptr<float>(y);
    for (int x = 0; x < coverage.cols; ++x) {
      mx[x] = static_cast<float>(x) + a * ux[x];
      my[x] = static_cast<float>(y) + a * uy[x];
    }
  }
  cv::Mat out;
  cv::remap(coverage, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  return out;
}

namespace {
// Thresholds tried: 15% .. 85% of full ink.
constexpr int kMinLevel = 38, kMaxLevel = 217;
}  // namespace

cv::Mat threshold_to_stroke(const cv::Mat& blurred, double target_width, double soft) {
  CV_Assert(blurred.type() == CV_32FC1);
  // For every level t, ink = q > t: its area from the histogram, its perimeter from the pairs of
  // neighbours that straddle t (a difference array over levels), all in one pass.
  std::vector<long> hist(257, 0), diff(258, 0);
  cv::Mat q;
  blurred.convertTo(q, CV_8U, 255.0);
  // Levels below the lowest threshold tried never decide a result: zeroing them makes the paper
  // uniform, so blank stretches are skipped 8 pixels at a time.
  cv::threshold(q, q, kMinLevel - 1, 0, cv::THRESH_TOZERO);
  for (int y = 0; y < q.rows; ++y) {
    const uint8_t* r = q.ptr<uint8_t>(y);
    const uint8_t* d = y + 1 < q.rows ? q.ptr<uint8_t>(y + 1) : nullptr;
    for (int x = 0; x < q.cols; ++x) {
      if (x + 9 <= q.cols) {
        uint64_t a, b = 0;
        std::memcpy(&a, r + x, 8);
        if (d) std::memcpy(&b, d + x, 8);
        if ((a | b) == 0 && (x + 8 == q.cols || r[x + 8] == 0)) {
          hist[0] += 8;
          x += 7;
          continue;
        }
      }
      ++hist[r[x]];
      if (x + 1 < q.cols && r[x] != r[x + 1]) {
        ++diff[std::min(r[x], r[x + 1])];
        --diff[std::max(r[x], r[x + 1])];
      }
      if (d && r[x] != d[x]) {
        ++diff[std::min(r[x], d[x])];
        --diff[std::max(r[x], d[x])];
      }
    }
  }
  long area = static_cast<long>(q.total()), per = 0;
  int best = 127;
  double best_err = 1e30;
  for (int t = 0; t < 255; ++t) {
    area -= hist[t];  // pixels with q > t
    per += diff[t];   // pairs with min <= t < max
    if (t < kMinLevel || t > kMaxLevel || per <= 0) continue;
    double width = 2.0 * area / (per * M_PI / 4.0);
    double err = std::abs(width - target_width);
    if (err < best_err) {
      best_err = err;
      best = t;
    }
  }
  cv::Mat ink;
  double th = (best + 0.5) / 255.0;
  if (soft <= 0) {
    cv::threshold(blurred, ink, th, 1.0, cv::THRESH_BINARY);
  } else {
    blurred.convertTo(ink, CV_32F, 1.0 / soft, 0.5 - th / soft);
    cv::threshold(ink, ink, 1.0, 1.0, cv::THRESH_TRUNC);
    cv::threshold(ink, ink, 0.0, 0.0, cv::THRESH_TOZERO);
  }
  return ink;
}

cv::Mat jpeg(const cv::Mat& gray8, int quality) {
  return decode_jpeg(encode_jpeg(gray8, quality), "synthetic line");
}

cv::Mat dot_matrix(const cv::Mat& ink, double pitch, Rng& rng) {
  cv::Mat small;
  cv::Size grid(std::max(1, static_cast<int>(ink.cols / pitch)), std::max(1, static_cast<int>(ink.rows / pitch)));
  cv::resize(ink, small, grid, 0, 0, cv::INTER_AREA);
  cv::Mat out = cv::Mat::zeros(ink.size(), CV_32FC1);
  const double sx = static_cast<double>(ink.cols) / grid.width, sy = static_cast<double>(ink.rows) / grid.height;
  const double r = pitch * rng.uniform(0.35, 0.55);
  for (int y = 0; y < small.rows; ++y)
    for (int x = 0; x < small.cols; ++x)
      if (small.at<float>(y, x) > 0.35f) {
        cv::Point2d c((x + 0.5) * sx + rng.normal(0, 0.05 * pitch), (y + 0.5) * sy + rng.normal(0, 0.05 * pitch));
        cv::circle(out, cv::Point(static_cast<int>(c.x * 16), static_cast<int>(c.y * 16)),
                   static_cast<int>(r * 16), cv::Scalar(1.0), cv::FILLED, cv::LINE_AA, 4);
      }
  return out;
}

void blur(cv::Mat& img, double sigma) {
  if (sigma > 0.05) cv::GaussianBlur(img, img, cv::Size(), sigma);
}

}  // namespace ocr::synth
