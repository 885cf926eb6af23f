// area_resize against OpenCV's INTER_AREA, on a page-like image of fine strokes: within one grey
// level (float rounding), whatever the factor.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "ocr/core/rng.h"
#include "ocr/image/resample.h"

namespace ocr {
namespace {

cv::Mat strokes(int w, int h, uint64_t seed) {
  Rng rng(seed);
  cv::Mat img(h, w, CV_8UC1, cv::Scalar(235));
  for (int i = 0; i < w * h / 400; ++i) {
    const cv::Point a(int(rng.uniform(0, w)), int(rng.uniform(0, h)));
    const cv::Point b = a + cv::Point(int(rng.uniform(-12, 12)), int(rng.uniform(-12, 12)));
    cv::line(img, a, b, cv::Scalar(double(rng.integer(0, 90))), int(rng.integer(1, 3)), cv::LINE_AA);
  }
  return img;
}

TEST(AreaResize, MatchesOneStepAreaAveraging) {
  const cv::Mat src = strokes(1237, 911, 3);
  for (double f : {0.5, 0.25, 1.0 / 3, 0.9, 0.61, 0.37, 0.23, 0.129}) {
    const cv::Size size(std::max(1, int(src.cols * f + 0.5)), std::max(1, int(src.rows * f + 0.5)));
    cv::Mat fast, reference, diff;
    area_resize(src, fast, size);
    cv::resize(src, reference, size, 0, 0, cv::INTER_AREA);
    ASSERT_EQ(fast.size(), size) << f;
    ASSERT_EQ(fast.type(), src.type());
    cv::absdiff(fast, reference, diff);
    double worst;
    cv::minMaxLoc(diff, nullptr, &worst);
    EXPECT_LT(cv::mean(diff)[0], 0.05) << "factor " << f;
    EXPECT_LE(worst, 1) << "factor " << f;
  }
}

TEST(AreaResize, OtherTypesAndGrowingGoToOpenCv) {
  const cv::Mat src = strokes(40, 30, 4);
  cv::Mat dst, reference;
  area_resize(src, dst, cv::Size(50, 20));  // wider: not a shrink
  cv::resize(src, reference, cv::Size(50, 20), 0, 0, cv::INTER_AREA);
  EXPECT_EQ(cv::norm(dst, reference, cv::NORM_INF), 0);
  cv::Mat colour;
  cv::cvtColor(src, colour, cv::COLOR_GRAY2BGR);
  area_resize(colour, dst, cv::Size(13, 9));
  EXPECT_EQ(dst.type(), CV_8UC3);
  EXPECT_EQ(dst.size(), cv::Size(13, 9));
}

}  // namespace
}  // namespace ocr
