// find_lines on hand-drawn core maps (bands of known centre, thickness, tilt and curve, drawn
// at 8x and averaged down, then blurred as a network's output is) and cut_line on rendered,
// rotated and bent text.
#include "ocr/detect/line_finder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <opencv2/imgproc.hpp>
#include <random>

#include "ocr/core/error.h"
#include "ocr/detect/reading_order.h"

namespace {

constexpr double kScale = 4;       // page px per map px
constexpr double kThickness = 2.5;  // map px: an x-height of 10 page px
constexpr int kSuper = 8;

// A core map drawn at kSuper times the map's resolution. Map coordinates put pixel centres at
// integers.
class MapCanvas {
 public:
  MapCanvas(int width, int height) : hi_(height * kSuper, width * kSuper, CV_8U, cv::Scalar(0)) {}

  // A band of the given thickness around the curve y = f(x), x in [x0, x1] (outer edges).
  void band(double x0, double x1, const std::function<double(double)>& f, double thickness = kThickness) {
    std::vector<cv::Point> top, bottom;
    const int steps = std::max(2, int((x1 - x0) * 2));
    for (int i = 0; i <= steps; ++i) {
      const double x = x0 + (x1 - x0) * i / steps;
      const double dx = 0.01, slope = (f(x + dx) - f(x - dx)) / (2 * dx);
      const double n = std::sqrt(1 + slope * slope);
      // Perpendicular offsets: a tilted band keeps its thickness across the line.
      const double ox = slope / n * thickness / 2, oy = 1 / n * thickness / 2;
      top.push_back(hi(x + ox, f(x) - oy));
      bottom.push_back(hi(x - ox, f(x) + oy));
    }
    // Square ends at x0 and x1 for a level band; tilted bands get slanted ends, as rotated text.
    std::vector<cv::Point> poly(top.begin(), top.end());
    poly.insert(poly.end(), bottom.rbegin(), bottom.rend());
    cv::fillPoly(hi_, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255));
  }
  void straight(double x0, double x1, double y, double thickness = kThickness) {
    band(x0, x1, [y](double) { return y; }, thickness);
  }
  void rect(double x0, double y0, double x1, double y1) {
    cv::rectangle(hi_, hi(x0, y0), hi(x1, y1), cv::Scalar(255), cv::FILLED);
  }

  // Coverage in 0..peak, blurred a little: a network's map is soft at the edges.
  cv::Mat map(float peak = 0.95f, double sigma = 0.6) const {
    cv::Mat small;
    cv::resize(hi_, small, cv::Size(hi_.cols / kSuper, hi_.rows / kSuper), 0, 0, cv::INTER_AREA);
    small.convertTo(small, CV_32F, peak / 255.0);
    cv::GaussianBlur(small, small, cv::Size(0, 0), sigma);
    return small;
  }

 private:
  // Map pixel x spans [x - 0.5, x + 0.5]: its 8 sub-pixels are 8x .. 8x + 7.
  static cv::Point hi(double x, double y) {
    return {int(std::lround((x + 0.5) * kSuper - 0.5)), int(std::lround((y + 0.5) * kSuper - 0.5))};
  }
  cv::Mat hi_;
};

ocr::LineFinderOptions options() {
  ocr::LineFinderOptions opt;
  opt.scale = kScale;
  return opt;
}

double to_page(double v) { return (v + 0.5) * kScale - 0.5; }
double to_map(double v) { return (v + 0.5) / kScale - 0.5; }

// Largest distance, in map px, from the line's centreline points to the curve y = f(x).
double centreline_error(const ocr::DetectedLine& line, const std::function<double(double)>& f) {
  double worst = 0;
  for (const cv::Point2f& p : line.centerline) worst = std::max(worst, std::abs(to_map(p.y) - f(to_map(p.x))));
  return worst;
}

TEST(FindLines, StraightLinesGiveTheirXHeightCentreAndBox) {
  MapCanvas canvas(200, 80);
  const double ys[] = {14.3, 27.0, 41.6};
  const int lefts[] = {10, 25, 40}, rights[] = {150, 180, 120};  // first and last core columns
  for (int i = 0; i < 3; ++i) canvas.straight(lefts[i] - 0.5, rights[i] + 0.5, ys[i]);
  const auto lines = ocr::find_lines(canvas.map(), options());
  ASSERT_EQ(lines.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const ocr::DetectedLine& l = lines[i];
    const double xh = kThickness * kScale, centre = to_page(ys[i]);
    EXPECT_NEAR(l.x_height, xh, 0.1 * xh) << i;
    EXPECT_NEAR(l.angle, 0, 0.5 * CV_PI / 180) << i;
    EXPECT_GT(l.score, 0.7f) << i;
    EXPECT_LT(centreline_error(l, [&](double) { return ys[i]; }), 0.25) << i;
    EXPECT_NEAR(l.box.x, lefts[i] * kScale, 2) << i;
    EXPECT_NEAR(l.box.br().x, (rights[i] + 1) * kScale, 2) << i;
    EXPECT_NEAR(l.box.y, centre - 0.5 * xh - 1.0 * xh, 2) << i;
    EXPECT_NEAR(l.box.br().y, centre + 0.5 * xh + 0.6 * xh, 2) << i;
    EXPECT_NEAR(l.centerline.front().x, lefts[i] * kScale, 1) << i;
    EXPECT_NEAR(l.centerline.back().x, (rights[i] + 1) * kScale, 1) << i;
  }
}

TEST(FindLines, RaggedEndsDoNotBendTheCentreline) {
  MapCanvas canvas(200, 40);
  canvas.straight(19.5, 170.5, 20);
  canvas.rect(171, 18.5, 175, 20);  // a thin tail high up at the right end: a weak last glyph
  canvas.rect(14, 20, 19, 21.5);    // and a low one at the left
  const auto lines = ocr::find_lines(canvas.map(), options());
  ASSERT_EQ(lines.size(), 1u);
  const auto& l = lines[0];
  EXPECT_LT(centreline_error(l, [](double) { return 20.0; }), 0.35);
  EXPECT_NEAR(l.angle, 0, 0.2 * CV_PI / 180);
  EXPECT_NEAR(l.x_height, kThickness * kScale, 0.1 * kThickness * kScale);
  EXPECT_NEAR(l.box.x, 14 * kScale, 4);  // the tails are ink: the line reaches them
  EXPECT_NEAR(l.box.br().x, 176 * kScale, 4);
}

TEST(FindLines, XHeightIsSubPixelAcrossThicknesses) {
  for (double t : {1.8, 2.2, 2.5, 3.1, 4.0, 5.5}) {
    MapCanvas canvas(160, 40);
    canvas.straight(10, 150, 19.7, t);
    const auto lines = ocr::find_lines(canvas.map(), options());
    ASSERT_EQ(lines.size(), 1u) << t;
    EXPECT_NEAR(lines[0].x_height, t * kScale, 0.07 * t * kScale) << t;
  }
}

TEST(FindLines, TiltedLinesGiveTheirAngle) {
  for (double degrees : {5.0, -3.0, 12.0, 20.0}) {
    const double slope = std::tan(degrees * CV_PI / 180);
    MapCanvas canvas(260, 120);
    auto f = [&](double x) { return 60 + slope * (x - 130); };
    canvas.band(30, 230, f);
    const auto lines = ocr::find_lines(canvas.map(), options());
    ASSERT_EQ(lines.size(), 1u) << degrees;
    EXPECT_NEAR(lines[0].angle * 180 / CV_PI, degrees, 1.0);
    // Across the line, not down the column (that is 1 / cos = 6 % more at 20 degrees).
    EXPECT_NEAR(lines[0].x_height, kThickness * kScale, 0.04 * kThickness * kScale) << degrees;
    EXPECT_LT(centreline_error(lines[0], f), 0.6) << degrees;
  }
}

TEST(FindLines, CentrelineFollowsACurvedLine) {
  MapCanvas canvas(300, 100);
  auto f = [](double x) { return 50 + 6 * std::sin(2 * CV_PI * (x - 20) / 240); };
  canvas.band(20, 260, f);
  const auto lines = ocr::find_lines(canvas.map(), options());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_LT(centreline_error(lines[0], f), 1.0);
  EXPECT_GT(lines[0].centerline.size(), 20u);
  EXPECT_NEAR(lines[0].x_height, kThickness * kScale, 0.1 * kThickness * kScale);
  // The box holds the whole curve: its top is over the crest, its bottom under the trough.
  EXPECT_NEAR(lines[0].box.y, to_page(44) - 1.5 * kThickness * kScale, 3);
  EXPECT_NEAR(lines[0].box.br().y, to_page(56) + 1.1 * kThickness * kScale, 3);
}

TEST(FindLines, TouchingCoresAreSplit) {
  MapCanvas canvas(220, 70);
  canvas.straight(10, 200, 30);
  canvas.straight(14, 196, 36.5);
  canvas.rect(100, 30, 102, 36.5);  // a blot joins the two cores over three columns
  canvas.rect(160, 31, 160.6, 36);  // and a thin bridge over one column
  const cv::Mat map = canvas.map();
  cv::Mat labels;
  ASSERT_EQ(cv::connectedComponents(map >= 0.5f, labels, 4), 2) << "the cores must touch for this test";
  const auto lines = ocr::find_lines(map, options());
  ASSERT_EQ(lines.size(), 2u);
  const double centres[] = {30, 36.5}, lefts[] = {10, 14}, rights[] = {200, 196};
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(lines[i].box.x, to_page(lefts[i]), 4) << i;
    EXPECT_NEAR(lines[i].box.br().x, to_page(rights[i]), 4) << i;
    EXPECT_LT(centreline_error(lines[i], [&](double) { return centres[i]; }), 0.5) << i;
    EXPECT_NEAR(lines[i].x_height, kThickness * kScale, 0.1 * kThickness * kScale) << i;
  }
}

TEST(FindLines, HeadingTouchingABodyLineKeepsBoth) {
  MapCanvas canvas(220, 60);
  const double heading = 2.4 * kThickness;
  canvas.straight(9.5, 99.5, 18, heading);
  canvas.straight(9.5, 199.5, 30);
  canvas.rect(40, 18, 42, 30);  // a descender's blot joins them
  const cv::Mat map = canvas.map();
  cv::Mat labels;
  ASSERT_EQ(cv::connectedComponents(map >= 0.5f, labels, 4), 2) << "the cores must touch for this test";
  const auto lines = ocr::find_lines(map, options());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NEAR(lines[0].x_height, heading * kScale, 0.1 * heading * kScale);
  EXPECT_NEAR(lines[0].box.br().x, 100 * kScale, 4);
  EXPECT_NEAR(lines[1].x_height, kThickness * kScale, 0.1 * kThickness * kScale);
  EXPECT_NEAR(lines[1].box.x, 10 * kScale, 4);
  EXPECT_NEAR(lines[1].box.br().x, 200 * kScale, 4);
}

TEST(FindLines, LineBrokenByAWeakStretchIsJoined) {
  MapCanvas canvas(280, 60);
  canvas.straight(10, 250, 20);
  canvas.band(10, 250, [](double x) { return 40 + 0.05 * (x - 10); });  // tilted, broken twice
  cv::Mat map = canvas.map();
  map(cv::Rect(120, 0, 3, 30)) *= 0.3;  // a weak stretch of 1.2 x-heights
  map(cv::Rect(80, 30, 2, 30)) *= 0.3;
  map(cv::Rect(190, 30, 3, 30)) *= 0.3;
  const auto lines = ocr::find_lines(map, options());
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& l : lines) {
    EXPECT_NEAR(l.box.x, 10 * kScale, 4);
    EXPECT_NEAR(l.box.br().x, 251 * kScale, 4);
  }
  EXPECT_NEAR(lines[1].angle, std::atan(0.05), 0.5 * CV_PI / 180);
}

TEST(FindLines, ColumnsWithAGutterStayApart) {
  MapCanvas canvas(260, 60);
  const double gutter = 3 * kThickness;  // 3 x-heights: a narrow gutter
  for (int row = 0; row < 3; ++row) {
    const double y = 12 + 16 * row;
    canvas.straight(9.5, 119.5, y);  // core columns 10..119 and from 120 + gutter to 239
    canvas.straight(119.5 + gutter, 239.5, y);
  }
  const auto lines = ocr::find_lines(canvas.map(), options());
  ASSERT_EQ(lines.size(), 6u);
  for (const auto& l : lines) {
    const bool left = l.box.x < 60 * kScale;
    EXPECT_NEAR(l.box.x, left ? 10 * kScale : (120 + gutter) * kScale, 3);
    EXPECT_NEAR(l.box.br().x, left ? 120 * kScale : 240 * kScale, 3);
  }
}

TEST(FindLines, SpecksAndWeakBlobsAreDropped) {
  MapCanvas canvas(200, 100);
  canvas.straight(10, 190, 15);
  canvas.straight(10, 120, 40);
  cv::Mat map = canvas.map();
  // Single confident pixels and pairs: too small for a line.
  for (cv::Point p : {cv::Point(150, 30), cv::Point(30, 28), cv::Point(170, 45), cv::Point(5, 5)}) map.at<float>(p) = 1.f;
  map.at<float>(50, 150) = map.at<float>(50, 151) = 0.9f;
  // A doubtful blob of line size: the mean probability is under min_score.
  MapCanvas weak(200, 100);
  weak.straight(140, 180, 40);
  map = cv::max(map, weak.map(0.58f));
  // A confident blob far thicker than any text: a picture.
  map(cv::Rect(130, 52, 60, 40)).setTo(0.9f);
  const auto lines = ocr::find_lines(map, options());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_LT(lines[1].box.br().x, 125 * kScale);
}

TEST(FindLines, RejectsAWrongMapType) {
  EXPECT_THROW(ocr::find_lines(cv::Mat(10, 10, CV_8U, cv::Scalar(0)), options()), ocr::ShapeError);
  EXPECT_TRUE(ocr::find_lines(cv::Mat(), options()).empty());
}

// --- cut_line ----------------------------------------------------------------------------

cv::Mat inverse(const cv::Mat& affine) {
  cv::Mat inv;
  cv::invertAffineTransform(affine, inv);
  return inv;
}

struct RenderedLine {
  cv::Mat page;
  double x_height = 0;
  double centre_y = 0;  // of the x-height band, before the page is turned or bent
  double left = 0, right = 0;
};

// Letters without ascenders or descenders: all ink lies in the x-height band.
RenderedLine render_line() {
  RenderedLine r;
  r.page = cv::Mat(400, 900, CV_8U, cv::Scalar(235));
  const std::string text = "summer was over saw vans run on a mean wave as sun rose";
  cv::putText(r.page, text, {60, 200}, cv::FONT_HERSHEY_SIMPLEX, 1.0, cv::Scalar(20), 2, cv::LINE_AA);
  cv::Mat ink = r.page < 128;
  const cv::Rect b = cv::boundingRect(ink);
  r.x_height = b.height;
  r.centre_y = b.y + 0.5 * (b.height - 1);
  r.left = b.x, r.right = b.br().x - 1;
  return r;
}

ocr::DetectedLine line_along(const std::vector<cv::Point2f>& pts, double x_height) {
  ocr::DetectedLine l;
  l.centerline = pts;
  l.x_height = x_height;
  std::vector<cv::Point> ipts(pts.begin(), pts.end());
  const cv::Rect core = cv::boundingRect(ipts);
  const int up = int(std::lround(1.5 * x_height)), down = int(std::lround(1.1 * x_height));
  l.box = cv::Rect(core.x, core.y - up, core.width, core.height + up + down);
  return l;
}

// Rows of the cut that hold 95 % of its ink (2.5 % cut off at each end).
std::pair<int, int> ink_rows(const cv::Mat& cut) {
  cv::Mat ink = cut < 128;
  std::vector<double> profile(cut.rows);
  double total = 0;
  for (int y = 0; y < cut.rows; ++y) total += profile[y] = cv::countNonZero(ink.row(y));
  double acc = 0;
  int first = -1, last = -1;
  for (int y = 0; y < cut.rows; ++y) {
    acc += profile[y];
    if (first < 0 && acc > 0.025 * total) first = y;
    if (last < 0 && acc >= 0.975 * total) last = y;
  }
  return {first, last};
}

void expect_straight_cut(const cv::Mat& cut, const RenderedLine& r, double above, double below) {
  ASSERT_EQ(cut.type(), CV_8UC1);
  EXPECT_NEAR(cut.rows, (above + below) * r.x_height, 1.0);
  EXPECT_NEAR(cut.cols, r.right - r.left + 1 + r.x_height, 0.03 * cut.cols);
  const auto [first, last] = ink_rows(cut);
  // One band of x-height rows, centred where the core's centre falls.
  EXPECT_LE(last - first + 1, r.x_height + 2);
  EXPECT_NEAR(0.5 * (first + last), above * r.x_height, 1.5);
  // Paper all round: nothing black came from outside the page.
  double lo = 0;
  cv::minMaxLoc(cut.row(0), &lo);
  EXPECT_GT(lo, 200);
}

TEST(CutLine, TiltedLineComesOutHorizontal) {
  const RenderedLine r = render_line();
  for (double degrees : {7.0, -4.0}) {
    const cv::Point2f centre(450, 200);
    // Positive angle: the line descends to the right (y down), as DetectedLine::angle says.
    const cv::Mat rot = cv::getRotationMatrix2D(centre, -degrees, 1.0);
    cv::Mat page;
    cv::warpAffine(r.page, page, rot, r.page.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(235));
    std::vector<cv::Point2f> pts;
    for (double x = r.left - 0.5; x <= r.right + 0.5; x += 40) pts.emplace_back(float(x), float(r.centre_y));
    pts.emplace_back(float(r.right + 0.5), float(r.centre_y));
    cv::transform(pts, pts, rot);
    const ocr::DetectedLine line = line_along(pts, r.x_height);
    const cv::Mat cut = ocr::cut_line(page, line);
    expect_straight_cut(cut, r, 1.5, 1.1);

    // Turned back, not sheared: the glyphs match the cut of the level line stroke for stroke.
    std::vector<cv::Point2f> level;
    cv::transform(pts, level, inverse(rot));
    const cv::Mat reference = ocr::cut_line(r.page, line_along(level, r.x_height));
    ASSERT_EQ(reference.size(), cut.size());
    cv::Mat match;
    cv::matchTemplate(cut, reference, match, cv::TM_CCOEFF_NORMED);
    // Measured 0.991 at 7 and -4 degrees; sampling straight down the columns instead gives 0.955
    // and 0.978.
    EXPECT_GT(match.at<float>(0), 0.985) << degrees;

    // The box of the tilted line, cut straight, would smear the ink over many rows.
    const auto [first, last] = ink_rows(page(line.box & cv::Rect(0, 0, page.cols, page.rows)));
    EXPECT_GT(last - first, 3 * r.x_height) << degrees;
  }
}

TEST(CutLine, CurvedLineComesOutHorizontal) {
  const RenderedLine r = render_line();
  auto bend = [](double x) { return 25 * std::sin(2 * CV_PI * x / 700) + 0.05 * (x - 450); };
  cv::Mat map_x(r.page.size(), CV_32F), map_y(r.page.size(), CV_32F);
  for (int y = 0; y < r.page.rows; ++y)
    for (int x = 0; x < r.page.cols; ++x) map_x.at<float>(y, x) = float(x), map_y.at<float>(y, x) = float(y - bend(x));
  cv::Mat page;
  cv::remap(r.page, page, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(235));
  std::vector<cv::Point2f> pts;
  for (double x = r.left; x <= r.right; x += 10) pts.emplace_back(float(x), float(r.centre_y + bend(x)));
  // The bend shears the glyphs (columns move up and down, they do not turn), so the band thickens
  // a little where the curve is steep; the arc is longer than the text's width.
  const ocr::DetectedLine line = line_along(pts, r.x_height);
  const cv::Mat cut = ocr::cut_line(page, line, 1.2, 1.3);
  EXPECT_NEAR(cut.rows, 2.5 * r.x_height, 1.0);
  const auto [first, last] = ink_rows(cut);
  EXPECT_LE(last - first + 1, r.x_height + 3);
  EXPECT_NEAR(0.5 * (first + last), 1.2 * r.x_height, 1.5);
}

TEST(CutLine, OutsideThePageIsPaper) {
  cv::Mat page(100, 200, CV_8U, cv::Scalar(210));
  cv::putText(page, "mum", {2, 60}, cv::FONT_HERSHEY_SIMPLEX, 1.0, cv::Scalar(10), 2);
  ocr::DetectedLine line = line_along({{2, 52}, {60, 52}}, 14);
  line.box = {0, 30, 70, 40};
  const cv::Mat cut = ocr::cut_line(page, line, 4.0, 4.0, 1.0);  // reaches past the top and left
  double lo = 0;
  cv::minMaxLoc(cut.col(0), &lo);
  EXPECT_GE(lo, 205);
  cv::minMaxLoc(cut.row(0), &lo);
  EXPECT_GE(lo, 205);
  EXPECT_THROW(ocr::cut_line(page, ocr::DetectedLine{}), ocr::ShapeError);
}

// A page-sized map (a 1 700 x 2 200 working image) with 60 lines, some touching, broken or
// tilted: every line found once, and the time of find_lines + cut_line reported.
TEST(FindLines, PageOfSixtyLinesIsFastAndComplete) {
  const int map_w = 425, map_h = 550;
  MapCanvas canvas(map_w, map_h);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> jitter(-0.3, 0.3);
  for (int col = 0; col < 2; ++col)
    for (int row = 0; row < 30; ++row) {
      const double x0 = 15 + col * 205, x1 = x0 + 185 - (row % 7 == 6 ? 90 : 0);
      const double y = 20 + row * 17.5 + jitter(rng), slope = 0.01 * jitter(rng);
      canvas.band(x0, x1, [=](double x) { return y + slope * (x - x0); });
    }
  cv::Mat map = canvas.map();
  std::uniform_real_distribution<float> noise(0.f, 0.2f);
  for (int y = 0; y < map.rows; ++y)
    for (int x = 0; x < map.cols; ++x) map.at<float>(y, x) = std::min(1.f, map.at<float>(y, x) + noise(rng));
  cv::Mat page(int(map_h * kScale), int(map_w * kScale), CV_8U, cv::Scalar(240));
  cv::randu(page, 200, 255);

  const auto start = std::chrono::steady_clock::now();
  const auto lines = ocr::find_lines(map, options());
  const auto found = std::chrono::steady_clock::now();
  size_t pixels = 0;
  for (const auto& l : lines) pixels += ocr::cut_line(page, l).total();
  const auto end = std::chrono::steady_clock::now();
  const double find_ms = std::chrono::duration<double, std::milli>(found - start).count();
  const double cut_ms = std::chrono::duration<double, std::milli>(end - found).count();
  std::cout << "find_lines " << find_ms << " ms, cut_line x " << lines.size() << " " << cut_ms << " ms ("
            << pixels << " px)\n";
  RecordProperty("find_ms", std::to_string(find_ms));
  RecordProperty("cut_ms", std::to_string(cut_ms));
  EXPECT_EQ(lines.size(), 60u);
  EXPECT_LT(find_ms + cut_ms, 500);

  // Two columns of 30 rows each, read column by column.
  const auto blocks = ocr::order_lines(lines);
  ASSERT_EQ(blocks.size(), 2u);
  for (int col = 0; col < 2; ++col) {
    ASSERT_EQ(blocks[col].size(), 30u);
    for (int row = 0; row < 30; ++row) {
      const ocr::DetectedLine& l = lines[size_t(blocks[col][size_t(row)])];
      EXPECT_NEAR(l.box.x, (15 + col * 205) * kScale, 4);
      EXPECT_NEAR(to_map(l.centerline.front().y), 20 + row * 17.5, 2);
    }
  }
}

}  // namespace
