// Connected components of a binary image, labelled a band of rows at a time.
#pragma once
#include <opencv2/core.hpp>

namespace ocr {

// The statistics cv::connectedComponentsWithStats gives for the non-zero pixels of `binary`
// (CV_8UC1) with 8-connectivity: one CV_32S row per component (CC_STAT_LEFT, TOP, WIDTH,
// HEIGHT, AREA), in the same order, row 0 the background. OpenCV's call holds a 32-bit label per pixel, 35 MB for a 300-dpi A4 page; here
// bands of `band_rows` rows (rounded up to even) are labelled one at a time and components that
// cross a band's edge joined, so only one band's labels are held.
cv::Mat component_stats(const cv::Mat& binary, int band_rows = 256);

}  // namespace ocr
