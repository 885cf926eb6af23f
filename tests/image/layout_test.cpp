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

// Line mode reads an image as one line, as Tesseract's --psm 7 does: the rows of the line that
// holds the most ink (on a page, not a line image, some band of it), across its ink and at most
// 1.5 times the band's height of paper either side: across a long blank stretch the network read
// a `.` that was not there.
TEST(Layout, LineModeReadsOneBandAcrossItsInk) {
  cv::Mat page = ocr::test::two_column_page();
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Line;
  auto layout = ocr::analyze_layout(page, opt);
  ASSERT_EQ(layout.line_count(), 1);
  const auto& first = layout.blocks[0].paragraphs[0].lines[0];
  EXPECT_EQ(first.crop, first.crop & cv::Rect(0, 0, page.cols, page.rows));
  EXPECT_EQ(first.box & first.crop, first.box);
  EXPECT_GT(first.crop.height, 0);
  const cv::Mat line = ocr::test::single_line();
  layout = ocr::analyze_layout(line, opt);
  ASSERT_EQ(layout.line_count(), 1);
  const cv::Rect ink = layout.blocks[0].paragraphs[0].lines[0].box;
  EXPECT_EQ(layout.blocks[0].paragraphs[0].lines[0].crop.x, std::max(0, ink.x - 3 * line.rows / 2));
  // The same line with 600 px of paper after it: the paper is cut.
  cv::Mat long_line;
  cv::copyMakeBorder(line, long_line, 0, 0, 0, 600, cv::BORDER_CONSTANT, cv::Scalar(255));
  layout = ocr::analyze_layout(long_line, opt);
  ASSERT_EQ(layout.line_count(), 1);
  const auto& l = layout.blocks[0].paragraphs[0].lines[0];
  EXPECT_EQ(l.box, ink);
  EXPECT_EQ(l.crop.br().x, std::min(long_line.cols, ink.br().x + 3 * l.crop.height / 2));
  EXPECT_LT(l.crop.width, line.cols + 2 * line.rows);
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
  EXPECT_EQ(ocr::parse_layout("11"), ocr::LayoutMode::Page);
  EXPECT_EQ(ocr::parse_layout("4"), ocr::LayoutMode::Block);
  EXPECT_EQ(ocr::parse_layout("8"), ocr::LayoutMode::Line);
  EXPECT_EQ(ocr::parse_layout("13"), ocr::LayoutMode::Line);
  EXPECT_THROW(ocr::parse_layout("columns"), ocr::FormatError);
  EXPECT_THROW(ocr::parse_layout("5"), ocr::FormatError);  // vertical text: nothing of ours means that
  EXPECT_THROW(ocr::analyze_layout(cv::Mat(), opt), ocr::ShapeError);
}

namespace {

ocr::PageLayout page_layout(const cv::Mat& img) {
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Page;
  return ocr::analyze_layout(img, opt);
}

bool any_line_meets(const ocr::PageLayout& layout, const cv::Rect& r) {
  for (const auto& l : all_lines(layout))
    if ((l.box & r).area() > 0) return true;
  return false;
}

// A receipt-like page: text lines, a dashed separator, a barcode, and text again.
cv::Mat page_with_dashes_and_barcode() {
  cv::Mat img(520, 700, CV_8UC1, cv::Scalar(255));
  ocr::test::draw_line(img, 40, 60, 4, 1);
  ocr::test::draw_line(img, 40, 100, 4, 2);
  for (int x = 40; x < 640; x += 20) cv::line(img, {x, 140}, {x + 11, 140}, 0, 2);  // - - - -
  ocr::test::draw_line(img, 40, 190, 4, 3);
  // Bars 2-6 px wide, 2-4 px apart, 90 px tall: a fixed pseudo-random pattern.
  for (int x = 120, k = 0; x < 480; ++k) {
    int w = 2 + (k * 7) % 5, gap = 2 + (k * 3) % 3;
    cv::rectangle(img, cv::Rect(x, 230, w, 90), 0, cv::FILLED);
    x += w + gap;
  }
  ocr::test::draw_line(img, 40, 380, 4, 4);
  return img;
}

}  // namespace

TEST(Layout, DashedRuleAndBarcodeAreNotText) {
  cv::Mat img = page_with_dashes_and_barcode();
  auto layout = page_layout(img);
  EXPECT_EQ(layout.line_count(), 4);
  EXPECT_FALSE(any_line_meets(layout, {40, 136, 600, 9})) << "a line on the dashed rule";
  EXPECT_FALSE(any_line_meets(layout, {120, 230, 360, 90})) << "a line on the barcode";
  bool rule = false, code = false;
  for (const auto& r : layout.rules) rule = rule || (r.y <= 140 && r.y + r.height >= 140 && r.width > 400);
  for (const auto& p : layout.pictures) code = code || ((p & cv::Rect(120, 230, 360, 90)).area() > 300 * 80);
  EXPECT_TRUE(rule);
  EXPECT_TRUE(code);
  // The text lines read in order, top to bottom.
  auto lines = all_lines(layout);
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_GT(lines[i].box.y, lines[i - 1].box.y);
}

TEST(Layout, DotLeadersAndDotsOfLettersStayText) {
  cv::Mat img(200, 700, CV_8UC1, cv::Scalar(255));
  cv::putText(img, "Total", {40, 60}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
  for (int x = 130; x < 520; x += 12) cv::circle(img, {x, 58}, 1, 0, cv::FILLED);  // . . . .
  cv::putText(img, "9.00", {540, 60}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
  cv::putText(img, "ii iii illicit iiii minimi iii", {40, 130}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2,
              cv::LINE_AA);
  auto layout = page_layout(img);
  EXPECT_TRUE(layout.rules.empty());
  EXPECT_EQ(layout.line_count(), 2);
  auto lines = all_lines(layout);
  ASSERT_FALSE(lines.empty());
  EXPECT_LT(lines[0].box.x, 60);
  EXPECT_GT(lines[0].box.x + lines[0].box.width, 560);  // one line from "Total" to "9.00"
}

TEST(Layout, LabelsAndValuesAreReadRowByRow) {
  // A receipt's totals: labels on the left, amounts far right, on shared rows.
  cv::Mat img(260, 700, CV_8UC1, cv::Scalar(255));
  const char* labels[] = {"Total", "Cash", "Change", "Rounding"};
  const char* values[] = {"9.00", "10.00", "1.00", "0.00"};
  for (int i = 0; i < 4; ++i) {
    cv::putText(img, labels[i], {40, 50 + 40 * i}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
    cv::putText(img, values[i], {560, 50 + 40 * i}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
  }
  auto layout = page_layout(img);
  auto lines = all_lines(layout);
  ASSERT_EQ(lines.size(), 4u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LT(lines[i].box.x, 60) << i;
    EXPECT_GT(lines[i].box.x + lines[i].box.width, 600) << i;
    if (i > 0) {
      EXPECT_GT(lines[i].box.y, lines[i - 1].box.y);
    }
  }
}

TEST(Layout, SolidBlobIsAPictureButBigBoldWordsAreText) {
  cv::Mat img(400, 700, CV_8UC1, cv::Scalar(255));
  cv::putText(img, "moon", {40, 90}, cv::FONT_HERSHEY_SIMPLEX, 1.6, 0, 9, cv::LINE_AA);
  for (int i = 0; i < 4; ++i) ocr::test::draw_line(img, 120, 170 + 36 * i, 4, i);
  cv::circle(img, {60, 210}, 28, 0, cv::FILLED);  // a punched hole beside the text
  auto layout = page_layout(img);
  ASSERT_EQ(layout.pictures.size(), 1u);
  EXPECT_TRUE(layout.pictures[0].contains({60, 210}));
  EXPECT_EQ(layout.line_count(), 5);
  EXPECT_TRUE(any_line_meets(layout, {40, 40, 300, 50}));  // the big word
  EXPECT_FALSE(any_line_meets(layout, {40, 190, 40, 40}));
}

TEST(Layout, SpecksAndPageEdgesMakeNoLines) {
  cv::Mat img(300, 600, CV_8UC1, cv::Scalar(255));
  ocr::test::draw_line(img, 40, 60, 4, 1);
  cv::rectangle(img, cv::Rect(300, 120, 4, 4), 0, cv::FILLED);  // a speck on a row of its own
  cv::rectangle(img, cv::Rect(596, 0, 4, 300), 0, cv::FILLED);  // the page edge's shadow
  ocr::test::draw_line(img, 40, 180, 4, 2);
  auto layout = page_layout(img);
  ASSERT_EQ(layout.line_count(), 2);
  for (const auto& l : all_lines(layout)) EXPECT_LT(l.box.x + l.box.width, 560);
}

TEST(Layout, FaintPrintBesideDarkPrintIsFound) {
  // A receipt whose thermal print has faded in places: one row dark, one faint (grey 185-190 on paper
  // 250, on the paper side of the page's Otsu split), one row dark with a faint tail. The faint
  // text must make lines of its own and stretch the tail's line to its end.
  cv::Mat img(240, 700, CV_8UC1, cv::Scalar(250));
  cv::putText(img, "TOTAL SALES 6.36", {40, 60}, cv::FONT_HERSHEY_SIMPLEX, 0.8, 20, 2, cv::LINE_AA);
  cv::putText(img, "GLOVE 1200 PER PAIR", {40, 120}, cv::FONT_HERSHEY_SIMPLEX, 0.8, 185, 2, cv::LINE_AA);
  cv::putText(img, "CASH", {40, 180}, cv::FONT_HERSHEY_SIMPLEX, 0.8, 20, 2, cv::LINE_AA);
  cv::putText(img, "6.36 PAID", {400, 180}, cv::FONT_HERSHEY_SIMPLEX, 0.8, 190, 2, cv::LINE_AA);
  auto lines = all_lines(page_layout(img));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NEAR(lines[1].box.y + lines[1].box.height / 2, 110, 12);
  EXPECT_GT(lines[1].box.width, 250);
  EXPECT_GT(lines[2].box.x + lines[2].box.width, 500);  // the faint tail belongs to its row
}

TEST(Layout, APanelIsItsOwnRegionAndASeparatorCutsFirst) {
  // A screenshot after its dark sidebar was turned dark-on-light: sidebar words on the rows of
  // the body lines beside them, and a menu bar over a full-width separator whose word gaps line up
  // with the gap between sidebar and body.
  cv::Mat img(520, 900, CV_8UC1, cv::Scalar(255));
  const char* menu[] = {"File", "Edit", "View", "Help"};
  const int menu_x[] = {20, 90, 210, 290};
  for (int i = 0; i < 4; ++i)
    cv::putText(img, menu[i], {menu_x[i], 28}, cv::FONT_HERSHEY_SIMPLEX, 0.6, 0, 1, cv::LINE_AA);
  cv::line(img, {0, 42}, {899, 42}, cv::Scalar(120), 1);
  const cv::Rect panel(0, 50, 170, 470);
  const char* side[] = {"Inbox", "Drafts", "Sent", "Trash"};
  for (int i = 0; i < 4; ++i)
    cv::putText(img, side[i], {20, 90 + 40 * i}, cv::FONT_HERSHEY_SIMPLEX, 0.6, 0, 1, cv::LINE_AA);
  for (int i = 0; i < 10; ++i) ocr::test::draw_line(img, 210, 90 + 40 * i, 5, i, 0.6);
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Page;
  // Without the panel, the sidebar's words share rows with the body lines and are read as
  // label/value rows of a form: joined with them.
  int straddling = 0;
  for (const auto& l : all_lines(ocr::analyze_layout(img, opt))) straddling += l.box.x < 170 && l.box.br().x > 210;
  EXPECT_GT(straddling, 1);
  opt.panels = {panel};
  const auto lines = all_lines(ocr::analyze_layout(img, opt));
  ASSERT_EQ(lines.size(), 15u);
  // The menu bar is one line (not cut at its word gaps), then the sidebar, then the body.
  EXPECT_LT(lines[0].box.br().y, 42);
  EXPECT_LT(lines[0].box.x, 30);
  EXPECT_GT(lines[0].box.br().x, 300);
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(lines[size_t(i)].box & panel, lines[size_t(i)].box) << i;
  for (int i = 5; i < 15; ++i) EXPECT_GE(lines[size_t(i)].box.x, 205) << i;
}

namespace {

// Dark pixels of an 8-bit image.
int ink_pixels(const cv::Mat& img) {
  cv::Mat dark = img < 128;
  return cv::countNonZero(dark);
}

// Three lines set 30 px apart (baseline to baseline) on a tall canvas; the middle one's baseline
// is at y = 100.
cv::Mat three_lines() {
  cv::Mat img(200, 460, CV_8UC1, cv::Scalar(255));
  ocr::test::draw_line(img, 10, 70, 4, 1);
  ocr::test::draw_line(img, 10, 100, 4, 3);
  ocr::test::draw_line(img, 10, 130, 4, 5);
  return img;
}

ocr::PageLayout line_layout(const cv::Mat& img) {
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Line;
  return ocr::analyze_layout(img, opt);
}

// The rows [top, bottom) holding ink of the middle line alone, drawn on its own.
std::pair<int, int> middle_line_rows() {
  cv::Mat img(200, 460, CV_8UC1, cv::Scalar(255));
  ocr::test::draw_line(img, 10, 100, 4, 3);
  cv::Mat pts;
  cv::findNonZero(img < 128, pts);
  cv::Rect r = cv::boundingRect(pts);
  return {r.y, r.y + r.height};
}

}  // namespace

// A loose crop with slices of the lines above and below (up to 45 % of a line's height): the line
// image handed to the network holds the middle line's ink and none of the slices, and its height,
// which sets the scale of the normalised line, does not depend on how much of the neighbours the
// crop caught.
TEST(Layout, LineModeKeepsTheMainLineAndPaintsNeighbourSlices) {
  const cv::Mat page = three_lines();
  const auto [top, bottom] = middle_line_rows();
  const int line_h = bottom - top;
  cv::Mat alone(200, 460, CV_8UC1, cv::Scalar(255));
  ocr::test::draw_line(alone, 10, 100, 4, 3);
  const int middle_ink = ink_pixels(alone);
  std::vector<int> heights;
  for (double slice : {0.0, 0.1, 0.25, 0.45}) {
    // The neighbours' ink ends 30 - line_h px from the middle line's: show `slice` of each.
    const int gap = 30 - line_h;
    const int shown = static_cast<int>(slice * line_h);
    const int y0 = top - gap - shown, y1 = bottom + gap + shown;
    cv::Mat crop = page(cv::Rect(0, y0, page.cols, y1 - y0)).clone();
    SCOPED_TRACE("slice " + std::to_string(slice));
    auto layout = line_layout(crop);
    ASSERT_EQ(layout.line_count(), 1);
    auto lines = ocr::extract_line_images(crop, layout);
    ASSERT_EQ(lines.size(), 1u);
    const cv::Rect rows = all_lines(layout)[0].crop;
    // Every row of the middle line is in, no row of a slice beyond a margin.
    EXPECT_LE(rows.y, top - y0);
    EXPECT_GE(rows.y + rows.height, bottom - y0);
    EXPECT_NEAR(ink_pixels(lines[0]), middle_ink, 0.03 * middle_ink);
    heights.push_back(lines[0].rows);
  }
  for (int h : heights) EXPECT_NEAR(h, heights.front(), 2);
  EXPECT_LE(heights.front(), line_h * 1.7);
}

// The main line is the complete one near the middle, also when the crop is off-centre and loose,
// and a tight crop keeps the dots of its i's and an underline beneath it.
TEST(Layout, LineModeFindsAnOffCentreLineAndKeepsDotsAndUnderline) {
  const cv::Mat page = three_lines();
  const auto [top, bottom] = middle_line_rows();
  // Off-centre: the middle line in the upper part of a loose crop, a slice of the line below it.
  cv::Mat loose = page(cv::Rect(0, top - 6, page.cols, bottom - top + 40)).clone();
  auto layout = line_layout(loose);
  auto lines = ocr::extract_line_images(loose, layout);
  ASSERT_EQ(lines.size(), 1u);
  cv::Mat alone(200, 460, CV_8UC1, cv::Scalar(255));
  ocr::test::draw_line(alone, 10, 100, 4, 3);
  EXPECT_NEAR(ink_pixels(lines[0]), ink_pixels(alone), 0.03 * ink_pixels(alone));
  EXPECT_LT(lines[0].rows, loose.rows - 10);

  // "india mike ..." tightly cropped, underlined: nothing is painted.
  cv::Mat line(40, 300, CV_8UC1, cv::Scalar(255));
  cv::putText(line, "india mike", {5, 24}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
  cv::line(line, {3, 28}, {290, 28}, 0, 1);
  cv::Mat pts;
  cv::findNonZero(line < 128, pts);
  cv::Mat tight = line(cv::boundingRect(pts)).clone();
  layout = line_layout(tight);
  lines = ocr::extract_line_images(tight, layout);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(ink_pixels(lines[0]), ink_pixels(tight));
}

// A big ragged component (the table around a photographed receipt) whose box holds text lines:
// the lines are read, since the component's own pixels do not surround them.
TEST(Layout, APictureHidesOnlyWhatItsPixelsSurround) {
  cv::Mat img(700, 700, CV_8UC1, cv::Scalar(255));
  // An L of dense texture along the top and the right edge.
  cv::Mat top = img(cv::Rect(0, 0, 700, 120)), right = img(cv::Rect(560, 0, 140, 700));
  cv::randu(top, 0, 150);
  cv::randu(right, 0, 150);
  for (int i = 0; i < 6; ++i) ocr::test::draw_line(img, 40, 220 + 60 * i, 3, i);
  ocr::LayoutOptions opt;
  opt.mode = ocr::LayoutMode::Page;
  auto layout = ocr::analyze_layout(img, opt);
  EXPECT_FALSE(layout.pictures.empty());
  EXPECT_EQ(layout.line_count(), 6);
  // Text printed over the texture itself stays hidden.
  cv::Mat over = img.clone();
  ocr::test::draw_line(over, 20, 70, 3, 9);
  EXPECT_EQ(ocr::analyze_layout(over, opt).line_count(), 6);
}
