// Grey-level morphology that OpenCV makes slow at large sizes.
#pragma once
#include <opencv2/core.hpp>

namespace ocr {

// cv::dilate(src, dst, getStructuringElement(MORPH_ELLIPSE, {k, k})) for CV_8UC1 and odd k, with
// the same result, in time linear in k (OpenCV's grows with the ellipse's area: a page whose
// background closing asked for 359 px took a third of a second). Each row of the ellipse is a
// horizontal run symmetric about its centre: the runs are widened one pixel a side at a time, and
// each is folded into the rows it reaches as soon as it has its width.
void dilate_ellipse(const cv::Mat& src, cv::Mat& dst, int k);
// cv::morphologyEx(src, dst, MORPH_CLOSE, the same ellipse): dilate_ellipse, then its erosion (the
// dilation of the negative: the ellipse is symmetric about its centre).
void close_ellipse(const cv::Mat& src, cv::Mat& dst, int k);

}  // namespace ocr
