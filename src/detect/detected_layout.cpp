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

cv::Point2f middle(const DetectedLine& l) {
  return l.centerline.empty() ? cv::Point2f(float(l.box.x + l.box.width / 2), float(l.box.y + l.box.height / 2))
                              : l.centerline[l.centerline.size() / 2];
}

}  // namespace

std::vector<std::vector<int>> order_detected_lines(const std::vector<DetectedLine>& lines,
                                                   const std::vector<cv::Rect>& panels) {
  // Lines in a panel are set aside; the panel takes its place in the page's order where the
  // first of its stand-ins comes.
  std::vector<std::vector<int>> members(panels.size());
  std::vector<DetectedLine> outer;
  std::vector<int> outer_index;  // >= 0: a line; < 0: panel -1 - p
  for (size_t i = 0; i < lines.size(); ++i) {
    const cv::Point2f m = middle(lines[i]);
    int in = -1;
    for (size_t p = 0; p < panels.size() && in < 0; ++p)
      if (panels[p].contains(cv::Point(int(m.x), int(m.y)))) in = int(p);
    if (in >= 0) {
      members[size_t(in)].push_back(int(i));
    } else {
      outer.push_back(lines[i]);
      outer_index.push_back(int(i));
    }
  }
  for (size_t p = 0; p < panels.size(); ++p) {
    // The panel's lines widened to the panel's width: a column (or a bar) of as many lines as it
    // holds, which the page's X-Y cut keeps apart from its neighbours as it would a column.
    for (int i : members[p]) {
      DetectedLine stand_in = lines[size_t(i)];
      const cv::Rect& r = panels[p];
      const cv::Point2f m = middle(stand_in);
      stand_in.centerline = {cv::Point2f(float(r.x), m.y), cv::Point2f(float(r.br().x - 1), m.y)};
      stand_in.angle = 0;
      stand_in.box = cv::Rect(r.x, stand_in.box.y, r.width, stand_in.box.height);
      outer.push_back(stand_in);
      outer_index.push_back(-1 - int(p));
    }
  }
  std::vector<std::vector<int>> blocks;
  std::vector<bool> placed(panels.size(), false);
  for (const auto& block : order_lines(outer)) {
    std::vector<int> run;
    for (int k : block) {
      const int idx = outer_index[size_t(k)];
      if (idx >= 0) {
        run.push_back(idx);
        continue;
      }
      if (placed[size_t(-1 - idx)]) continue;
      placed[size_t(-1 - idx)] = true;
      if (!run.empty()) blocks.push_back(std::move(run));
      run.clear();
      const std::vector<int>& inside = members[size_t(-1 - idx)];
      std::vector<DetectedLine> sub;
      for (int i : inside) sub.push_back(lines[size_t(i)]);
      for (const auto& b : order_lines(sub)) {
        std::vector<int> mapped;
        for (int j : b) mapped.push_back(inside[size_t(j)]);
        blocks.push_back(std::move(mapped));
      }
    }
    if (!run.empty()) blocks.push_back(std::move(run));
  }
  return blocks;
}

DetectedPage layout_detected_lines(const cv::Mat& gray, const std::vector<DetectedLine>& lines,
                                   const std::vector<cv::Rect>& panels) {
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
  for (const auto& block : order_detected_lines(lines, panels)) {
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
