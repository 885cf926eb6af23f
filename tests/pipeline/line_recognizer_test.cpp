// LineRecognizer on many lines at once: read in passes of a bounded size, every line comes back in
// its place, as it reads alone.
#include "ocr/pipeline/line_recognizer.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/model/model.h"

namespace {

TEST(LineRecognizer, ManyLinesReadInPassesComeBackInTheirPlaces) {
  const std::string root = OCR_SOURCE_DIR;
  const cv::Mat line = cv::imread(root + "/data/sample-line.png", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(line.empty());
  // 150 lines (past two passes) of different widths and texts: the sample line cut at different
  // places and scaled, in a shuffled order of widths.
  std::vector<cv::Mat> lines;
  for (int i = 0; i < 150; ++i) {
    const int width = line.cols / 4 + (i * 37) % (line.cols * 3 / 4);
    cv::Mat part = line(cv::Rect(0, 0, width, line.rows)).clone(), scaled;
    cv::resize(part, scaled, cv::Size(), 0.8 + 0.01 * (i % 30), 0.8 + 0.01 * (i % 30), cv::INTER_AREA);
    lines.push_back(scaled);
  }
  const ocr::LineRecognizer recognizer(ocr::Model::load(root + "/models/eng.ocrm"), nullptr,
                                       ocr::RecognizerOptions{1, 1});
  const std::vector<ocr::RecognizedLine> together = recognizer.recognize(lines);
  ASSERT_EQ(together.size(), lines.size());
  int distinct = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const ocr::RecognizedLine alone = recognizer.recognize(lines[i]);
    EXPECT_EQ(together[i].text, alone.text) << "line " << i;
    EXPECT_EQ(together[i].confidence, alone.confidence) << "line " << i;
    distinct += i > 0 && together[i].text != together[i - 1].text;
  }
  EXPECT_GT(distinct, 100);  // the lines differ, so a line out of place would show
}

}  // namespace
