// Turns a cropped line image into network input: fixed height, aspect kept, ink = 1, paper = 0
// (so zero padding is blank paper), contrast stretched.
#pragma once
#include <opencv2/core.hpp>

#include "ocr/core/tensor.h"

namespace ocr {

struct LineNormalization {
  int height = 32;     // network input height in pixels
  int min_width = 8;   // narrower results are padded with paper
  int max_width = 4000;  // wider results are scaled down to this (keeps memory bounded)
};

// gray: CV_8UC1, dark text on light background (invert light-on-dark before calling).
// Returns height × width float image (row = y, column = x) in [0, 1], ink high.
MatrixF normalize_line(const cv::Mat& gray, const LineNormalization& norm);

// Blank columns added on each side of a normalised line (input pixels).
int line_side_padding(const LineNormalization& norm);

// Width in input pixels that a line of size (w, h) gets after normalisation.
int normalized_width(int w, int h, const LineNormalization& norm);

}  // namespace ocr
