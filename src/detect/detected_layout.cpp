#include "ocr/detect/detected_layout.h"

#include <algorithm>
#include <cmath>

#include "ocr/detect/reading_order.h"

namespace ocr {

namespace {

// The cut reaches this many x-heights above and below the core's centre and beyond its ends:
// room for capitals, ascenders and descenders of a line whose core came out a little thin, the
// neighbours' slices it lets in are what the line-mode front end removes.
constexpr double kAbove = 1.7, kBelow = 1.3, kSide = 0.6;

}  // namespace

DetectedPage layout_detected_lines(const cv::Mat& gray, const std::vector<DetectedLine>& lines) {
  DetectedPage out;
  out.layout.mode = LayoutMode::Page;
  std::vector<double> heights;
  for (const auto& l : lines) heights.push_back(l.x_height);
  if (!heights.empty()) {
    std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
    out.layout.text_height = heights[heights.size() / 2];
  }
  const cv::Rect page(0, 0, gray.cols, gray.rows);
  LayoutOptions line_mode;
  line_mode.mode = LayoutMode::Line;
  for (const auto& block : order_lines(lines)) {
    TextBlockRegion b;
    TextParagraphRegion par;
    for (int idx : block) {
      const DetectedLine& d = lines[size_t(idx)];
      if (d.centerline.empty()) continue;
      cv::Mat cut = cut_line(gray, d, kAbove, kBelow, kSide);
      if (cut.empty()) continue;
      const PageLayout one = analyze_layout(cut, line_mode);
      std::vector<cv::Mat> cleaned = extract_line_images(cut, one);
      TextLineRegion r;
      r.box = d.box & page;
      const int x0 = int(std::lround(d.centerline.front().x - kSide * d.x_height));
      r.crop = cv::Rect(x0, r.box.y, cut.cols, std::max(1, r.box.height)) & page;
      double cy = 0;
      for (const auto& p : d.centerline) cy += p.y;
      r.baseline = int(std::lround(cy / double(d.centerline.size()) + 0.5 * d.x_height));
      if (r.box.empty() || r.crop.empty()) continue;
      par.box = par.box.empty() ? r.box : (par.box | r.box);
      par.lines.push_back(r);
      out.lines.push_back(cleaned.empty() ? cut : cleaned.front());
    }
    if (par.lines.empty()) continue;
    b.box = par.box;
    b.paragraphs.push_back(std::move(par));
    out.layout.blocks.push_back(std::move(b));
  }
  return out;
}

}  // namespace ocr
