#include "ocr/detect/detected_layout.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "ocr/detect/reading_order.h"

namespace ocr {

namespace {

// The cut reaches this many x-heights above and below the core's centre and beyond its ends:
// room for capitals, ascenders and descenders of a line whose core came out a little thin, the
// neighbours' slices it lets in are what the line-mode front end removes.
constexpr double kAbove = 1.7, kBelow = 1.3, kSide = 0.6;

// Rows dark nearly across at a cut's top or bottom edge, apart from the letters, are no part of
// its line: a form's box edge or ruling, a scan's black border, the shaded paper beside a
// photographed document's painted-out surroundings. Left in, the recognizer reads them as text.
// They are painted as the cut's paper; a light-on-dark line (dark over most of its cut) is left
// as it is.
void clear_dark_edge_bands(cv::Mat& cut, int centre_row) {
  if (cut.rows < 4 || cut.cols < 4) return;
  cv::Mat ink;
  const double split = cv::threshold(cut, ink, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  const int w = cut.cols;
  auto dark_share = [&](int r) { return cv::countNonZero(ink.row(r)) / double(w); };
  const int mid = std::clamp(centre_row, 0, cut.rows - 1);
  if (cv::countNonZero(ink) > 0.5 * double(cut.total())) return;  // dark ground: light-on-dark
  const cv::Mat paper_mask = ~ink;
  if (cv::countNonZero(paper_mask) == 0) return;
  const double paper = std::max(split, cv::mean(cut, paper_mask)[0]);
  int top = 0, bottom = cut.rows;
  while (top < mid && dark_share(top) > 0.6) ++top;
  while (bottom - 1 > mid && dark_share(bottom - 1) > 0.6) --bottom;
  // Only a band with paper between it and the letters: one that runs into them (a shadow's
  // edge along the baseline) would take their tops or descenders with it.
  if (top > 0 && dark_share(top) < 0.3) cut.rowRange(0, top).setTo(paper);
  if (bottom < cut.rows && dark_share(bottom - 1) < 0.3) cut.rowRange(bottom, cut.rows).setTo(paper);
}

cv::Point2f middle(const DetectedLine& l) {
  return l.centerline.empty() ? cv::Point2f(float(l.box.x + l.box.width / 2), float(l.box.y + l.box.height / 2))
                              : l.centerline[l.centerline.size() / 2];
}

double arc_length(const DetectedLine& l) {
  double len = 0;
  for (size_t i = 1; i < l.centerline.size(); ++i) len += cv::norm(l.centerline[i] - l.centerline[i - 1]);
  return len;
}

// Where the line's centreline, carried on along its slope, meets column x.
double centre_y_at(const DetectedLine& l, double x) {
  const cv::Point2f& end = std::abs(x - l.centerline.front().x) < std::abs(x - l.centerline.back().x)
                               ? l.centerline.front() : l.centerline.back();
  if (x >= l.centerline.front().x && x <= l.centerline.back().x) {
    for (size_t i = 1; i < l.centerline.size(); ++i) {
      const cv::Point2f &a = l.centerline[i - 1], &b = l.centerline[i];
      if (x <= b.x) return b.x > a.x ? a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x) : a.y;
    }
  }
  return end.y + std::tan(l.angle) * (x - end.x);
}

}  // namespace

std::vector<int> main_line_pieces(const std::vector<DetectedLine>& lines, const cv::Rect& image) {
  // Score: length, weighed down off the middle and, much more, when the image's top or bottom
  // edge cuts the core (a slice of a neighbour, however long).
  int best = -1;
  double best_score = 0;
  const double half = image.height / 2.0, centre = image.y + half;
  for (size_t i = 0; i < lines.size(); ++i) {
    const DetectedLine& l = lines[i];
    if (l.centerline.empty() || !(l.x_height > 0)) continue;
    const cv::Point2f m = middle(l);
    const double off = half > 0 ? std::min(1.0, std::abs(m.y - centre) / half) : 0;
    const bool cut = m.y - 0.5 * l.x_height < image.y || m.y + 0.5 * l.x_height > image.br().y;
    const double score = (arc_length(l) + l.x_height) * (1 - 0.6 * off * off) * (cut ? 0.3 : 1.0);
    if (score > best_score) {
      best_score = score;
      best = int(i);
    }
  }
  if (best < 0) return {};
  // Pieces beside the main line (not above or below it) whose centres lie on its course.
  std::vector<int> chain{best};
  DetectedLine joined = lines[size_t(best)];
  bool grew = true;
  while (grew) {
    grew = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (std::find(chain.begin(), chain.end(), int(i)) != chain.end()) continue;
      const DetectedLine& l = lines[i];
      if (l.centerline.empty() || !(l.x_height > 0)) continue;
      const double xh = std::max(l.x_height, joined.x_height);
      if (std::min(l.x_height, joined.x_height) < xh / 1.8) continue;
      const double a0 = joined.centerline.front().x, a1 = joined.centerline.back().x;
      const double b0 = l.centerline.front().x, b1 = l.centerline.back().x;
      if (std::min(a1, b1) - std::max(a0, b0) > 0.5 * xh) continue;  // side by side, not stacked
      const bool right = b0 >= a1 - 0.5 * xh;
      const double x = right ? b0 : b1;
      const double y = right ? l.centerline.front().y : l.centerline.back().y;
      if (std::abs(centre_y_at(joined, x) - y) > 0.45 * xh) continue;
      chain.push_back(int(i));
      // The joined centreline, left to right.
      std::vector<cv::Point2f> pts = right ? joined.centerline : l.centerline;
      const auto& tail = right ? l.centerline : joined.centerline;
      pts.insert(pts.end(), tail.begin(), tail.end());
      const double la = arc_length(joined), lb = arc_length(l);
      joined.x_height = la + lb > 0 ? (joined.x_height * la + l.x_height * lb) / (la + lb) : xh;
      joined.centerline = std::move(pts);
      joined.box |= l.box;
      const cv::Point2f d = joined.centerline.back() - joined.centerline.front();
      joined.angle = std::abs(d.x) > 1e-6 ? std::atan2(d.y, d.x) : 0;
      grew = true;
    }
  }
  std::sort(chain.begin(), chain.end(),
            [&](int a, int b) { return lines[size_t(a)].centerline.front().x < lines[size_t(b)].centerline.front().x; });
  return chain;
}

DetectedPage layout_detected_line_image(const cv::Mat& gray, const std::vector<DetectedLine>& lines,
                                        const cv::Rect& content) {
  DetectedPage out;
  out.layout.mode = LayoutMode::Line;
  const cv::Rect area = content.empty() ? cv::Rect(0, 0, gray.cols, gray.rows) : content;
  const std::vector<int> pieces = main_line_pieces(lines, area);
  if (pieces.empty()) return out;
  DetectedLine main = lines[size_t(pieces.front())];
  main.centerline.clear();
  double weighted = 0, total = 0;
  for (int i : pieces) {
    const DetectedLine& l = lines[size_t(i)];
    main.centerline.insert(main.centerline.end(), l.centerline.begin(), l.centerline.end());
    main.box |= l.box;
    const double len = arc_length(l) + 1;
    weighted += l.x_height * len;
    total += len;
  }
  main.x_height = weighted / total;
  DetectedPage page = layout_detected_lines(gray, {main});
  if (page.lines.empty()) return out;
  page.layout.mode = LayoutMode::Line;
  return page;
}

std::vector<std::vector<int>> order_detected_lines(const std::vector<DetectedLine>& lines,
                                                   const std::vector<cv::Rect>& panels) {
  // Lines in a panel are set aside; the panel takes its place in the page's order where the
  // first of its stand-ins comes, and its stand-ins are one group: a column of their own.
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
  std::vector<int> groups;
  for (int idx : outer_index) groups.push_back(idx >= 0 ? -1 : -1 - idx);
  std::vector<std::vector<int>> blocks;
  std::vector<bool> placed(panels.size(), false);
  for (const auto& block : order_lines(outer, groups)) {
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
      clear_dark_edge_bands(cut, int(std::lround(kAbove * d.x_height)));
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
