// Shrinking images by area averaging, fast.
#pragma once
#include <opencv2/core.hpp>

namespace ocr {

// dst = src (CV_8UC1) shrunk to size by area averaging: the same weights as cv::resize with
// INTER_AREA (each output pixel the mean of the source area it covers), applied as two passes,
// the rows first (vector instructions over whole rows), then the columns of the f times fewer
// rows. OpenCV runs a per-pixel scalar loop over every source row for a factor that is not whole,
// which took a tenth of a form page's time. Results differ from OpenCV's by float rounding: at
// most one grey level. Other types, or a size larger than src on either side, go to cv::resize.
void area_resize(const cv::Mat& src, cv::Mat& dst, cv::Size size);
// The same by a factor f on both sides, the size rounded as cv::resize rounds it.
void area_resize(const cv::Mat& src, cv::Mat& dst, double f);

}  // namespace ocr
