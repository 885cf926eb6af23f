#include "ocr/train/augment.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace ocr {

namespace {

// Paper and ink levels from the histogram (90th and 2nd percentile).
std::pair<int, int> paper_and_ink(const cv::Mat& g) {
  int hist[256] = {0};
  for (int y = 0; y < g.rows; ++y) {
    const uint8_t* p = g.ptr<uint8_t>(y);
    for (int x = 0; x < g.cols; ++x) ++hist[p[x]];
  }
  const double n = double(g.total());
  int ink = 0, paper = 255;
  double acc = 0;
  bool ink_set = false;
  for (int v = 0; v < 256; ++v) {
    acc += hist[v];
    if (!ink_set && acc >= 0.02 * n) { ink = v; ink_set = true; }
    if (acc >= 0.90 * n) { paper = v; break; }
  }
  return {paper, ink};
}

}  // namespace

cv::Mat augment_line(const cv::Mat& gray, Rng& rng) {
  if (gray.empty() || gray.rows < 4 || gray.cols < 4) return gray.clone();
  const auto [paper, ink] = paper_and_ink(gray);
  const int threshold = (paper + ink) / 2;
  // Rows and columns holding ink: margins may be cropped down to them, never into them.
  int top = gray.rows, bottom = -1, left = gray.cols, right = -1;
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* p = gray.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x)
      if (p[x] < threshold) {
        top = std::min(top, y), bottom = std::max(bottom, y);
        left = std::min(left, x), right = std::max(right, x);
      }
  }
  cv::Mat out;  // never a header on `gray`: the steps below write into it
  if (bottom >= 0 && paper - ink >= 24) {
    const int h = gray.rows;
    auto margin = [&](int room) {  // new margin from the old: -room (crop to ink) .. +15 % of h
      return static_cast<int>(std::lround(rng.uniform(-std::min(0.1 * h, double(room)), 0.15 * h)));
    };
    const int dt = margin(top), db = margin(h - 1 - bottom);
    const int dl = margin(left) / 2, dr = margin(gray.cols - 1 - right) / 2;
    const cv::Rect keep(std::max(0, -dl), std::max(0, -dt), gray.cols - std::max(0, -dl) - std::max(0, -dr),
                        h - std::max(0, -dt) - std::max(0, -db));
    cv::copyMakeBorder(gray(keep), out, std::max(0, dt), std::max(0, db), std::max(0, dl), std::max(0, dr),
                       cv::BORDER_CONSTANT, cv::Scalar(paper));
  } else {
    out = gray.clone();
  }
  // Width: type set a little wider or narrower.
  const double stretch = rng.uniform(0.85, 1.15);
  cv::Mat stretched;
  cv::resize(out, stretched, cv::Size(std::max(4, static_cast<int>(std::lround(out.cols * stretch))), out.rows), 0,
             0, stretch < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  out = stretched;
  if (rng.chance(0.3)) {  // a slight tilt
    const double deg = rng.uniform(-0.6, 0.6);
    const cv::Mat r = cv::getRotationMatrix2D(cv::Point2f(out.cols / 2.0f, out.rows / 2.0f), deg, 1.0);
    cv::Mat tilted;  // not in place: the warp reads what it would overwrite
    cv::warpAffine(out, tilted, r, out.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(paper));
    out = tilted;
  }
  if (rng.chance(0.3)) {
    cv::Mat blurred;
    cv::GaussianBlur(out, blurred, cv::Size(0, 0), rng.uniform(0.3, 1.0));
    out = blurred;
  }
  // Contrast and brightness: paper a little darker, ink a little lighter, order kept.
  const double k = rng.uniform(0.7, 1.05), shift = rng.uniform(-25, 0);
  const bool noisy = rng.chance(0.3);
  const double sigma = rng.uniform(2, 8);
  cv::Mat noise;
  if (noisy) {
    noise.create(out.size(), CV_32F);
    cv::RNG fill(rng.next_u64());  // seeded from ours: a run is reproducible
    fill.fill(noise, cv::RNG::NORMAL, 0, sigma);
  }
  for (int y = 0; y < out.rows; ++y) {
    uint8_t* p = out.ptr<uint8_t>(y);
    const float* n = noisy ? noise.ptr<float>(y) : nullptr;
    for (int x = 0; x < out.cols; ++x) {
      double v = paper + shift + (p[x] - paper) * k + (n ? n[x] : 0.0);
      p[x] = static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
    }
  }
  return out;
}

}  // namespace ocr
