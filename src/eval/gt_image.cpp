#include "ocr/eval/gt_image.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"

namespace ocr {

namespace {

uchar median_grey(const cv::Mat& crop) {
  cv::Mat grey = crop;
  if (crop.channels() == 3) cv::cvtColor(crop, grey, cv::COLOR_BGR2GRAY);
  int hist[256] = {};
  for (int y = 0; y < grey.rows; ++y) {
    const uchar* row = grey.ptr<uchar>(y);
    for (int x = 0; x < grey.cols; ++x) ++hist[row[x]];
  }
  const int64_t half = int64_t(grey.total()) / 2;
  int64_t seen = 0;
  for (int v = 0; v < 256; ++v)
    if ((seen += hist[v]) > half) return uchar(v);
  return 255;
}

}  // namespace

cv::Mat crop_line_region(const cv::Mat& page, const std::vector<std::array<double, 2>>& region) {
  if (region.empty()) return page;
  // Pixel coordinates become ints below: anything a page cannot have is refused first.
  for (const auto& [x, y] : region)
    if (!(std::abs(x) <= 1e8 && std::abs(y) <= 1e8))
      throw FormatError("line outline coordinate (" + std::to_string(x) + ", " + std::to_string(y) +
                        ") is beyond any page (limit 1e8 pixels)");
  double x0 = region[0][0], x1 = x0, y0 = region[0][1], y1 = y0;
  for (const auto& [x, y] : region) {
    x0 = std::min(x0, x), x1 = std::max(x1, x);
    y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  const cv::Rect box = cv::Rect(cv::Point(int(std::floor(x0)), int(std::floor(y0))),
                                cv::Point(int(std::ceil(x1)) + 1, int(std::ceil(y1)) + 1)) &
                       cv::Rect(0, 0, page.cols, page.rows);
  if (box.width < 2 || box.height < 2) return cv::Mat();
  cv::Mat crop = page(box).clone();
  // A box given as a polygon (ALTO HPOS/VPOS, axis-aligned PAGE Coords) needs no mask.
  bool axis_box = region.size() <= 4;
  for (const auto& [x, y] : region) axis_box = axis_box && (x == x0 || x == x1) && (y == y0 || y == y1);
  if (region.size() >= 3 && !axis_box) {
    std::vector<cv::Point> poly;
    for (const auto& [x, y] : region) poly.emplace_back(int(std::lround(x)) - box.x, int(std::lround(y)) - box.y);
    cv::Mat inside = cv::Mat::zeros(crop.size(), CV_8U);
    cv::fillPoly(inside, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255));
    const uchar paper = median_grey(crop);
    crop.setTo(cv::Scalar::all(paper), inside == 0);
  }
  return crop;
}

PageImage GtImageReader::read(const GtPair& pair) {
  if (!pair.is_region()) return load_image(pair.image, limits_).front();
  if (cached_path_ != pair.image) {
    cached_path_.clear();
    cached_ = load_image(pair.image, limits_).front();
    cached_path_ = pair.image;
  }
  std::vector<std::array<double, 2>> region = pair.region;
  if (pair.units_per_inch > 0) {
    if (cached_.dpi <= 0)
      throw FormatError(pair.name() + ": ALTO coordinates in " + (pair.units_per_inch == 254 ? "mm10" : "inch1200") +
                        " need the resolution of " + pair.image + ", which it does not record");
    for (auto& p : region) p[0] *= cached_.dpi / pair.units_per_inch, p[1] *= cached_.dpi / pair.units_per_inch;
  }
  PageImage line = cached_;
  line.image = crop_line_region(cached_.image, region);
  if (line.image.empty())
    throw FormatError(pair.name() + ": the line's outline lies outside its page image " + pair.image + " (" +
                      std::to_string(cached_.image.cols) + "x" + std::to_string(cached_.image.rows) + ")");
  return line;
}

}  // namespace ocr
