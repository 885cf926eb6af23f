#include "ocr/segment/line_normalizer.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/image/resample.h"

namespace ocr {

namespace {
// Blank paper columns on each side, as a fraction of the height: gives the first and last
// characters context frames, as segmenter crops with a margin do.
constexpr double kSidePadding = 0.125;

}  // namespace

int line_side_padding(const LineNormalization& norm) {
  return std::max(1, int(std::lround(norm.height * kSidePadding)));
}

int normalized_width(int w, int h, const LineNormalization& norm) {
  if (w <= 0 || h <= 0) return norm.min_width;
  int body = int(std::lround(double(w) * norm.height / h));
  body = std::clamp(body, 1, norm.max_width);
  return std::max(norm.min_width, body + 2 * line_side_padding(norm));
}

MatrixF normalize_line(const cv::Mat& gray, const LineNormalization& norm) {
  if (gray.empty()) throw ShapeError("empty line image");
  if (gray.type() != CV_8UC1) throw ShapeError("line image must be 8-bit grey");
  // Contrast from the histogram: paper is a high percentile, ink a low one, so a few specks or
  // a dark border do not set the range.
  int hist[256] = {0};
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* row = gray.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x) ++hist[row[x]];
  }
  const double total = double(gray.rows) * gray.cols;
  auto percentile = [&](double p) {
    double acc = 0;
    for (int v = 0; v < 256; ++v) {
      acc += hist[v];
      if (acc >= p * total) return v;
    }
    return 255;
  };
  int ink = percentile(0.01), paper = percentile(0.90);
  if (paper - ink < 40) {  // no usable contrast (blank or flat image): keep absolute levels
    ink = 0;
    paper = 255;
  }
  const int body = std::clamp(int(std::lround(double(gray.cols) * norm.height / gray.rows)), 1,
                              norm.max_width);
  cv::Mat scaled;
  const bool shrink = gray.rows > norm.height;
  if (shrink) area_resize(gray, scaled, cv::Size(body, norm.height));
  else cv::resize(gray, scaled, cv::Size(body, norm.height), 0, 0, cv::INTER_LINEAR);
  const int pad = line_side_padding(norm);
  const int width = std::max(norm.min_width, body + 2 * pad);
  MatrixF out = MatrixF::Zero(norm.height, width);
  const float scale = 1.0f / float(paper - ink);
  for (int y = 0; y < norm.height; ++y) {
    const uint8_t* row = scaled.ptr<uint8_t>(y);
    for (int x = 0; x < body; ++x)
      out(y, x + pad) = std::clamp(float(paper - row[x]) * scale, 0.0f, 1.0f);
  }
  return out;
}

}  // namespace ocr
