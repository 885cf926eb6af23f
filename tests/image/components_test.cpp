#include "ocr/image/components.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/rng.h"

namespace ocr {
namespace {

cv::Mat opencv_stats(const cv::Mat& binary) {
  cv::Mat labels, stats, centroids;
  cv::connectedComponentsWithStats(binary, labels, stats, centroids, 8, CV_32S);
  return stats;
}

void expect_same_stats(const cv::Mat& binary) {
  const cv::Mat want = opencv_stats(binary), got = component_stats(binary);
  ASSERT_EQ(got.rows, want.rows);
  ASSERT_EQ(got.cols, 5);
  for (int r = 0; r < want.rows; ++r)
    for (int c = 0; c < 5; ++c) ASSERT_EQ(got.at<int>(r, c), want.at<int>(r, c)) << "row " << r << " stat " << c;
}

// Blobs, strokes, rings and specks of every shape (diagonal touches, U shapes whose arms join
// rows later, odd and even sizes: OpenCV numbers components by 2x2 blocks), against OpenCV's
// labelling, order included.
TEST(ComponentStats, SameAsOpenCvOnRandomShapes) {
  Rng rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    cv::Mat img(37 + 13 * trial, 53 + 7 * trial, CV_8UC1, cv::Scalar(0));
    for (int k = 0; k < 40; ++k) {
      const cv::Point a(int(rng.uniform(0, img.cols)), int(rng.uniform(0, img.rows)));
      const cv::Point b(int(rng.uniform(0, img.cols)), int(rng.uniform(0, img.rows)));
      switch (k % 4) {
        case 0: cv::line(img, a, b, cv::Scalar(255), 1, cv::LINE_8); break;  // diagonal touches
        case 1: cv::circle(img, a, 1 + k % 5, cv::Scalar(255), k % 3 == 0 ? cv::FILLED : 1); break;
        case 2: img.at<uint8_t>(a) = 255; break;
        default: cv::rectangle(img, a, a + cv::Point(3, 2), cv::Scalar(200), cv::FILLED); break;
      }
    }
    expect_same_stats(img);
    cv::Mat noise(img.size(), CV_8UC1);  // dense speckle: many runs touching at corners
    cv::setRNGSeed(trial + 1);
    cv::randu(noise, 0, 256);
    expect_same_stats(noise > 160 - 10 * (trial % 6));
  }
}

TEST(ComponentStats, SameAsOpenCvOnPrintedText) {
  cv::Mat page(700, 900, CV_8UC1, cv::Scalar(0));
  for (int y = 30, k = 0; y < page.rows; y += 23, ++k)
    cv::putText(page, "Quick brown foxes (jumped) over 12 lazy dogs; gjpqy " + std::to_string(k), {10 + k % 7, y},
                cv::FONT_HERSHEY_SIMPLEX, 0.6 + 0.05 * (k % 4), cv::Scalar(255), 1 + k % 2);
  expect_same_stats(page);
}

TEST(ComponentStats, EmptyAndFullImages) {
  expect_same_stats(cv::Mat(9, 11, CV_8UC1, cv::Scalar(0)));
  cv::Mat one(9, 11, CV_8UC1, cv::Scalar(0));
  one.at<uint8_t>(8, 10) = 1;
  expect_same_stats(one);
  const cv::Mat full(9, 11, CV_8UC1, cv::Scalar(255));
  const cv::Mat s = component_stats(full);
  ASSERT_EQ(s.rows, 2);
  EXPECT_EQ(s.at<int>(1, cv::CC_STAT_AREA), 99);
  EXPECT_EQ(s.at<int>(1, cv::CC_STAT_HEIGHT), 9);
  EXPECT_EQ(s.at<int>(0, cv::CC_STAT_AREA), 0);
  EXPECT_THROW(component_stats(cv::Mat(4, 4, CV_16UC1)), ShapeError);
}

}  // namespace
}  // namespace ocr
