// Shrinking images by area averaging, and turning and enlarging them with a cubic kernel, fast.
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

// dst (size, CV_8UC1) = src (CV_8UC1) under the affine map forward (2x3, src -> dst, as
// cv::warpAffine takes it), cubic (Keys, a = -0.75, OpenCV's kernel), `border` outside src. In two
// 1-D passes (Catmull and Smith's): each source row resampled along its sheared line, then each
// output column along the columns of that, 8 taps a pixel where a 2-D cubic takes 16, and both
// passes vector-wide: cv::warpAffine's scalar cubic resampling of a fax enlarged 3.7 times took
// a tenth of a form page's time. The map must not turn by 90 degrees or more (the column pass
// needs the map's y to move with y). Results differ from cv::warpAffine's by the separable
// resampling: a few grey levels at sharp edges.
void warp_affine_cubic(const cv::Mat& src, cv::Mat& dst, const cv::Mat& forward, cv::Size size, uint8_t border);
// The same one pixel at a time: the reference the vector passes are tested against (and what
// builds without AVX-512 use).
void warp_affine_cubic_reference(const cv::Mat& src, cv::Mat& dst, const cv::Mat& forward, cv::Size size,
                                 uint8_t border);

}  // namespace ocr
