// The shipped recognizer read in int8 against float: the sample line gives the same text, and
// nearly every frame the same best label; and every int8 kernel the CPU runs (VNNI, AVX2, the
// scalar loops) reads it to the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/core/gemm_int8.h"
#include "ocr/core/precision.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/line_recognizer.h"

namespace {

size_t edits(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

struct Reading {
  std::vector<std::string> texts;
  std::vector<ocr::Matrix> log_probs;
};

// The networks are prepared (and their precision fixed) when the recognizer first reads.
Reading read(const std::shared_ptr<const ocr::Model>& model, ocr::Precision p, const std::vector<cv::Mat>& lines) {
  ocr::set_inference_precision(p);
  ocr::LineRecognizer recognizer(model, nullptr, ocr::RecognizerOptions{1, 1});
  Reading r;
  for (const auto& l : recognizer.recognize(lines)) r.texts.push_back(l.text);
  r.log_probs = recognizer.log_probs(lines);
  return r;
}

TEST(Int8Model, ReadsTheSampleLineAsFloatDoes) {
  if (!ocr::gemm_int8_is_native()) GTEST_SKIP() << "no AVX512-VNNI or AVX2 on this CPU";
  const std::string root = OCR_SOURCE_DIR;
  const cv::Mat line = cv::imread(root + "/data/sample-line.png", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(line.empty());
  std::ifstream gt_file(root + "/data/sample-line.gt.txt");
  std::string gt;
  std::getline(gt_file, gt);
  // The line at its size, smaller, and blurred: three different maps to quantise.
  cv::Mat small, blurred;
  cv::resize(line, small, cv::Size(), 0.7, 0.7, cv::INTER_AREA);
  cv::GaussianBlur(line, blurred, cv::Size(3, 3), 0.8);
  const std::vector<cv::Mat> lines = {line, small, blurred};
  auto model = ocr::Model::load(root + "/models/eng.ocrm");
  const ocr::Precision before = ocr::inference_precision();
  const Reading f = read(model, ocr::Precision::Float, lines);
  const Reading q = read(model, ocr::Precision::Int8, lines);
  ocr::set_inference_precision(before);
  ASSERT_EQ(ocr::inference_precision(), before);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(edits(f.texts[i], q.texts[i]), 1u) << f.texts[i] << " | " << q.texts[i];
    EXPECT_LE(edits(gt, q.texts[i]), edits(gt, f.texts[i]) + 1) << q.texts[i];
    const ocr::Matrix& a = f.log_probs[i];
    const ocr::Matrix& b = q.log_probs[i];
    ASSERT_EQ(a.rows(), b.rows());
    ASSERT_EQ(a.cols(), b.cols());
    int same = 0;
    for (ocr::Index t = 0; t < a.cols(); ++t) {
      ocr::Index ia, ib;
      a.col(t).maxCoeff(&ia);
      b.col(t).maxCoeff(&ib);
      same += ia == ib;
    }
    EXPECT_GE(same, a.cols() * 97 / 100) << "of " << a.cols() << " frames";
    EXPECT_GT((a - b).cwiseAbs().maxCoeff(), 0) << "the int8 reading is the float one: int8 unused?";
  }
  EXPECT_EQ(f.texts[0], gt);  // the float reading, for reference
}

TEST(Int8Model, EveryKernelReadsToTheSameBits) {
  const std::string root = OCR_SOURCE_DIR;
  const cv::Mat line = cv::imread(root + "/data/sample-line.png", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(line.empty());
  auto model = ocr::Model::load(root + "/models/eng_gru.ocrm");  // convolutions and GRU steps in int8
  const ocr::Precision before = ocr::inference_precision();
  // Int8 is chosen before the scalar loops are (where they are the kernel in use, int8 falls back
  // to float).
  ocr::set_inference_precision(ocr::Precision::Int8);
  if (ocr::inference_precision() != ocr::Precision::Int8) GTEST_SKIP() << "no AVX512-VNNI or AVX2 on this CPU";
  std::vector<Reading> readings;
  for (ocr::Int8Kernel kernel : ocr::int8_kernels_on_this_cpu()) {
    const ocr::ScopedInt8Kernel use(kernel);
    ocr::LineRecognizer recognizer(model, nullptr, ocr::RecognizerOptions{1, 1});
    Reading r;
    const std::vector<cv::Mat> lines = {line};
    for (const auto& l : recognizer.recognize(lines)) r.texts.push_back(l.text);
    r.log_probs = recognizer.log_probs(lines);
    readings.push_back(std::move(r));
  }
  ocr::set_inference_precision(before);
  ASSERT_GE(readings.size(), 2u);
  for (size_t k = 1; k < readings.size(); ++k) {
    EXPECT_EQ(readings[k].texts, readings[0].texts);
    ASSERT_EQ(readings[k].log_probs[0].rows(), readings[0].log_probs[0].rows());
    ASSERT_EQ(readings[k].log_probs[0].cols(), readings[0].log_probs[0].cols());
    EXPECT_EQ(readings[k].log_probs[0], readings[0].log_probs[0])
        << ocr::int8_kernel_name(ocr::int8_kernels_on_this_cpu()[k]) << " against the scalar loops";
  }
}

}  // namespace
