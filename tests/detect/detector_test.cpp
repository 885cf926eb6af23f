#include "ocr/detect/detector.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/precision.h"
#include "ocr/detect/detected_layout.h"
#include "ocr/model/model.h"
#include "ocr/nn/network.h"

namespace ocr {
namespace {

// A detector with random weights and a small receptive field (two 3x3 convolutions before and
// two after the pooling: 3 + 2·2 + 2·4·2 = 23 input px at most), so strips with 96 rows of
// context must give exactly the map of one pass over the whole page.
std::shared_ptr<Model> small_detector(uint64_t seed) {
  auto m = std::make_shared<Model>("C3,3,4 Bn Relu Mp2,2 C3,3,6 Relu Mp2,2 C3,3,6 Relu Om1", 32, seed);
  store_detector_settings(*m, DetectorSettings{});
  return m;
}

cv::Mat random_page(int rows, int cols, uint64_t seed) {
  cv::Mat page(rows, cols, CV_8UC1);
  cv::RNG rng(seed);
  rng.fill(page, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(page, page, cv::Size(5, 5), 1.5);
  return page;
}

TEST(Detector, InputIsInkOneAndPaperZeroColumnMajorPerPixel) {
  cv::Mat a(4, 3, CV_8UC1, cv::Scalar(255)), b(4, 2, CV_8UC1, cv::Scalar(0));
  a.at<uint8_t>(1, 2) = 0;
  Activations in = make_detector_input({a, b});
  ASSERT_EQ(in.channels(), 1);
  EXPECT_EQ(in.batch, 2);
  EXPECT_EQ(in.height, 4);
  EXPECT_EQ(in.width, 3);
  EXPECT_EQ(in.widths, (std::vector<int>{3, 2}));
  EXPECT_FLOAT_EQ(float(in.data(0, in.column(2, 0, 1))), 1.0f);
  EXPECT_FLOAT_EQ(float(in.data(0, in.column(0, 0, 0))), 0.0f);
  EXPECT_FLOAT_EQ(float(in.data(0, in.column(1, 1, 3))), 1.0f);
  EXPECT_FLOAT_EQ(float(in.data(0, in.column(2, 1, 3))), 0.0f);  // padding
  EXPECT_THROW(make_detector_input({a, cv::Mat(5, 2, CV_8UC1)}), ShapeError);
}

TEST(Detector, ScaleBringsTextToTheModelsHeightWithinBounds) {
  EXPECT_DOUBLE_EQ(detector_scale(20, 10), 0.5);
  EXPECT_DOUBLE_EQ(detector_scale(5, 10), 2.0);
  EXPECT_DOUBLE_EQ(detector_scale(1, 10), 2.0);      // a wild estimate cannot blow a page up
  EXPECT_DOUBLE_EQ(detector_scale(400, 10), 0.125);  // nor shrink it to nothing
  EXPECT_DOUBLE_EQ(detector_scale(0, 10), 1.0);      // no estimate: as it is
}

TEST(Detector, SettingsRoundTripThroughTheModel) {
  auto m = small_detector(1);
  DetectorSettings s;
  s.text_height = 12.5;
  s.threshold = 0.4f;
  s.min_score = 0.55f;
  store_detector_settings(*m, s);
  DetectorSettings r = detector_settings(*m);
  EXPECT_NEAR(r.text_height, 12.5, 1e-6);
  EXPECT_NEAR(r.threshold, 0.4f, 1e-6);
  EXPECT_NEAR(r.min_score, 0.55f, 1e-6);
  m->metadata().extra["detector.threshold"] = "high";
  EXPECT_THROW(detector_settings(*m), FormatError);
}

TEST(Detector, RefusesARecognizer) {
  auto rec = std::make_shared<Model>("C3,3,4 Mp2,2 Col O", Alphabet(U" ab"), 16, 1);
  EXPECT_THROW(TextLineDetector{rec}, Error);
}

TEST(Detector, StripsGiveTheMapOfOnePassOverTheWholePage) {
  // In float: int8 quantises each strip's maps with their own range, which moves the
  // probabilities by about 10⁻³ from the whole page's.
  const Precision before = inference_precision();
  set_inference_precision(Precision::Float);
  auto model = small_detector(7);
  TextLineDetector detector(model);
  // Text height 10 = the model's: scale 1, so the page is read as it is, 1300 rows of 720 px in
  // 4 strips (of 364 rows: 2^18 pixels).
  cv::Mat page = random_page(1300, 720, 3);
  TextLineDetector::CoreMap map = detector.core_map(page, 10);
  ASSERT_EQ(map.prob.rows, 325);
  ASSERT_EQ(map.prob.cols, 180);
  EXPECT_NEAR(map.page_px, 4.0, 1e-9);

  // One pass over the page with the paper the detector adds below it (16 rows), cropped back.
  auto net = model->instantiate_for_inference();
  cv::Mat padded;
  cv::copyMakeBorder(page, padded, 0, 16, 0, 0, cv::BORDER_CONSTANT, 255);
  const Activations& out = net->forward(make_detector_input({padded}), Mode::Infer);
  cv::Mat whole = core_probability(out, 0).rowRange(0, 325);
  ASSERT_EQ(whole.size(), map.prob.size());
  double worst = cv::norm(whole, map.prob, cv::NORM_INF);
  EXPECT_LT(worst, 1e-5);
  set_inference_precision(before);
}

// The detector reads a page with paper below it: a line at the very bottom of the image (a
// receipt's last line in a photo cut off below it) has the paper under it that lines had in
// training. Without it, the net's zero padding stands for paper at the input only.
TEST(Detector, APageIsReadWithPaperBelowIt) {
  const Precision before = inference_precision();
  set_inference_precision(Precision::Float);
  auto model = small_detector(11);
  TextLineDetector detector(model);
  cv::Mat page = random_page(200, 160, 4);
  const cv::Mat map = detector.core_map(page, 10).prob;
  auto net = model->instantiate_for_inference();
  cv::Mat padded;
  cv::copyMakeBorder(page, padded, 0, 16, 0, 0, cv::BORDER_CONSTANT, 255);
  const cv::Mat with_paper = core_probability(net->forward(make_detector_input({padded}), Mode::Infer), 0);
  const cv::Mat bare = core_probability(net->forward(make_detector_input({page}), Mode::Infer), 0);
  ASSERT_EQ(map.rows, 50);
  EXPECT_LT(cv::norm(map, with_paper.rowRange(0, 50), cv::NORM_INF), 1e-5);
  // The bottom rows differ from a bare pass: the paper below was seen.
  EXPECT_GT(cv::norm(map.rowRange(45, 50), bare.rowRange(45, 50), cv::NORM_INF), 1e-4);
  set_inference_precision(before);
}

TEST(Detector, MapOfAScaledPageCoversThePage) {
  TextLineDetector detector(small_detector(9));
  cv::Mat page = random_page(203, 301, 5);
  TextLineDetector::CoreMap map = detector.core_map(page, 20);  // scale 0.5
  // 301 px → 151 scaled → 152 padded → 38 map px, each 301/151·4 page px.
  EXPECT_EQ(map.prob.cols, 38);
  EXPECT_EQ(map.prob.rows, 26);
  EXPECT_NEAR(map.page_px, 4 * 301.0 / 151.0, 1e-9);
  double lo, hi;
  cv::minMaxLoc(map.prob, &lo, &hi);
  EXPECT_GE(lo, 0.0);
  EXPECT_LE(hi, 1.0);
}

// A black band just above a line (a scan border, shaded paper beside a cut-out document) is
// painted as paper in its cut; a light-on-dark line keeps its dark ground.
TEST(DetectedLayout, DarkBandsAtACutsEdgeArePaintedAsPaper) {
  cv::Mat page(120, 300, CV_8UC1, cv::Scalar(235));
  page.rowRange(0, 42).setTo(10);                                  // the band, ending 8 px above the letters
  for (int x = 40; x < 250; x += 12) cv::rectangle(page, cv::Rect(x, 50, 6, 20), 0, cv::FILLED);
  page(cv::Rect(0, 90, 300, 30)).setTo(20);                       // a dark bar below, with light text
  for (int x = 40; x < 250; x += 12) cv::rectangle(page, cv::Rect(x, 97, 8, 16), 230, cv::FILLED);
  DetectedLine dark_on_light, light_on_dark;
  dark_on_light.centerline = {cv::Point2f(40, 60), cv::Point2f(248, 60)};
  dark_on_light.x_height = 20;
  dark_on_light.box = cv::Rect(40, 26, 210, 60);
  light_on_dark.centerline = {cv::Point2f(40, 105), cv::Point2f(248, 105)};
  light_on_dark.x_height = 8;
  light_on_dark.box = cv::Rect(40, 92, 210, 24);
  for (DetectedLine* l : {&dark_on_light, &light_on_dark}) l->score = 0.9f;
  const DetectedPage d = layout_detected_lines(page, {dark_on_light});
  ASSERT_EQ(d.lines.size(), 1u);
  const cv::Mat& cut = d.lines[0];
  // The band is gone: no row of the cut is dark across; the letters are all there.
  for (int r = 0; r < cut.rows; ++r) EXPECT_LT(cv::countNonZero(cut.row(r) < 128), 0.6 * cut.cols) << r;
  EXPECT_GE(cv::countNonZero(cut < 128), 18 * 6 * 18);
  const DetectedPage bar = layout_detected_lines(page, {light_on_dark});
  ASSERT_EQ(bar.lines.size(), 1u);
  EXPECT_LT(cv::mean(bar.lines[0])[0], 128);  // still a dark bar: the page recognizer turns it
}

TEST(DetectedLayout, CutsEachLineStraightAndKeepsReadingOrder) {
  // Two columns of three text-like bars each, the second column's rows offset from the first's
  // (an article, not a table); the lines as a detector would give them.
  cv::Mat page(260, 400, CV_8UC1, cv::Scalar(255));
  std::vector<DetectedLine> lines;
  const int xs[2] = {20, 220};
  for (int c = 0; c < 2; ++c)
    for (int r = 0; r < 3; ++r) {
      const int y = 50 + 60 * r + 25 * c;
      for (int x = xs[c]; x < xs[c] + 160; x += 12) cv::rectangle(page, cv::Rect(x, y - 10, 8, 20), 0, cv::FILLED);
      DetectedLine l;
      l.centerline = {cv::Point2f(float(xs[c]), float(y)), cv::Point2f(float(xs[c] + 156), float(y))};
      l.x_height = 20;
      l.score = 0.9f;
      l.box = cv::Rect(xs[c], y - 30, 160, 42);
      lines.push_back(l);
    }
  DetectedPage d = layout_detected_lines(page, lines);
  ASSERT_EQ(d.lines.size(), 6u);
  ASSERT_EQ(d.layout.line_count(), 6);
  // Column by column, each top to bottom.
  std::vector<cv::Rect> boxes;
  for (const auto& b : d.layout.blocks)
    for (const auto& p : b.paragraphs)
      for (const auto& l : p.lines) boxes.push_back(l.box);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(boxes[size_t(i)].x, i < 3 ? 20 : 220) << i;
    if (i % 3) {
      EXPECT_LT(boxes[size_t(i - 1)].y, boxes[size_t(i)].y) << i;
    }
  }
  for (const auto& img : d.lines) {
    ASSERT_EQ(img.type(), CV_8UC1);
    cv::Mat ink = img < 128;
    // All 14 bars of the line are in its cut, and the cut is not much taller than a bar.
    EXPECT_GE(cv::countNonZero(ink), 14 * 8 * 18);
    EXPECT_LE(img.rows, 70);
  }
}

}  // namespace
}  // namespace ocr

namespace ocr {
namespace {

DetectedLine straight_line(float x0, float x1, float y, double xh) {
  DetectedLine l;
  l.centerline = {cv::Point2f(x0, y), cv::Point2f(x1, y)};
  l.x_height = xh;
  l.score = 0.9f;
  l.box = cv::Rect(int(x0), int(y - 1.5 * xh), int(x1 - x0), int(2.7 * xh));
  return l;
}

TEST(DetectedLayout, APanelsLinesAreReadAsOnePieceNotIntoTheBodysRows) {
  // A dark sidebar (a panel) of four short words beside a body of six lines on the same rows,
  // and a menu bar on top: menu, sidebar, body, as the heuristic layout reads a screenshot.
  std::vector<DetectedLine> lines;
  lines.push_back(straight_line(20, 500, 15, 8));  // 0: menu bar
  for (int r = 0; r < 4; ++r) lines.push_back(straight_line(15, 70, 60 + 30 * r, 8));    // 1-4: sidebar
  for (int r = 0; r < 6; ++r) lines.push_back(straight_line(130, 560, 60 + 30 * r, 8));  // 5-10: body
  const std::vector<cv::Rect> panels = {cv::Rect(0, 0, 600, 30), cv::Rect(0, 40, 100, 200)};
  std::vector<int> order;
  for (const auto& b : order_detected_lines(lines, panels))
    for (int i : b) order.push_back(i);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  // Without the panels the rows run across: sidebar word, body line, sidebar word, ...
  std::vector<int> rows;
  for (const auto& b : order_detected_lines(lines, {}))
    for (int i : b) rows.push_back(i);
  EXPECT_EQ(rows[1], 1);
  EXPECT_EQ(rows[2], 5);
}

// The same with a light menu bar and a body of lines of every length (a changelog, not prose):
// the rows of the body and of the sidebar's items align, as a form's labels and values do, but
// the panel is a column of its own (the body's first line was read before the sidebar).
TEST(DetectedLayout, APanelBesideRowsOfUnevenLinesIsAColumnOfItsOwn) {
  std::vector<DetectedLine> lines;
  lines.push_back(straight_line(20, 300, 15, 8));  // 0: menu bar, not a panel
  for (int r = 0; r < 5; ++r) lines.push_back(straight_line(15, 60, 62 + 36 * r, 8));  // 1-5: sidebar
  const float ends[] = {420, 560, 600, 480, 380, 590, 450};
  for (int r = 0; r < 7; ++r) lines.push_back(straight_line(130, ends[r], 58 + 36 * r, 8));  // 6-12: body
  const std::vector<cv::Rect> panels = {cv::Rect(0, 40, 110, 300)};
  std::vector<int> order;
  for (const auto& b : order_detected_lines(lines, panels))
    for (int i : b) order.push_back(i);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
}

}  // namespace
}  // namespace ocr
