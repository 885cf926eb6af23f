#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>

#include "ocr/core/error.h"
#include "ocr/synth/page_generator.h"

namespace ocr::synth {
namespace {

const std::string kData = std::string(OCR_SOURCE_DIR) + "/data";

PageGeneratorConfig config(uint64_t seed) {
  PageGeneratorConfig c;
  c.lines.fonts_table = kData + "/fonts.tsv";
  c.lines.alphabet = kData + "/eng.alphabet";
  c.lines.corpus = kData + "/corpus-sample.txt";  // the corpus CI has
  c.lines.seed = seed;
  return c;
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

// The x-height band a line's label describes: baseline ends, up by the x-height.
cv::Rect band(const PageLine& l) {
  const int x0 = static_cast<int>(std::lround(l.baseline.front().x)), x1 = static_cast<int>(std::lround(l.baseline.back().x));
  const int by = static_cast<int>(std::lround(l.baseline.front().y)), xh = static_cast<int>(std::lround(l.x_height));
  return cv::Rect(x0, by - xh, x1 - x0, xh);
}

// Checks the labels of a clean page against its image, core and non-text mask.
void check_page(const SyntheticPage& p, const cv::Mat& non_text, size_t min_lines) {
  SCOPED_TRACE(p.kind);
  ASSERT_EQ(p.image.type(), CV_8UC1);
  ASSERT_EQ(p.core.type(), CV_8UC1);
  ASSERT_EQ(p.core.size(), p.image.size());
  EXPECT_LE(std::max(p.image.cols, p.image.rows), 1800);
  EXPECT_GE(p.lines.size(), min_lines);
  const cv::Rect page(0, 0, p.image.cols, p.image.rows);
  double band_area = 0;
  for (const auto& l : p.lines) {
    SCOPED_TRACE(l.text);
    EXPECT_FALSE(l.text.empty());
    EXPECT_EQ(l.text.find("  "), std::string::npos);
    EXPECT_NE(l.text.front(), ' ');
    EXPECT_NE(l.text.back(), ' ');
    ASSERT_EQ(l.baseline.size(), 2u);
    ASSERT_GE(l.polygon.size(), 4u);
    EXPECT_GT(l.x_height, 3.f);
    for (const auto& q : l.polygon) EXPECT_TRUE(page.contains(cv::Point(static_cast<int>(q.x), static_cast<int>(q.y)))) << q;
    // Clockwise on the image (y down): positive signed area in these coordinates.
    EXPECT_GT(cv::contourArea(l.polygon, true), 0);
    const cv::Rect b = band(l);
    ASSERT_EQ(b & page, b);
    band_area += b.area();
    // The band is core throughout, lies inside the polygon and holds ink.
    EXPECT_EQ(cv::countNonZero(p.core(b)), b.area());
    for (const cv::Point corner : {b.tl(), cv::Point(b.x + b.width - 1, b.y + b.height - 1)})
      EXPECT_GE(cv::pointPolygonTest(l.polygon, cv::Point2f(corner), false), 0);
    double lo, hi;
    cv::minMaxLoc(p.image(b), &lo, &hi);
    EXPECT_GE(hi - lo, 60) << "no ink in the core band";
  }
  // Bands are disjoint and nothing else is core; each line is its own component.
  EXPECT_EQ(cv::countNonZero(p.core), static_cast<int>(band_area));
  cv::Mat labels;
  EXPECT_EQ(cv::connectedComponents(p.core, labels, 8) - 1, static_cast<int>(p.lines.size()));
  // Pictures, rulings, boxes, scribbles and barcodes carry no core.
  EXPECT_EQ(cv::countNonZero(p.core & non_text), 0);
}

TEST(PageGenerator, EveryKindRendersExactLabels) {
  PageGenerator gen(config(3));
  const std::map<std::string, size_t> min_lines = {{"article", 25}, {"form", 10}, {"table", 10},
                                                   {"receipt", 10}, {"letter", 12}, {"screenshot", 10}};
  for (const auto& kind : page_kind_names()) {
    for (int k = 0; k < 2; ++k) {
      cv::Mat non_text;
      SyntheticPage p = gen.render_clean(kind, &non_text);
      EXPECT_EQ(p.kind, kind);
      check_page(p, non_text, min_lines.at(kind));
      // Paper is white on printed kinds.
      if (kind != "screenshot") {
        EXPECT_EQ(p.image.at<uint8_t>(0, 0), 255);
      }
    }
  }
}

TEST(PageGenerator, NonTextIsDrawnWhereTheKindHasIt) {
  PageGenerator gen(config(5));
  for (const char* kind : {"form", "receipt", "screenshot"}) {
    cv::Mat non_text;
    gen.render_clean(kind, &non_text);
    EXPECT_GT(cv::countNonZero(non_text), 100) << kind;
  }
  // Articles: pictures on some of a few pages.
  int with_pictures = 0;
  for (int k = 0; k < 4; ++k) {
    cv::Mat non_text;
    gen.render_clean("article", &non_text);
    with_pictures += cv::countNonZero(non_text) > 2000;
  }
  EXPECT_GE(with_pictures, 1);
}

TEST(PageGenerator, SameSeedSamePagesOtherSeedOtherPages) {
  PageGenerator a(config(11)), b(config(11)), c(config(12));
  for (int k = 0; k < 3; ++k) {
    SyntheticPage pa = a.next(), pb = b.next(), pc = c.next();
    EXPECT_EQ(pa.kind, pb.kind);
    EXPECT_TRUE(identical(pa.image, pb.image));
    EXPECT_TRUE(identical(pa.core, pb.core));
    ASSERT_EQ(pa.lines.size(), pb.lines.size());
    for (size_t i = 0; i < pa.lines.size(); ++i) {
      EXPECT_EQ(pa.lines[i].text, pb.lines[i].text);
      EXPECT_EQ(pa.lines[i].polygon, pb.lines[i].polygon);
    }
    EXPECT_FALSE(identical(pa.image, pc.image));
  }
}

TEST(PageGenerator, CapturedPagesKeepCoreWithTheImageAndNameTheCapture) {
  PageGeneratorConfig cfg = config(21);
  cfg.kind_weights = {{"form", 1}};
  cfg.capture_weights["form"] = {{"fax", 1}};
  PageGenerator gen(cfg);
  SyntheticPage p = gen.next();
  EXPECT_EQ(p.kind, "form+fax");
  EXPECT_EQ(p.core.size(), p.image.size());
  EXPECT_GT(p.lines.size(), 0u);
  EXPECT_GT(cv::countNonZero(p.core), 0);
}

TEST(PageGenerator, BadWeightsAndKindsThrowFormatError) {
  EXPECT_THROW(parse_weights("article=x", "--kinds"), FormatError);
  EXPECT_THROW(parse_weights("", "--kinds"), FormatError);
  auto w = parse_weights("article=0.3,form=0.7", "--kinds");
  EXPECT_DOUBLE_EQ(w.at("form"), 0.7);
  PageGeneratorConfig bad = config(1);
  bad.kind_weights = {{"poster", 1}};
  EXPECT_THROW(PageGenerator{bad}, FormatError);
  bad.kind_weights = {{"article", 0}};
  EXPECT_THROW(PageGenerator{bad}, FormatError);
  PageGenerator gen(config(1));
  EXPECT_THROW(gen.next("poster"), FormatError);
}

TEST(PageGenerator, PageXmlHoldsEveryLine) {
  PageGenerator gen(config(7));
  SyntheticPage p = gen.render_clean("receipt");
  const std::string path = testing::TempDir() + "/page_generator_test.xml";
  write_page_xml(p, "x.png", path);
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string xml = ss.str();
  size_t lines = 0, baselines = 0;
  for (size_t at = xml.find("<TextLine "); at != std::string::npos; at = xml.find("<TextLine ", at + 1)) ++lines;
  for (size_t at = xml.find("<Baseline "); at != std::string::npos; at = xml.find("<Baseline ", at + 1)) ++baselines;
  EXPECT_EQ(lines, p.lines.size());
  EXPECT_EQ(baselines, p.lines.size());
  EXPECT_NE(xml.find("pagecontent/2019-07-15"), std::string::npos);
  EXPECT_THROW(write_page_xml(p, "x.png", "/nonexistent-dir/x.xml"), IoError);
}

// Not a check: the clean render time per kind, for the report (Release build, one thread).
TEST(PageGenerator, ReportsTimePerKind) {
  PageGenerator gen(config(9));
  for (const auto& kind : page_kind_names()) {
    const int n = 3;
    auto t0 = std::chrono::steady_clock::now();
    size_t lines = 0;
    for (int k = 0; k < n; ++k) lines += gen.render_clean(kind).lines.size();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / n;
    std::cout << "[ timing   ] " << kind << ": " << ms << " ms per clean page, " << lines / n << " lines\n";
    EXPECT_LT(ms, 3000) << kind;  // a loose bound that still catches a runaway layout
  }
}

}  // namespace
}  // namespace ocr::synth
