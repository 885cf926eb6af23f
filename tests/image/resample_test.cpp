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

namespace ocr {
namespace {

cv::Mat smooth_noise(int rows, int cols, uint64_t seed) {
  cv::Mat m(rows, cols, CV_8UC1);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(m, m, cv::Size(0, 0), 2.0);
  cv::normalize(m, m, 0, 255, cv::NORM_MINMAX);
  return m;
}

// The map of a page enlarged by `scale` and turned by `degrees` about its centre.
cv::Mat enlarge_and_turn(cv::Size src, double scale, double degrees) {
  cv::Mat r = cv::getRotationMatrix2D(cv::Point2f(src.width * scale / 2.f, src.height * scale / 2.f), degrees, 1.0);
  r.col(0) *= scale;
  r.col(1) *= scale;
  return r;
}

// The vector passes against the pixel-at-a-time reference (the same arithmetic: a grey level
// apart at most, where a sample sits on a rounding edge), over odd sizes, turns either way and
// up to 40 degrees, enlargements and a shrink, on a page's ruled edges as well as smooth noise.
TEST(WarpAffineCubic, VectorPassesMatchTheReference) {
  const cv::Mat noise = smooth_noise(97, 131, 1);
  cv::Mat ruled(120, 90, CV_8UC1, cv::Scalar(240));
  for (int y = 5; y < 120; y += 11) ruled.row(y).setTo(20);
  for (const cv::Mat& src : {noise, ruled})
    for (double scale : {1.0, 2.5, 3.67, 0.7})
      for (double degrees : {0.0, 0.9, -3.0, 17.0, -40.0}) {
        const cv::Mat fwd = enlarge_and_turn(src.size(), scale, degrees);
        const cv::Size size(int(src.cols * scale) + 7, int(src.rows * scale) + 3);
        cv::Mat fast, ref;
        warp_affine_cubic(src, fast, fwd, size, 200);
        warp_affine_cubic_reference(src, ref, fwd, size, 200);
        ASSERT_EQ(fast.size(), size);
        cv::Mat diff;
        cv::absdiff(fast, ref, diff);
        double worst = 0;
        cv::minMaxLoc(diff, nullptr, &worst);
        EXPECT_LE(worst, 1) << scale << "x, " << degrees << " degrees";
      }
}

// Against OpenCV's 2-D cubic warp: the separable passes sample the same kernel, so on smooth
// content they agree to within a few grey levels, and beyond the source both give the border.
// A whole shift is exact.
TEST(WarpAffineCubic, AgreesWithOpenCvsCubicWarp) {
  const cv::Mat src = smooth_noise(150, 200, 2);
  for (double degrees : {0.0, 1.2, -7.0, 25.0}) {
    const cv::Mat fwd = enlarge_and_turn(src.size(), 3.0, degrees);
    const cv::Size size(600, 450);
    cv::Mat ours, theirs;
    warp_affine_cubic(src, ours, fwd, size, 255);
    cv::warpAffine(src, theirs, fwd, size, cv::INTER_CUBIC, cv::BORDER_CONSTANT, cv::Scalar(255));
    // Away from the source's edges, where OpenCV's border handling differs in its last taps.
    cv::Mat inside = cv::Mat::zeros(src.size(), CV_8UC1);
    inside(cv::Rect(3, 3, src.cols - 6, src.rows - 6)).setTo(255);
    cv::warpAffine(inside, inside, fwd, size, cv::INTER_NEAREST);
    cv::Mat diff;
    cv::absdiff(ours, theirs, diff);
    double worst = 0;
    cv::minMaxLoc(diff, nullptr, &worst, nullptr, nullptr, inside);
    // The two passes drift further from the 2-D kernel as the turn grows (3 levels at 25 degrees).
    EXPECT_LE(worst, std::abs(degrees) > 10 ? 4 : 2) << degrees << " degrees";
    EXPECT_LT(cv::mean(diff, inside)[0], 0.3) << degrees << " degrees";
    // A corner the turn uncovers is the border.
    if (degrees == 25.0) {
      EXPECT_EQ(ours.at<uint8_t>(0, 0), 255);
    }
  }
  const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, 3, 0, 1, -2);
  cv::Mat shifted;
  warp_affine_cubic(src, shifted, shift, src.size(), 0);
  EXPECT_EQ(cv::norm(shifted(cv::Rect(3, 0, src.cols - 3, src.rows - 2)), src(cv::Rect(0, 2, src.cols - 3, src.rows - 2)),
                     cv::NORM_INF),
            0);
  EXPECT_THROW(warp_affine_cubic(src, shifted, enlarge_and_turn(src.size(), 1, 90), src.size(), 0), ShapeError);
}

}  // namespace
}  // namespace ocr
