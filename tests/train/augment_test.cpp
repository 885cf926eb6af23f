#include "ocr/train/augment.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

namespace {

cv::Mat line_image() {
  cv::Mat img(40, 160, CV_8UC1, cv::Scalar(235));
  cv::putText(img, "Hello, jump", {6, 28}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(30), 2, cv::LINE_AA);
  return img;
}

cv::Rect ink_box(const cv::Mat& g, int threshold) {
  cv::Mat ink;
  cv::threshold(g, ink, threshold, 255, cv::THRESH_BINARY_INV);
  return cv::boundingRect(ink);
}

}  // namespace

// Varied but never cut: margins may shrink down to the ink, not into it; a seed gives one result.
TEST(Augment, VariesTheLineWithoutCuttingItsInk) {
  const cv::Mat img = line_image();
  const cv::Rect before = ink_box(img, 132);
  int changed_height = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    ocr::Rng a(seed), b(seed);
    const cv::Mat x = ocr::augment_line(img, a), y = ocr::augment_line(img, b);
    ASSERT_EQ(cv::norm(x, y, cv::NORM_INF), 0) << "seed " << seed;
    EXPECT_GE(x.rows, 30);
    EXPECT_LE(x.rows, 54);
    changed_height += x.rows != img.rows;
    const cv::Rect after = ink_box(x, 150);
    EXPECT_EQ(after.height, std::clamp(after.height, before.height - 3, before.height + 3)) << "seed " << seed;
    EXPECT_GT(after.y, 0) << "seed " << seed;  // the original had margins: some remain
    EXPECT_LT(after.y + after.height, x.rows) << "seed " << seed;
  }
  EXPECT_GT(changed_height, 30);
  EXPECT_EQ(cv::norm(img, line_image(), cv::NORM_INF), 0);  // the input is left alone
}
