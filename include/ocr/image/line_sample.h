// A line image with its transcription: what training consumes, from files or the generator.
#pragma once
#include <opencv2/core.hpp>
#include <string>

namespace ocr {

struct LineSample {
  cv::Mat image;       // 8-bit grey (CV_8UC1), dark text on a light background
  std::string text;    // UTF-8, one line
  std::string origin;  // file path or generator description, for messages
};

}  // namespace ocr
