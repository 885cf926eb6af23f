// The public API (include/ocr/ocr.h) as a program sees it: this binary links the shared libocr,
// so it also checks that what a program needs is exported and that errors cross the library.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "ocr/ocr.h"

namespace {

const std::string kModel = std::string(OCR_SOURCE_DIR) + "/models/eng.ocrm";
const std::string kLine = std::string(OCR_SOURCE_DIR) + "/data/sample-line.png";
const std::string kPage = std::string(OCR_SOURCE_DIR) + "/data/sample-page.png";

// Loading is the slow part: one engine for the whole binary.
const ocr::Engine& engine() {
  static const ocr::Engine e(kModel);
  return e;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

ocr::ImageView view_of(const cv::Mat& m, ocr::ChannelOrder order) {
  ocr::ImageView v;
  v.pixels = m.data;
  v.width = m.cols;
  v.height = m.rows;
  v.channels = m.channels();
  v.stride = m.step;
  v.order = order;
  return v;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ocr::Error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

}  // namespace

TEST(Engine, ReadsTheSampleLineFromAFile) {
  const std::vector<ocr::Page> pages = engine().recognize_file(kLine);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_NE(pages[0].text.find("quick brown fox"), std::string::npos) << pages[0].text;
  ASSERT_EQ(pages[0].lines.size(), 1u);
  EXPECT_EQ(pages[0].lines[0].words.front().text, "The");
  EXPECT_EQ(engine().model_path(), kModel);
}

TEST(Engine, PixelsBytesAndFileGiveTheSameText) {
  const std::string from_file = engine().recognize_file(kLine).at(0).text;
  const cv::Mat grey = cv::imread(kLine, cv::IMREAD_GRAYSCALE);
  EXPECT_EQ(engine().recognize(view_of(grey, ocr::ChannelOrder::RGB)).text, from_file);

  // Colour and alpha in either order, rows padded beyond the width.
  cv::Mat bgr, rgba;
  cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
  cv::cvtColor(grey, rgba, cv::COLOR_GRAY2RGBA);
  cv::Mat padded(bgr.rows, bgr.cols + 7, CV_8UC3, cv::Scalar(0, 0, 255));
  bgr.copyTo(padded(cv::Rect(0, 0, bgr.cols, bgr.rows)));
  EXPECT_EQ(engine().recognize(view_of(padded(cv::Rect(0, 0, bgr.cols, bgr.rows)), ocr::ChannelOrder::BGR)).text,
            from_file);
  EXPECT_EQ(engine().recognize(view_of(rgba, ocr::ChannelOrder::RGB)).text, from_file);

  const std::string bytes = slurp(kLine);
  const std::vector<ocr::Page> pages = engine().recognize_encoded(bytes.data(), bytes.size());
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].text, from_file);
}

TEST(Engine, BoxesLieInsideTheImage) {
  const std::vector<ocr::Page> pages = engine().recognize_file(kPage);
  ASSERT_EQ(pages.size(), 1u);
  const ocr::Page& page = pages[0];
  EXPECT_EQ(page.width, 1700);
  EXPECT_EQ(page.height, 1100);
  ASSERT_GT(page.lines.size(), 3u);
  auto inside = [&](const ocr::Rect& r) {
    return r.x0 >= 0 && r.y0 >= 0 && r.x1 <= page.width && r.y1 <= page.height && r.width() > 0 && r.height() > 0;
  };
  for (const ocr::Line& line : page.lines) {
    EXPECT_TRUE(inside(line.box)) << line.text;
    EXPECT_GE(line.confidence, 0.f);
    EXPECT_LE(line.confidence, 1.f);
    ASSERT_FALSE(line.words.empty()) << line.text;
    for (const ocr::Word& w : line.words) {
      EXPECT_TRUE(inside(w.box)) << w.text;
      EXPECT_GE(w.box.x0, line.box.x0) << w.text;
      EXPECT_LE(w.box.x1, line.box.x1) << w.text;
      EXPECT_GE(w.confidence, 0.f);
      EXPECT_LE(w.confidence, 1.f);
    }
  }
  EXPECT_NE(page.text.find("Reading"), std::string::npos) << page.text;
}

TEST(Engine, ErrorsNameTheFile) {
  EXPECT_NE(error_of([] { engine().recognize_file("/no/such/scan.png"); }).find("/no/such/scan.png"),
            std::string::npos);
  const std::string junk = "this is no image at all";
  EXPECT_NE(error_of([&] { engine().recognize_encoded(junk.data(), junk.size(), "junk.png"); }).find("junk.png"),
            std::string::npos);
  EXPECT_NE(error_of([] { ocr::Engine("/no/such/model.ocrm"); }).find("/no/such/model.ocrm"), std::string::npos);
}

TEST(Engine, RefusesBadPixels) {
  const cv::Mat grey(10, 20, CV_8UC1, cv::Scalar(255));
  ocr::ImageView v = view_of(grey, ocr::ChannelOrder::RGB);
  v.pixels = nullptr;
  EXPECT_NE(error_of([&] { engine().recognize(v); }).find("null"), std::string::npos);
  v = view_of(grey, ocr::ChannelOrder::RGB);
  v.channels = 2;
  EXPECT_NE(error_of([&] { engine().recognize(v); }).find("channels"), std::string::npos);
  v.channels = 3;  // a row of 60 bytes does not fit the stride of 20
  EXPECT_NE(error_of([&] { engine().recognize(v); }).find("stride"), std::string::npos);
  v = view_of(grey, ocr::ChannelOrder::RGB);
  v.width = 0;
  EXPECT_NE(error_of([&] { engine().recognize(v); }).find("size"), std::string::npos);
}

TEST(Engine, ConcurrentCallsOnOneEngineAgree) {
  const std::string expected = engine().recognize_file(kLine).at(0).text;
  std::vector<std::string> got(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] { got[i] = engine().recognize_file(kLine).at(0).text; });
  for (auto& t : threads) t.join();
  for (const auto& text : got) EXPECT_EQ(text, expected);
}

TEST(Engine, GreedyLineLayoutReadsTheLine) {
  ocr::EngineOptions options;
  options.layout = ocr::Layout::Line;
  options.decoding = ocr::Decoding::Greedy;
  const ocr::Engine greedy(kModel, options);
  EXPECT_NE(greedy.recognize_file(kLine).at(0).text.find("brown fox"), std::string::npos);
}

// ocr.h is installed alone, so it carries its own copy of the engine's Error class.
TEST(Engine, PublicErrorIsTheEnginesError) {
  auto block = [](const std::string& text) {
    const size_t from = text.find("#ifndef OCR_ERROR_CLASS_DEFINED");
    const size_t to = text.find("#endif", from);
    return from == std::string::npos || to == std::string::npos ? std::string() : text.substr(from, to - from);
  };
  const std::string pub = block(slurp(std::string(OCR_SOURCE_DIR) + "/include/ocr/ocr.h"));
  EXPECT_FALSE(pub.empty());
  EXPECT_EQ(pub, block(slurp(std::string(OCR_SOURCE_DIR) + "/include/ocr/core/error.h")));
}

TEST(Engine, VersionIsTheProjects) { EXPECT_STRNE(ocr::version(), "unknown"); }
