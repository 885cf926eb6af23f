#include "ocr/pipeline/gt_recognition.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "eval/temp_tree.h"
#include "ocr/core/error.h"

namespace ocr {
namespace {

class GtRecognition : public test::TempTree {
 protected:
  void SetUp() override { make_root("ocr_gt_recognition_"); }
  // A line image width px wide: a dark bar of "text" on white.
  void line_image(const std::string& name, int width, bool colour = false) {
    cv::Mat img(40, width, CV_8UC1, cv::Scalar(255));
    cv::rectangle(img, cv::Rect(8, 12, width - 16, 16), cv::Scalar(0), cv::FILLED);
    if (colour) cv::cvtColor(img, img, cv::COLOR_GRAY2BGR);
    cv::imwrite(path(name), img);
  }
  std::vector<GtPair> pairs() {
    std::vector<std::string> problems;
    auto p = find_gt_pairs(root_.string(), &problems);
    EXPECT_TRUE(problems.empty());
    return p;
  }
  // Records each call's crops and reads a crop as its width, or as "colour" if it is not grey.
  LineReader width_reader() {
    return [this](const std::vector<cv::Mat>& crops) {
      calls_.push_back(crops.size());
      std::vector<RecognizedLine> out(crops.size());
      for (size_t i = 0; i < crops.size(); ++i)
        out[i].text = crops[i].channels() == 1 ? std::to_string(crops[i].cols) : "colour";
      return out;
    };
  }
  std::vector<size_t> calls_;
};

TEST_F(GtRecognition, RawImagesGoToTheLineReaderInChunksAndPairWithTheirTruth) {
  const std::vector<int> widths = {50, 60, 70, 80, 90};
  for (size_t i = 0; i < widths.size(); ++i) {
    const std::string stem = "l" + std::to_string(i);
    line_image(stem + ".png", widths[i], i == 2);
    write(stem + ".gt.txt", i == 3 ? "81\n" : std::to_string(widths[i]) + "\n");
  }
  write("l5.png", "not a png");  // listed, but it cannot be read
  write("l5.gt.txt", "100\n");
  const auto all = pairs();
  ASSERT_EQ(all.size(), 6u);

  const PageRecognizer pages(width_reader());
  EvalAccumulator acc;
  std::vector<std::string> problems;
  GtRecognitionOptions o;
  o.raw = true;
  o.chunk = 2;
  EXPECT_EQ(recognize_gt_pairs(pages, all, o, acc, problems), 5u);
  EXPECT_EQ(calls_, (std::vector<size_t>{2, 2, 1}));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("l5.png"), std::string::npos);
  ASSERT_EQ(acc.lines().size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(acc.lines()[i].id, all[i].name());
    EXPECT_EQ(acc.lines()[i].ocr, std::to_string(widths[i]));  // a colour image is read grey
  }
  EXPECT_EQ(acc.char_edits(), 1);  // the line whose truth says 81
  EXPECT_EQ(acc.lines()[3].char_edits, 1);

  // One chunk for all gives the same lines.
  EvalAccumulator one;
  calls_.clear();
  o.chunk = 64;
  problems.clear();
  EXPECT_EQ(recognize_gt_pairs(pages, all, o, one, problems), 5u);
  EXPECT_EQ(calls_, (std::vector<size_t>{5}));
  EXPECT_EQ(one.char_edits(), acc.char_edits());
}

TEST_F(GtRecognition, PagesAreReadThroughTheLayoutAndFailedPagesAreProblems) {
  for (int i = 0; i < 3; ++i) {
    line_image("p" + std::to_string(i) + ".png", 300);
    write("p" + std::to_string(i) + ".gt.txt", "line\n");
  }
  const auto all = pairs();
  PageRecognizerOptions po;
  po.layout.mode = LayoutMode::Line;
  const PageRecognizer pages(
      [this](const std::vector<cv::Mat>& crops) {
        calls_.push_back(crops.size());
        std::vector<RecognizedLine> out(crops.size());
        for (auto& line : out) {
          line.text = "line";
          for (char c : line.text) line.chars.push_back({std::string(1, c), 0, 1, 0.9f});
          line.confidence = 0.9f;
        }
        return out;
      },
      po);
  EvalAccumulator acc;
  std::vector<std::string> problems;
  GtRecognitionOptions o;
  o.chunk = 2;
  EXPECT_EQ(recognize_gt_pairs(pages, all, o, acc, problems), 3u);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(calls_.size(), 2u);  // each chunk's pages in one call of the reader
  EXPECT_EQ(calls_[0], 2u);
  ASSERT_EQ(acc.lines().size(), 3u);
  EXPECT_EQ(acc.lines()[2].id, all[2].name());
  EXPECT_EQ(acc.char_edits(), 0);

  const PageRecognizer failing(
      [](const std::vector<cv::Mat>&) -> std::vector<RecognizedLine> { throw Error("reader broke"); }, po);
  EvalAccumulator none;
  EXPECT_EQ(recognize_gt_pairs(failing, all, o, none, problems), 0u);
  EXPECT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("reader broke"), std::string::npos);
  EXPECT_TRUE(none.lines().empty());
}

}  // namespace
}  // namespace ocr
