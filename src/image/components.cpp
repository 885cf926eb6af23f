#include "ocr/image/components.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "ocr/core/error.h"

namespace ocr {
namespace {

// A run of ink in one row, [begin, end), and its provisional label.
struct Run {
  int begin, end, label;
};

// Per provisional label: its box, its area, and its first 2x2 block in raster order of blocks
// (OpenCV's labelling numbers components by the first block it meets them in).
struct Part {
  int left, top, right, bottom;  // right and bottom exclusive
  long area;
  long first_block;
};

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

// Appends the runs of non-zero bytes of row p (n bytes) to runs, labels unset. Eight zero bytes
// are skipped at a time: most of a page is paper.
void find_runs(const uint8_t* p, int n, std::vector<Run>& runs) {
  int x = 0;
  while (x < n) {
    while (x + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + x, 8);
      if (word) break;
      x += 8;
    }
    while (x < n && !p[x]) ++x;
    if (x >= n) break;
    const int begin = x;
    while (x < n && p[x]) ++x;
    runs.push_back({begin, x, -1});
  }
}

}  // namespace

cv::Mat component_stats(const cv::Mat& binary) {
  if (binary.type() != CV_8UC1) throw ShapeError("component_stats: expected a CV_8UC1 image");
  // Runs of each row are joined to the runs of the row above that touch them (8-connected:
  // overlapping or meeting at a corner); no label image is held.
  std::vector<Run> above, here;
  std::vector<Part> parts;
  Joins joins;
  const long blocks_per_row = (binary.cols + 1) / 2;
  for (int y = 0; y < binary.rows; ++y) {
    here.clear();
    find_runs(binary.ptr<uint8_t>(y), binary.cols, here);
    size_t a = 0;
    for (Run& r : here) {
      // Runs above ending before this one's left neighbour cannot touch it or any later run.
      while (a < above.size() && above[a].end < r.begin) ++a;
      for (size_t k = a; k < above.size() && above[k].begin <= r.end; ++k) {
        if (r.label < 0)
          r.label = above[k].label;
        else
          joins.join(r.label, above[k].label);
      }
      const long block = long(y / 2) * blocks_per_row + r.begin / 2;
      if (r.label < 0) {
        r.label = int(parts.size());
        parts.push_back({r.begin, y, r.end, y + 1, 0, block});
        joins.parent.push_back(r.label);
      }
      Part& part = parts[size_t(r.label)];
      part.left = std::min(part.left, r.begin), part.right = std::max(part.right, r.end);
      part.top = std::min(part.top, y), part.bottom = std::max(part.bottom, y + 1);
      part.area += r.end - r.begin;
      part.first_block = std::min(part.first_block, block);
    }
    std::swap(above, here);
  }

  // Each part into its root, then the roots in the order of their first blocks.
  std::vector<int> roots;
  for (size_t i = 0; i < parts.size(); ++i) {
    const int r = joins.find(int(i));
    if (r == int(i)) {
      roots.push_back(r);
      continue;
    }
    Part& m = parts[size_t(r)];
    const Part& p = parts[i];
    m.left = std::min(m.left, p.left), m.top = std::min(m.top, p.top);
    m.right = std::max(m.right, p.right), m.bottom = std::max(m.bottom, p.bottom);
    m.area += p.area;
    m.first_block = std::min(m.first_block, p.first_block);
  }
  std::sort(roots.begin(), roots.end(),
            [&](int x, int y) { return parts[size_t(x)].first_block < parts[size_t(y)].first_block; });
  cv::Mat out(int(roots.size()) + 1, 5, CV_32S);
  long ink = 0;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Part& m = parts[size_t(roots[i])];
    int* o = out.ptr<int>(int(i) + 1);
    o[cv::CC_STAT_LEFT] = m.left, o[cv::CC_STAT_TOP] = m.top;
    o[cv::CC_STAT_WIDTH] = m.right - m.left, o[cv::CC_STAT_HEIGHT] = m.bottom - m.top;
    o[cv::CC_STAT_AREA] = int(m.area);
    ink += m.area;
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
