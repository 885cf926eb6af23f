// main_line_pieces on hand-placed lines: which detected line of a loose line crop is the one it
// was cut for, and which pieces beside it continue it.
#include <gtest/gtest.h>

#include <cmath>

#include "ocr/detect/detected_layout.h"

namespace {

// A line from x0 to x1 whose core centre runs from y0 (at x0) to y1 (at x1).
ocr::DetectedLine line(double x0, double x1, double y0, double y1, double x_height = 10) {
  ocr::DetectedLine l;
  l.x_height = x_height;
  for (double x = x0; x < x1; x += 20) l.centerline.emplace_back(float(x), float(y0 + (y1 - y0) * (x - x0) / (x1 - x0)));
  l.centerline.emplace_back(float(x1), float(y1));
  l.angle = std::atan2(y1 - y0, x1 - x0);
  const double top = std::min(y0, y1) - 1.5 * x_height, bottom = std::max(y0, y1) + 1.1 * x_height;
  l.box = cv::Rect(cv::Point(int(x0), int(top)), cv::Point(int(x1), int(bottom)));
  l.score = 0.9f;
  return l;
}

}  // namespace

TEST(MainLine, TheCompleteLineInTheMiddleNotTheLongerSlicesAtTheEdges) {
  // A 400 × 60 crop: slices of the lines above and below, cut by the crop's edges, run its whole
  // width; the line it was cut for is shorter (its row ends in a blank).
  const cv::Rect crop(0, 0, 400, 60);
  const std::vector<ocr::DetectedLine> lines = {line(0, 400, 2, 2), line(10, 300, 30, 30), line(0, 400, 58, 58)};
  EXPECT_EQ(ocr::main_line_pieces(lines, crop), std::vector<int>{1});
  // The crop's area counts, not the margin added around it: the same lines 20 px into a padded
  // image still have their edge slices cut.
  std::vector<ocr::DetectedLine> shifted = lines;
  for (auto& l : shifted) {
    for (auto& p : l.centerline) p += cv::Point2f(20, 20);
    l.box += cv::Point(20, 20);
  }
  EXPECT_EQ(ocr::main_line_pieces(shifted, cv::Rect(20, 20, 400, 60)), std::vector<int>{1});
}

TEST(MainLine, ASlantedLineWithItsPriceBeyondAGapAndNotTheNeighboursPieces) {
  // A line slanted 4° down to the right, with a price beyond a wide gap on its course; the
  // neighbour below runs parallel one line pitch lower, and a piece of it sits under the gap.
  const double slope = std::tan(4 * M_PI / 180);
  const cv::Rect crop(0, 0, 600, 90);
  const std::vector<ocr::DetectedLine> lines = {
      line(20, 380, 30, 30 + 360 * slope),            // 0: the main line's words
      line(470, 580, 30 + 450 * slope, 30 + 560 * slope),  // 1: its price
      line(0, 300, 58, 58 + 300 * slope),             // 2: the neighbour below, cut short
      line(380, 460, 58 + 380 * slope, 58 + 460 * slope),  // 3: more of the neighbour
  };
  EXPECT_EQ(ocr::main_line_pieces(lines, crop), (std::vector<int>{0, 1}));
  // Much smaller print beside the line (a footnote mark's line, a logo's small type) is no piece
  // of it however well it lines up.
  std::vector<ocr::DetectedLine> with_small = lines;
  with_small[1].x_height = 4;
  EXPECT_EQ(ocr::main_line_pieces(with_small, crop), std::vector<int>{0});
}

TEST(MainLine, NothingDetectedGivesNothing) {
  EXPECT_TRUE(ocr::main_line_pieces({}, cv::Rect(0, 0, 100, 30)).empty());
  ocr::DetectedLine empty;
  EXPECT_TRUE(ocr::main_line_pieces({empty}, cv::Rect(0, 0, 100, 30)).empty());
}
