#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <cstdlib>
#include "ocr/preprocess/preprocess.h"
#include "ocr/segment/layout.h"
TEST(ZZDebug, Page) {
  const char* f = std::getenv("DBG_IMG");
  if (!f) GTEST_SKIP();
  cv::Mat img = cv::imread(f, cv::IMREAD_GRAYSCALE);
  auto pre = ocr::preprocess(img, {}, 0);
  ocr::LayoutOptions opt; opt.mode = ocr::LayoutMode::Page; opt.panels = pre.panels;
  auto layout = ocr::analyze_layout(pre.gray, opt);
  cv::Mat vis; cv::cvtColor(pre.gray, vis, cv::COLOR_GRAY2BGR);
  for (auto& r : layout.pictures) cv::rectangle(vis, r, {0,0,255}, 2);
  for (auto& r : layout.rules) cv::rectangle(vis, r, {255,0,0}, 2);
  for (auto& b : layout.blocks) for (auto& p : b.paragraphs) for (auto& l : p.lines) cv::rectangle(vis, l.box, {0,200,0}, 2);
  std::cout << "text_height " << layout.text_height << " pre.text_height " << pre.text_height << " skew " << pre.skew_degrees << " inv " << pre.inverted << " size " << pre.gray.size() << " lines " << layout.line_count() << " pictures " << layout.pictures.size() << " rules " << layout.rules.size() << "\n";
  cv::imwrite("/tmp/look/dbg_page.png", vis);
}
