#include "ocr/image/morphology.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"

namespace {

// The fast dilation equals OpenCV's with the same ellipse, pixel for pixel, on noise, on smooth
// images with dark and bright regions, and on images smaller than the ellipse.
TEST(DilateEllipse, EqualsOpenCvsDilationByTheSameEllipse) {
  cv::RNG rng(17);
  for (cv::Size size : {cv::Size(97, 61), cv::Size(40, 300), cv::Size(13, 9), cv::Size(1, 1)}) {
    cv::Mat noise(size, CV_8UC1), smooth;
    rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
    cv::GaussianBlur(noise, smooth, {0, 0}, 4);
    for (const cv::Mat& img : {noise, smooth}) {
      for (int k : {1, 3, 7, 23, 47, 49, 101, 359}) {
        cv::Mat expected, got;
        cv::dilate(img, expected, cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k}));
        ocr::dilate_ellipse(img, got, k);
        ASSERT_EQ(got.size(), img.size());
        EXPECT_EQ(cv::norm(got, expected, cv::NORM_INF), 0) << size << " k=" << k;
      }
    }
  }
}

TEST(DilateEllipse, ClosingEqualsOpenCvsClosing) {
  cv::RNG rng(5);
  cv::Mat noise(120, 90, CV_8UC1), mask;
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  cv::threshold(noise, mask, 230, 255, cv::THRESH_BINARY);  // sparse specks: a mask to close
  for (const cv::Mat& img : {noise, mask}) {
    for (int k : {3, 9, 49}) {
      cv::Mat expected, got;
      cv::morphologyEx(img, expected, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k}));
      ocr::close_ellipse(img, got, k);
      EXPECT_EQ(cv::norm(got, expected, cv::NORM_INF), 0) << "k=" << k;
    }
  }
}

TEST(DilateEllipse, RefusesWhatItCannotDo) {
  cv::Mat out;
  EXPECT_THROW(ocr::dilate_ellipse(cv::Mat(5, 5, CV_32FC1), out, 3), ocr::ShapeError);
  EXPECT_THROW(ocr::dilate_ellipse(cv::Mat(5, 5, CV_8UC1), out, 4), ocr::ShapeError);
  EXPECT_THROW(ocr::dilate_ellipse(cv::Mat(5, 5, CV_8UC1), out, 0), ocr::ShapeError);
}

}  // namespace
