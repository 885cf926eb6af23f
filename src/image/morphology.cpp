#include "ocr/image/morphology.h"

#include <algorithm>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"

namespace ocr {

void dilate_ellipse(const cv::Mat& src, cv::Mat& dst, int k) {
  if (src.type() != CV_8UC1) throw ShapeError("dilate_ellipse: expected a CV_8UC1 image");
  if (k < 1 || k % 2 == 0) throw ShapeError("dilate_ellipse: the size must be odd and positive");
  const cv::Mat element = cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k});
  const int c = k / 2;
  // Half-width of each of the ellipse's rows (-1: an empty row).
  std::vector<int> half(size_t(k), -1);
  for (int i = 0; i < k; ++i) {
    const uint8_t* e = element.ptr<uint8_t>(i);
    int a = 0;
    while (a < k && !e[a]) ++a;
    if (a == k) continue;
    int b = k - 1;
    while (!e[b]) --b;
    if (c - a != b - c) {  // not symmetric about its centre: leave it to OpenCV
      cv::dilate(src, dst, element);
      return;
    }
    half[size_t(i)] = c - a;
  }
  const int rows = src.rows, cols = src.cols;
  cv::Mat out(src.size(), CV_8UC1, cv::Scalar(0));
  cv::Mat run = src.clone();  // each pixel: the max of src over the current half-width about it
  const int widest = *std::max_element(half.begin(), half.end());
  for (int h = 0; h <= widest; ++h) {
    if (h > 0) {
      // Widen by one pixel a side: the new ends are src at x - h and x + h (outside: nothing).
      for (int y = 0; y < rows; ++y) {
        const uint8_t* s = src.ptr<uint8_t>(y);
        uint8_t* r = run.ptr<uint8_t>(y);
        for (int x = h; x < cols; ++x) r[x] = std::max(r[x], s[x - h]);
        for (int x = 0; x + h < cols; ++x) r[x] = std::max(r[x], s[x + h]);
      }
    }
    for (int i = 0; i < k; ++i) {
      if (half[size_t(i)] != h) continue;
      // Kernel row i reaches source row y + i - c from output row y.
      const int dy = i - c;
      for (int y = std::max(0, -dy); y < rows && y + dy < rows; ++y) {
        const uint8_t* r = run.ptr<uint8_t>(y + dy);
        uint8_t* o = out.ptr<uint8_t>(y);
        for (int x = 0; x < cols; ++x) o[x] = std::max(o[x], r[x]);
      }
    }
  }
  dst = out;
}

void close_ellipse(const cv::Mat& src, cv::Mat& dst, int k) {
  cv::Mat grown;
  dilate_ellipse(src, grown, k);
  cv::bitwise_not(grown, grown);
  dilate_ellipse(grown, dst, k);
  cv::bitwise_not(dst, dst);
}

}  // namespace ocr
