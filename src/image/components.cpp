#include "ocr/image/components.h"

#include <algorithm>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "ocr/core/error.h"

namespace ocr {
namespace {

// Union-find over the band components' global ids; a set's root is its smallest id, the part
// that OpenCV's labelling of the whole image reaches first (ids grow band by band, and within a
// band they follow OpenCV's order).
struct Joins {
  std::vector<int> parent;
  int find(int a) {
    while (parent[size_t(a)] != a) a = parent[size_t(a)] = parent[size_t(parent[size_t(a)])];
    return a;
  }
  void join(int a, int b) {
    a = find(a), b = find(b);
    if (a == b) return;
    if (a > b) std::swap(a, b);
    parent[size_t(b)] = a;
  }
};

}  // namespace

cv::Mat component_stats(const cv::Mat& binary, int band_rows) {
  if (binary.type() != CV_8UC1) throw ShapeError("component_stats: expected a CV_8UC1 image");
  // Even: OpenCV labels 2x2 blocks, numbering components by their first block; bands of whole
  // block rows number them in the same order.
  band_rows = std::max(2, band_rows + band_rows % 2);
  // Per part (global id): left, top, right (exclusive), bottom (exclusive), area.
  std::vector<cv::Vec<int, 5>> parts;
  Joins joins;
  std::vector<int> above;  // global ids along the last row of the band above, -1 for background
  cv::Mat labels, stats, centroids;
  for (int y0 = 0; y0 < binary.rows; y0 += band_rows) {
    const int y1 = std::min(binary.rows, y0 + band_rows);
    const int n = cv::connectedComponentsWithStats(binary.rowRange(y0, y1), labels, stats, centroids, 8, CV_32S);
    const int base = int(parts.size()) - 1;  // band label k >= 1 is global id base + k
    for (int k = 1; k < n; ++k) {
      const int* s = stats.ptr<int>(k);
      parts.push_back({s[cv::CC_STAT_LEFT], y0 + s[cv::CC_STAT_TOP], s[cv::CC_STAT_LEFT] + s[cv::CC_STAT_WIDTH],
                       y0 + s[cv::CC_STAT_TOP] + s[cv::CC_STAT_HEIGHT], s[cv::CC_STAT_AREA]});
      joins.parent.push_back(int(joins.parent.size()));
    }
    // Ink in this band's first row touching ink in the row above (8-connected) is one component.
    const int* first = labels.ptr<int>(0);
    if (!above.empty()) {
      for (int x = 0; x < binary.cols; ++x) {
        if (first[x] == 0) continue;
        for (int dx = -1; dx <= 1; ++dx) {
          const int xa = x + dx;
          if (xa >= 0 && xa < binary.cols && above[size_t(xa)] >= 0) joins.join(above[size_t(xa)], base + first[x]);
        }
      }
    }
    const int* last = labels.ptr<int>(labels.rows - 1);
    above.assign(size_t(binary.cols), -1);
    for (int x = 0; x < binary.cols; ++x)
      if (last[x] > 0) above[size_t(x)] = base + last[x];
  }

  // Each set into its root, then the roots in id order.
  std::vector<int> row_of(parts.size(), -1);
  std::vector<cv::Vec<int, 5>> merged;
  for (size_t i = 0; i < parts.size(); ++i) {
    const int r = joins.find(int(i));
    if (r == int(i)) {
      row_of[i] = int(merged.size());
      merged.push_back(parts[i]);
      continue;
    }
    cv::Vec<int, 5>& m = merged[size_t(row_of[size_t(r)])];
    const cv::Vec<int, 5>& p = parts[i];
    m[0] = std::min(m[0], p[0]), m[1] = std::min(m[1], p[1]);
    m[2] = std::max(m[2], p[2]), m[3] = std::max(m[3], p[3]);
    m[4] += p[4];
  }
  cv::Mat out(int(merged.size()) + 1, 5, CV_32S);
  long ink = 0;
  for (size_t i = 0; i < merged.size(); ++i) {
    const cv::Vec<int, 5>& m = merged[i];
    int* o = out.ptr<int>(int(i) + 1);
    o[cv::CC_STAT_LEFT] = m[0], o[cv::CC_STAT_TOP] = m[1];
    o[cv::CC_STAT_WIDTH] = m[2] - m[0], o[cv::CC_STAT_HEIGHT] = m[3] - m[1];
    o[cv::CC_STAT_AREA] = m[4];
    ink += m[4];
  }
  // The background as OpenCV gives it: the box of the zero pixels, and their count.
  int* bg = out.ptr<int>(0);
  const long zeros = long(binary.total()) - ink;
  if (zeros == 0) {
    bg[cv::CC_STAT_LEFT] = bg[cv::CC_STAT_TOP] = bg[cv::CC_STAT_WIDTH] = bg[cv::CC_STAT_HEIGHT] = 0;
  } else {
    int left = binary.cols, right = -1, top = binary.rows, bottom = -1;
    for (int y = 0; y < binary.rows; ++y) {
      const uint8_t* p = binary.ptr<uint8_t>(y);
      const uint8_t* end = p + binary.cols;
      const uint8_t* z = std::find(p, end, 0);
      if (z == end) continue;
      top = std::min(top, y), bottom = y;
      left = std::min(left, int(z - p));
      for (int x = binary.cols - 1; x > right; --x)
        if (p[x] == 0) {
          right = x;
          break;
        }
    }
    bg[cv::CC_STAT_LEFT] = left, bg[cv::CC_STAT_TOP] = top;
    bg[cv::CC_STAT_WIDTH] = right - left + 1, bg[cv::CC_STAT_HEIGHT] = bottom - top + 1;
  }
  bg[cv::CC_STAT_AREA] = int(zeros);
  return out;
}

}  // namespace ocr
