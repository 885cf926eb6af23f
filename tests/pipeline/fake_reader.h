// A stand-in for the network in layout and format tests: each run of ink columns separated by
// a wide blank becomes a word of 'x' characters spanning that run, so word boxes are exact.
#pragma once
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "ocr/pipeline/page_recognizer.h"

namespace ocr::test {

inline RecognizedLine fake_read(const cv::Mat& crop) {
  cv::Mat ink;
  cv::threshold(crop, ink, 128, 1, cv::THRESH_BINARY_INV);
  cv::Mat cols;
  cv::reduce(ink, cols, 0, cv::REDUCE_SUM, CV_32S);
  int gap = std::max(6, crop.rows / 4);
  RecognizedLine line;
  int x = 0, n = crop.cols;
  bool first = true;
  while (x < n) {
    while (x < n && cols.at<int>(x) == 0) ++x;
    if (x >= n) break;
    int start = x, blank = 0, end = x;
    while (x < n && blank < gap) {
      if (cols.at<int>(x) == 0) {
        ++blank;
      } else {
        blank = 0;
        end = x + 1;
      }
      ++x;
    }
    if (!first) line.chars.push_back({" ", start - 2, start - 1, 1.0f});
    first = false;
    int w = end - start, k = std::max(1, w / 12);
    for (int i = 0; i < k; ++i)
      line.chars.push_back({"x", start + w * i / k, start + w * (i + 1) / k, 0.8f});
  }
  for (const auto& c : line.chars) line.text += c.text;
  line.confidence = 0.8f;
  return line;
}

// fake_read with every character and the line read at `confidence`.
inline RecognizedLine fake_read_at(const cv::Mat& crop, float confidence) {
  RecognizedLine line = fake_read(crop);
  for (auto& ch : line.chars) ch.confidence = confidence;
  line.confidence = confidence;
  return line;
}

inline LineReader fake_reader() {
  return [](const std::vector<cv::Mat>& crops) {
    std::vector<RecognizedLine> out;
    for (const auto& c : crops) out.push_back(fake_read(c));
    return out;
  };
}

}  // namespace ocr::test
