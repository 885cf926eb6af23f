#include "ocr/segment/layout.h"

#include <gtest/gtest.h>

#include "image/test_pages.h"
#include "ocr/core/error.h"

namespace {

std::vector<ocr::TextLineRegion> all_lines(const ocr::PageLayout& l) {
  std::vector<ocr::TextLineRegion> out;
  for (const auto& b : l.blocks)
    for (const auto& p : b.paragraphs)
      for (const auto& line : p.lines) out.push_back(line);
  return out;
}

}  // namespace

TEST(Layout, TwoColumnsInReadingOrderSkippingRuleAndPicture) {
  cv::Mat page = ocr::test::two_column_page();
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Page;
  auto layout = ocr::analyze_layout(page, opt);
  EXPECT_EQ(layout.mode, ocr::LayoutMode::Page);
  // Title, then left column's two paragraphs, then the right column's two.
  ASSERT_EQ(layout.blocks.size(), 5u);
  EXPECT_LT(layout.blocks[0].box.y, 100);
  for (int i = 1; i <= 2; ++i) EXPECT_LT(layout.blocks[i].box.x, 500) << i;
  for (int i = 3; i <= 4; ++i) EXPECT_GT(layout.blocks[i].box.x, 500) << i;
  EXPECT_LT(layout.blocks[1].box.y, layout.blocks[2].box.y);
  EXPECT_LT(layout.blocks[3].box.y, layout.blocks[4].box.y);
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(layout.blocks[i].paragraphs[0].lines.size(), 5u) << i;
  EXPECT_EQ(layout.line_count(), 21);
  EXPECT_FALSE(layout.rules.empty());
  ASSERT_FALSE(layout.pictures.empty());
  for (const auto& l : all_lines(layout)) {
    EXPECT_TRUE((l.box & cv::Rect(560, 720, 360, 220)).empty()) << "line inside the picture";
    EXPECT_GE(l.baseline, l.box.y + l.box.height / 2);
    EXPECT_LE(l.baseline, l.box.y + l.box.height);
    EXPECT_TRUE((l.crop & l.box) == l.box);  // the crop holds the line with a margin
    EXPECT_LT(l.box.height, 45);
  }
  auto crops = ocr::extract_line_images(page, layout);
  ASSERT_EQ(crops.size(), 21u);
  for (const auto& c : crops) EXPECT_EQ(c.type(), CV_8UC1);
}

TEST(Layout, BlockModeKeepsOneBlock) {
  cv::Mat page = ocr::test::two_column_page();
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Block;
  auto layout = ocr::analyze_layout(page, opt);
  ASSERT_EQ(layout.blocks.size(), 1u);
  EXPECT_GE(layout.line_count(), 11);  // the two columns' lines sit side by side
}

TEST(Layout, LineModeReadsTheWholeImage) {
  cv::Mat page = ocr::test::two_column_page();
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Line;
  auto layout = ocr::analyze_layout(page, opt);
  ASSERT_EQ(layout.line_count(), 1);
  EXPECT_EQ(layout.blocks[0].paragraphs[0].lines[0].crop, cv::Rect(0, 0, page.cols, page.rows));
}

TEST(Layout, AutoPicksLineForALineImageAndPageForAPage) {
  auto line = ocr::analyze_layout(ocr::test::single_line(), {});
  EXPECT_EQ(line.mode, ocr::LayoutMode::Line);
  ASSERT_EQ(line.line_count(), 1);
  auto page = ocr::analyze_layout(ocr::test::two_column_page(), {});
  EXPECT_EQ(page.mode, ocr::LayoutMode::Page);
  EXPECT_EQ(page.line_count(), 21);
}

TEST(Layout, TouchingLinesAreSplit) {
  cv::Mat img(300, 600, CV_8UC1, cv::Scalar(255));
  for (int i = 0; i < 4; ++i) ocr::test::draw_line(img, 20, 60 + 30 * i, 4, i);
  // Vertical strokes joining consecutive lines.
  for (int i = 0; i < 3; ++i) cv::line(img, {300, 50 + 30 * i}, {300, 80 + 30 * i}, 0, 2);
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Block;
  EXPECT_EQ(ocr::analyze_layout(img, opt).line_count(), 4);
}

TEST(Layout, OtherLinesInkIsPaintedOutOfACrop) {
  cv::Mat img(200, 500, CV_8UC1, cv::Scalar(255));
  ocr::test::draw_line(img, 20, 60, 4, 1);
  ocr::test::draw_line(img, 20, 86, 4, 2);  // tight spacing: crops overlap
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Block;
  auto layout = ocr::analyze_layout(img, opt);
  ASSERT_EQ(layout.line_count(), 2);
  auto crops = ocr::extract_line_images(img, layout);
  const auto& l0 = layout.blocks[0].paragraphs[0].lines[0];
  const auto& l1 = layout.blocks[0].paragraphs[0].lines[1];
  // Rows of the second line's box that fall inside the first crop are blank paper there.
  cv::Rect overlap = l0.crop & l1.box;
  if (!overlap.empty()) {
    cv::Mat part = crops[0](cv::Rect(overlap.x - l0.crop.x, overlap.y - l0.crop.y, overlap.width, overlap.height));
    double mn;
    cv::minMaxLoc(part, &mn);
    EXPECT_GT(mn, 100);
  }
}

TEST(Layout, BlankPageAndModes) {
  cv::Mat blank(200, 300, CV_8UC1, cv::Scalar(255));
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Page;
  EXPECT_EQ(ocr::analyze_layout(blank, opt).line_count(), 0);
  EXPECT_EQ(ocr::parse_layout("3"), ocr::LayoutMode::Page);
  EXPECT_EQ(ocr::parse_layout("6"), ocr::LayoutMode::Block);
  EXPECT_EQ(ocr::parse_layout("7"), ocr::LayoutMode::Line);
  EXPECT_EQ(ocr::parse_layout("auto"), ocr::LayoutMode::Auto);
  EXPECT_THROW(ocr::parse_layout("columns"), ocr::FormatError);
  EXPECT_THROW(ocr::analyze_layout(cv::Mat(), opt), ocr::ShapeError);
}
