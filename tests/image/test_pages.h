// Synthetic pages for layout and pipeline tests, drawn with OpenCV's Hershey fonts so no font
// files are needed.
#pragma once
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

namespace ocr::test {

inline constexpr const char* kWords[] = {"alpha", "beta",  "gamma", "delta", "echo", "fox",
                                         "golf",  "hotel", "india", "kilo",  "lima", "mike"};

// A text line of n words starting at (x, baseline y).
inline void draw_line(cv::Mat& img, int x, int y, int n, int seed, double scale = 0.7) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += kWords[(seed * 7 + i * 5) % 12];
  }
  cv::putText(img, s, {x, y}, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar::all(0), 2, cv::LINE_AA);
}

// Two columns of two paragraphs each, a rule under the title, and a picture at the bottom right.
inline cv::Mat two_column_page() {
  cv::Mat img(1000, 1000, CV_8UC1, cv::Scalar(255));
  cv::putText(img, "THE TITLE LINE", {300, 70}, cv::FONT_HERSHEY_SIMPLEX, 1.2, 0, 3, cv::LINE_AA);
  cv::line(img, {60, 100}, {940, 100}, 0, 3);  // rule
  for (int col = 0; col < 2; ++col) {
    int x = col == 0 ? 60 : 540;
    int y = 160;
    for (int par = 0; par < 2; ++par) {
      for (int l = 0; l < 5; ++l) {
        draw_line(img, x, y, 3, col * 100 + par * 10 + l);
        y += 36;
      }
      y += 60;  // paragraph gap
    }
  }
  // A picture: a dense textured block.
  cv::Mat pic = img(cv::Rect(560, 720, 360, 220));
  cv::randu(pic, 0, 160);
  return img;
}

inline cv::Mat single_line(int width = 420, int height = 48) {
  cv::Mat img(height, width, CV_8UC1, cv::Scalar(255));
  draw_line(img, 10, height - 14, 4, 3);
  return img;
}

}  // namespace ocr::test
