#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "ocr/synth/degrade.h"
#include "ocr/synth/line_stats.h"

namespace ocr::synth {
namespace {

TEST(LineStats, PerimeterOfASquareAndADisk) {
  cv::Mat m = cv::Mat::zeros(100, 100, CV_8UC1);
  m(cv::Rect(10, 10, 40, 40)) = 255;
  EXPECT_NEAR(ink_perimeter(m), 160 * M_PI / 4, 1e-9);  // axis-aligned edges are over-corrected
  cv::Mat d = cv::Mat::zeros(200, 200, CV_8UC1);
  cv::circle(d, {100, 100}, 60, cv::Scalar(255), cv::FILLED);
  EXPECT_NEAR(ink_perimeter(d), 2 * M_PI * 60, 0.03 * 2 * M_PI * 60);  // unbiased on curves
}

TEST(LineStats, MeasuresBarsOfKnownWidth) {
  // Text-like rows of 5 px wide vertical bars, 20 px tall, on white.
  cv::Mat img(40, 300, CV_8UC1, cv::Scalar(255));
  for (int x = 10; x < 290; x += 15) img(cv::Rect(x, 10, 5, 20)) = 0;
  LineStats s;
  ASSERT_TRUE(measure_line(img, &s));
  EXPECT_EQ(s.height, 40);
  EXPECT_NEAR(s.x_height, 20, 0.5);
  // 2·area/perimeter of a 5×20 bar with π/4-weighted edges: 2·100/(50·π/4) = 5.09.
  EXPECT_NEAR(s.stroke_width, 5.09, 0.05);
  EXPECT_NEAR(s.roughness, 1.0, 0.1);
  EXPECT_NEAR(s.density, 19 * 100.0 / (275 * 20), 1e-9);  // 19 bars in a 275×20 box
}

TEST(LineStats, BlankImageIsNotMeasured) {
  cv::Mat img(30, 100, CV_8UC1, cv::Scalar(255));
  LineStats s;
  EXPECT_FALSE(measure_line(img, &s));
}

TEST(Degrade, ThresholdHitsTargetStrokeWidth) {
  // Bars of several sub-pixel widths and phases, drawn at 4x and reduced, like the strokes of a
  // rendered line, so the achievable widths do not jump in whole pixels.
  cv::Mat big = cv::Mat::zeros(240, 1600, CV_32FC1);
  for (int x = 40, k = 0; x < 1500; x += 77, ++k) big(cv::Rect(x, 60, 10 + (k * 5) % 13, 120)) = 1.0f;
  cv::Mat cov;
  cv::resize(big, cov, cv::Size(400, 60), 0, 0, cv::INTER_AREA);
  cv::GaussianBlur(cov, cov, cv::Size(), 1.0);
  for (double target : {3.5, 4.5, 5.5}) {
    cv::Mat ink = threshold_to_stroke(cov, target, 0);
    cv::Mat mask;
    ink.convertTo(mask, CV_8U, 255);
    double w = 2.0 * cv::countNonZero(mask) / ink_perimeter(mask);
    EXPECT_NEAR(w, target, 0.35) << target;
  }
}

TEST(Degrade, SmoothNoiseIsDeterministicAndSmooth) {
  Rng a(1), b(1);
  cv::Mat x = smooth_noise({200, 50}, 8, a), y = smooth_noise({200, 50}, 8, b);
  EXPECT_EQ(cv::norm(x, y, cv::NORM_INF), 0);
  cv::Scalar mean, sd;
  cv::meanStdDev(x, mean, sd);
  EXPECT_GT(sd[0], 0.2);
  cv::Mat dx;
  cv::Sobel(x, dx, CV_32F, 1, 0, 1);
  cv::Scalar m2, sd2;
  cv::meanStdDev(dx, m2, sd2);
  EXPECT_LT(sd2[0], sd[0]);  // neighbours correlate: differences are small
}

TEST(Degrade, ElasticDistortionMovesStrokesButKeepsTheirInk) {
  // Vertical bars 4 px wide: distorted, they bend (columns that were blank get ink, and ink
  // columns lose some), yet the ink's total stays within a few percent and nothing leaves the image.
  cv::Mat bars = cv::Mat::zeros(40, 300, CV_8UC1);
  for (int x = 20; x < 280; x += 20) bars(cv::Rect(x, 8, 4, 24)) = 255;
  Rng a(3), b(3);
  cv::Mat x = elastic_distort(bars, 2.0, 10, a), y = elastic_distort(bars, 2.0, 10, b);
  ASSERT_EQ(x.size(), bars.size());
  ASSERT_EQ(x.type(), CV_8UC1);
  EXPECT_EQ(cv::norm(x, y, cv::NORM_INF), 0);  // the seed fixes the field
  EXPECT_NEAR(cv::sum(x)[0], cv::sum(bars)[0], 0.08 * cv::sum(bars)[0]);
  cv::Mat moved;
  cv::absdiff(x, bars, moved);
  EXPECT_GT(cv::countNonZero(moved > 128), 100);  // strokes moved by about 2 px, not a blur
  cv::Mat same = elastic_distort(bars, 0, 10, a);
  EXPECT_EQ(cv::norm(same, bars, cv::NORM_INF), 0);
}

}  // namespace
}  // namespace ocr::synth
