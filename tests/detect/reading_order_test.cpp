// order_lines on hand-placed lines: columns (aligned rows or not), a form, a receipt. Lines are
// handed over shuffled, so only the layout can set the order.
#include "ocr/detect/reading_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace {

// A level line from x0 to x1 with its core centred on y.
ocr::DetectedLine line(double x0, double x1, double y, double x_height = 10) {
  ocr::DetectedLine l;
  l.x_height = x_height;
  for (double x = x0; x < x1; x += 20) l.centerline.emplace_back(float(x), float(y));
  l.centerline.emplace_back(float(x1), float(y));
  l.box = cv::Rect(cv::Point(int(x0), int(y - 1.5 * x_height)), cv::Point(int(x1), int(y + 1.1 * x_height)));
  l.score = 0.9f;
  return l;
}

// Shuffles `in_order` (lines in the expected reading order) and returns what order_lines makes of
// them, mapped back to positions in `in_order`.
std::vector<std::vector<int>> order_of(const std::vector<ocr::DetectedLine>& in_order, unsigned seed = 3) {
  std::vector<int> perm(in_order.size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = int(i);
  std::mt19937 rng(seed);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<ocr::DetectedLine> shuffled;
  for (int p : perm) shuffled.push_back(in_order[p]);
  auto blocks = ocr::order_lines(shuffled);
  for (auto& b : blocks)
    for (int& i : b) i = perm[i];
  return blocks;
}

std::vector<int> range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

TEST(OrderLines, TwoColumnsWithAlignedRowsUnderATitle) {
  std::vector<ocr::DetectedLine> lines;
  lines.push_back(line(100, 1500, 100, 20));                                      // 0 title
  for (int i = 0; i < 6; ++i) lines.push_back(line(100, i == 5 ? 500 : 780, 200 + 25 * i));   // 1-6
  for (int i = 0; i < 6; ++i) lines.push_back(line(820, i == 2 ? 1200 : 1500, 200 + 25 * i));  // 7-12
  lines.push_back(line(700, 900, 400));                                           // 13 page number
  for (unsigned seed : {1u, 2u, 3u}) {
    const auto blocks = order_of(lines, seed);
    ASSERT_EQ(blocks.size(), 4u);
    EXPECT_EQ(blocks[0], std::vector<int>{0});
    EXPECT_EQ(blocks[1], range(1, 7));
    EXPECT_EQ(blocks[2], range(7, 13));
    EXPECT_EQ(blocks[3], std::vector<int>{13});
  }
}

TEST(OrderLines, ThreeNarrowColumnsWithOffsetRows) {
  std::vector<ocr::DetectedLine> lines;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 8; ++i) lines.push_back(line(100 + 300 * c, 360 + 300 * c - (i % 3) * 30, 200 + 26 * i + 9 * c));
  const auto blocks = order_of(lines);
  ASSERT_EQ(blocks.size(), 3u);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(blocks[c], range(8 * c, 8 * c + 8));
}

TEST(OrderLines, FormIsReadRowByRowWithLabelsBeforeValues) {
  std::vector<ocr::DetectedLine> lines;
  lines.push_back(line(300, 900, 100, 14));  // 0 heading
  const double label_ends[] = {160, 190, 250, 165};
  const double value_ends[] = {700, 560, 410, 900};
  for (int r = 0; r < 4; ++r) {
    const double y = 200 + 40 * r;
    lines.push_back(line(100, label_ends[r], y));
    lines.push_back(line(320, value_ends[r], y + 3));  // typed a little below the label's baseline
  }
  // A row of three: a label and two checkbox captions.
  lines.push_back(line(100, 150, 360));
  lines.push_back(line(340, 400, 360));
  lines.push_back(line(460, 520, 360));
  lines.push_back(line(100, 1000, 430));  // a note across the form
  const auto blocks = order_of(lines);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0], range(0, int(lines.size())));
}

TEST(OrderLines, ReceiptItemsKeepTheirPrices) {
  std::vector<ocr::DetectedLine> lines;
  lines.push_back(line(180, 330, 40));  // shop name
  const double item_ends[] = {220, 300, 160, 260, 240};
  for (int r = 0; r < 5; ++r) {
    const double y = 100 + 28 * r;
    lines.push_back(line(40, item_ends[r], y));
    lines.push_back(line(r % 2 ? 430 : 420, 480, y));  // right-aligned prices
  }
  lines.push_back(line(40, 110, 260));  // TOTAL
  lines.push_back(line(410, 480, 260));
  // On a slightly tilted photo: the rows still pair.
  for (auto* set : {&lines}) {
    const auto blocks = order_of(*set);
    ASSERT_EQ(blocks.size(), 1u);
    EXPECT_EQ(blocks[0], range(0, int(set->size())));
  }
  std::vector<ocr::DetectedLine> tilted;
  const double slope = std::tan(1.5 * CV_PI / 180);
  for (ocr::DetectedLine l : lines) {
    for (cv::Point2f& p : l.centerline) p.y += float(slope * p.x);
    l.angle = std::atan(slope);
    tilted.push_back(l);
  }
  const auto blocks = order_of(tilted);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0], range(0, int(tilted.size())));
}

// A short item's own slope is a poor guide across the gap to its price: items and prices measured
// up to 3 degrees off, either way, on a level receipt still pair by the block's (median) slope.
TEST(OrderLines, ShortItemsWithPoorlyMeasuredSlopesKeepTheirPrices) {
  std::vector<ocr::DetectedLine> lines;
  const double item_off[] = {-3, 1.5, 3, -1.5, 0}, price_off[] = {2, -1, 0, 1, -2};
  for (int r = 0; r < 10; ++r) {
    const double y = 60 + 26 * r;
    ocr::DetectedLine item = line(40, 110, y), price = line(420, 470, y + (r % 3) - 1);
    item.angle = item_off[r % 5] * CV_PI / 180;
    price.angle = price_off[r % 5] * CV_PI / 180;
    lines.push_back(item);
    lines.push_back(price);
  }
  const auto blocks = order_of(lines);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0], range(0, int(lines.size())));
}

// Values in capitals and digits (`47492LYNDA`, `25/10/2017`) are marked by their cap height,
// half as tall again as the x-height of mixed-case labels (`Vendeur:`): they still pair by row.
TEST(OrderLines, CapitalValuesPairWithLowerCaseLabels) {
  std::vector<ocr::DetectedLine> lines;
  lines.push_back(line(60, 400, 30, 12));  // shop name in capitals
  for (int r = 0; r < 5; ++r) {
    const double y = 90 + 30 * r;
    lines.push_back(line(20, 110 + 10 * (r % 3), y, 10));       // label, x-height 10
    lines.push_back(line(160, 260 + 25 * r, y - 2, 16));        // value, cap height 16
  }
  const auto blocks = order_of(lines);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0], range(0, int(lines.size())));
}

TEST(OrderLines, EmptyAndSingle) {
  EXPECT_TRUE(ocr::order_lines({}).empty());
  const auto blocks = ocr::order_lines({line(10, 100, 50)});
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0], std::vector<int>{0});
}

}  // namespace
