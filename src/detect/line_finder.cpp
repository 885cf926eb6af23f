#include "ocr/detect/line_finder.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"

namespace ocr {

namespace {

// Map coordinates: the centre of map pixel (x, y) is at (x, y).

// One column of a line's core: the threshold crossings above and below, sub-pixel.
struct CoreColumn {
  int x = 0;
  float top = 0, bottom = 0;  // crossing rows, map px
  float mass = 0;             // probability summed over the run's pixels
  int pixels = 0;
  float width() const { return bottom - top; }
  float centre() const { return 0.5f * (top + bottom); }
};

// A stretch of one line: one CoreColumn per column, sorted by x, no gaps of its own making.
struct Piece {
  std::vector<CoreColumn> cols;
  double thickness = 0;  // per-column width (vertical), robust mean
  double slope = 0;      // fitted dy/dx
  int x0() const { return cols.front().x; }
  int x1() const { return cols.back().x; }
};

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  return v[mid];
}

// Sub-pixel row where the probability crosses thr between an inside pixel and the one outside.
float crossing(float inside_row, float p_in, float p_out, float step, float thr) {
  if (p_in <= p_out) return inside_row + 0.5f * step;
  const float t = std::clamp((p_in - thr) / (p_in - p_out), 0.f, 1.f);
  return inside_row + t * step;
}

// The column's core run [r0, r1] (inclusive rows) as a CoreColumn.
CoreColumn measure_column(const cv::Mat& prob, int x, int r0, int r1, float thr) {
  CoreColumn c;
  c.x = x;
  const float above = r0 > 0 ? prob.at<float>(r0 - 1, x) : 0.f;
  const float below = r1 + 1 < prob.rows ? prob.at<float>(r1 + 1, x) : 0.f;
  c.top = crossing(float(r0), prob.at<float>(r0, x), above, -1.f, thr);
  c.bottom = crossing(float(r1), prob.at<float>(r1, x), below, 1.f, thr);
  for (int y = r0; y <= r1; ++y) c.mass += prob.at<float>(y, x);
  c.pixels = r1 - r0 + 1;
  return c;
}

// Mean width over the columns within 40 % of the median: the ragged ends of a core and the odd
// blot do not count, and the mean of many sub-pixel widths is finer than one column's.
double robust_thickness(const std::vector<CoreColumn>& cols) {
  std::vector<double> w(cols.size());
  for (size_t i = 0; i < cols.size(); ++i) w[i] = cols[i].width();
  const double med = median_of(w);
  double sum = 0;
  int n = 0;
  for (double v : w)
    if (v >= 0.6 * med && v <= 1.4 * med) sum += v, ++n;
  return n ? sum / n : med;
}

// Weight of a column in the centreline fits: thin columns (ragged ends, the slanted ends of a
// tilted core, a weak stretch) say little about where the centre is, so they count for almost
// nothing; the line's course is continued through them. Steep, so a tail of 60 % thickness
// weighs 2 %, while the width noise of full columns (10 %) leaves them 0.4 to 1.
double column_weight(const CoreColumn& c, double thickness) {
  const double r = std::clamp(double(c.width()) / std::max(thickness, 1e-3), 0.0, 1.0);
  return std::max(1e-3, std::pow(r, 8));
}

// Weighted least-squares line through the column centres in [from, to): returns (a, b) for
// y = a + b·x.
std::pair<double, double> fit_line(const std::vector<CoreColumn>& cols, size_t from, size_t to,
                                   double thickness) {
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = from; i < to; ++i) {
    const double w = column_weight(cols[i], thickness), x = cols[i].x, y = cols[i].centre();
    sw += w, sx += w * x, sy += w * y, sxx += w * x * x, sxy += w * x * y;
  }
  if (sw <= 0) return {0, 0};
  const double mx = sx / sw, my = sy / sw, vxx = sxx / sw - mx * mx;
  const double b = vxx > 1e-9 ? (sxy / sw - mx * my) / vxx : 0;
  return {my - b * mx, b};
}

// Splits one connected component into pieces: columns where the core run is far thicker than
// the component's median are where two lines touch, and are removed; what stays connected is a
// piece. Several runs of one piece in one column (a hole in the core) count as one run.
void split_component(const cv::Mat& prob, const cv::Mat& labels, int label, const cv::Rect& roi,
                     const LineFinderOptions& opt, std::vector<Piece>& pieces) {
  struct Run {
    int x, r0, r1;
  };
  std::vector<Run> runs;
  for (int x = roi.x; x < roi.x + roi.width; ++x) {
    int start = -1;
    for (int y = roi.y; y <= roi.y + roi.height; ++y) {
      const bool in = y < roi.y + roi.height && labels.at<int>(y, x) == label;
      if (in && start < 0) start = y;
      if (!in && start >= 0) runs.push_back({x, start, y - 1}), start = -1;
    }
  }
  if (runs.empty()) return;
  auto length = [](const Run& r) { return double(r.r1 - r.r0 + 1); };
  std::vector<double> lengths(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) lengths[i] = length(runs[i]);
  // Thick against the runs within a few x-heights, not against the whole component: a heading
  // touching a long body line is thick all along, only the few columns where they touch are
  // thicker than their surroundings.
  const int window = std::max(4, int(std::lround(3 * median_of(lengths))));
  cv::Mat kept = cv::Mat::zeros(roi.size(), CV_8U);
  size_t lo = 0, hi = 0;
  std::vector<double> near;
  for (const Run& r : runs) {
    while (runs[lo].x < r.x - window) ++lo;
    while (hi < runs.size() && runs[hi].x <= r.x + window) ++hi;
    near.assign(lengths.begin() + lo, lengths.begin() + hi);
    const double local = median_of(near);
    if (length(r) > std::max(opt.split_thickness * local, local + 2)) continue;
    for (int y = r.r0; y <= r.r1; ++y) kept.at<uint8_t>(y - roi.y, r.x - roi.x) = 1;
  }
  cv::Mat piece_labels;
  // 4-connectivity: two cores that only touch corner to corner are two lines.
  const int n = cv::connectedComponents(kept, piece_labels, 4, CV_32S);
  std::vector<Piece> local(n - 1);
  for (int x = 0; x < roi.width; ++x) {
    // Per piece, the outermost rows it holds in this column.
    std::vector<std::pair<int, int>> span(n, {-1, -1});
    for (int y = 0; y < roi.height; ++y) {
      const int l = piece_labels.at<int>(y, x);
      if (l == 0) continue;
      if (span[l].first < 0) span[l].first = y;
      span[l].second = y;
    }
    for (int l = 1; l < n; ++l)
      if (span[l].first >= 0)
        local[l - 1].cols.push_back(
            measure_column(prob, roi.x + x, roi.y + span[l].first, roi.y + span[l].second, opt.threshold));
  }
  for (Piece& p : local) {
    if (p.cols.empty()) continue;
    p.thickness = robust_thickness(p.cols);
    p.slope = fit_line(p.cols, 0, p.cols.size(), p.thickness).second;
    pieces.push_back(std::move(p));
  }
}

// Centre of piece p's end (right end if `right`) continued to column x, from a line fitted to its
// last (first) few x-heights only, so a curved line is continued along its own end.
double end_centre_at(const Piece& p, bool right, double x) {
  const int span = std::max(4, int(std::lround(4 * p.thickness)));
  const size_t n = p.cols.size();
  size_t from = 0, to = n;
  if (right) {
    while (from < n && p.cols[from].x < p.x1() - span) ++from;
  } else {
    to = 0;
    while (to < n && p.cols[to].x <= p.x0() + span) ++to;
  }
  const auto [a, b] = fit_line(p.cols, from, to, p.thickness);
  return a + b * x;
}

// Chains pieces that continue one another: B starts right of A's end, within max_join_gap
// x-heights, on A's centreline, with a similar thickness. Cheapest joins first; each piece has
// at most one successor and one predecessor. Returns chains of piece indices, left to right.
std::vector<std::vector<int>> chain_pieces(const std::vector<Piece>& pieces, const LineFinderOptions& opt) {
  struct Join {
    double cost;
    int a, b;
  };
  std::vector<Join> joins;
  const int n = int(pieces.size());
  std::vector<int> by_start(n);
  std::iota(by_start.begin(), by_start.end(), 0);
  std::sort(by_start.begin(), by_start.end(), [&](int i, int j) { return pieces[i].x0() < pieces[j].x0(); });
  for (int a = 0; a < n; ++a) {
    const Piece& A = pieces[a];
    // No partner can be thicker than this, so none can start further right.
    const double widest_gap = opt.max_join_gap * A.thickness * (1 + opt.max_join_thickness_ratio) / 2;
    auto first = std::upper_bound(by_start.begin(), by_start.end(), A.x1(),
                                  [&](int x, int i) { return x < pieces[i].x0(); });
    for (auto it = first; it != by_start.end(); ++it) {
      const int b = *it;
      const Piece& B = pieces[b];
      if (B.x0() - A.x1() - 1 > widest_gap) break;
      const double t = 0.5 * (A.thickness + B.thickness);
      const double gap = B.x0() - A.x1() - 1;
      if (gap > opt.max_join_gap * t) continue;
      const double ratio = std::max(A.thickness, B.thickness) / std::max(std::min(A.thickness, B.thickness), 1e-3);
      if (ratio > opt.max_join_thickness_ratio) continue;
      // Quick reject before the end fits: the ends' own centres far apart.
      if (std::abs(A.cols.back().centre() - B.cols.front().centre()) > 2 * t + gap) continue;
      const double mid = 0.5 * (A.x1() + B.x0());
      const double offset = std::abs(end_centre_at(A, true, mid) - end_centre_at(B, false, mid));
      if (offset > opt.max_join_offset * t) continue;
      joins.push_back({gap / t + offset / t, a, b});
    }
  }
  std::sort(joins.begin(), joins.end(), [](const Join& x, const Join& y) { return x.cost < y.cost; });
  std::vector<int> next(n, -1), prev(n, -1);
  for (const Join& j : joins)
    if (next[j.a] < 0 && prev[j.b] < 0) next[j.a] = j.b, prev[j.b] = j.a;
  std::vector<std::vector<int>> chains;
  for (int i = 0; i < n; ++i) {
    if (prev[i] >= 0) continue;
    chains.emplace_back();
    for (int k = i; k >= 0; k = next[k]) chains.back().push_back(k);
  }
  return chains;
}

// Centres smoothed by a locally weighted linear fit (tricube window of ±h columns): follows a
// curved line and irons out glyph-level wobble. Beyond the outermost full-thickness columns
// (ragged ends: a weak last glyph, the slanted end of a tilted core) the line's own course is
// continued instead.
std::vector<double> smooth_centres(const std::vector<CoreColumn>& cols, double thickness) {
  const int h = std::max(3, int(std::lround(2.5 * thickness)));
  const size_t n = cols.size();
  std::vector<double> out(n), slope(n);
  size_t lo = 0, hi = 0;
  for (size_t i = 0; i < n; ++i) {
    const int x = cols[i].x;
    while (cols[lo].x < x - h) ++lo;
    while (hi < n && cols[hi].x <= x + h) ++hi;
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t k = lo; k < hi; ++k) {
      const double d = double(cols[k].x - x) / (h + 1);
      const double tri = std::pow(1 - std::pow(std::abs(d), 3), 3);
      const double w = tri * column_weight(cols[k], thickness), y = cols[k].centre();
      sw += w, sx += w * d, sy += w * y, sxx += w * d * d, sxy += w * d * y;
    }
    const double mx = sx / sw, my = sy / sw, vxx = sxx / sw - mx * mx;
    const double b = vxx > 1e-9 ? (sxy / sw - mx * my) / vxx : 0;
    out[i] = my - b * mx;  // the fit at d = 0
    slope[i] = b / (h + 1);
  }
  auto full = [&](size_t i) { return cols[i].width() >= 0.7 * thickness; };
  size_t first = 0, last = n - 1;
  while (first < n && !full(first)) ++first;
  while (last > first && !full(last)) --last;
  if (first >= n) return out;
  for (size_t i = 0; i < first; ++i) out[i] = out[first] + slope[first] * (cols[i].x - cols[first].x);
  for (size_t i = last + 1; i < n; ++i) out[i] = out[last] + slope[last] * (cols[i].x - cols[last].x);
  return out;
}

}  // namespace

std::vector<DetectedLine> find_lines(const cv::Mat& core_prob, const LineFinderOptions& opt) {
  if (core_prob.empty()) return {};
  if (core_prob.type() != CV_32FC1) throw ShapeError("find_lines: the core map must be CV_32FC1");
  if (!(opt.scale > 0)) throw ShapeError("find_lines: the map-to-page scale must be positive");
  const double s = opt.scale;
  const cv::Size page = opt.page_size.empty()
                            ? cv::Size(int(std::lround(core_prob.cols * s)), int(std::lround(core_prob.rows * s)))
                            : opt.page_size;

  cv::Mat core = core_prob >= opt.threshold;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(core, labels, stats, centroids, 4, CV_32S);
  std::vector<Piece> pieces;
  for (int l = 1; l < n; ++l) {
    if (stats.at<int>(l, cv::CC_STAT_AREA) < opt.min_area) continue;
    const cv::Rect roi(stats.at<int>(l, cv::CC_STAT_LEFT), stats.at<int>(l, cv::CC_STAT_TOP),
                       stats.at<int>(l, cv::CC_STAT_WIDTH), stats.at<int>(l, cv::CC_STAT_HEIGHT));
    split_component(core_prob, labels, l, roi, opt, pieces);
  }

  std::vector<DetectedLine> lines;
  for (const std::vector<int>& chain : chain_pieces(pieces, opt)) {
    std::vector<CoreColumn> cols;
    for (int i : chain) cols.insert(cols.end(), pieces[i].cols.begin(), pieces[i].cols.end());
    double mass = 0;
    int pixels = 0;
    for (const CoreColumn& c : cols) mass += c.mass, pixels += c.pixels;
    const double width = robust_thickness(cols);
    const double slope = fit_line(cols, 0, cols.size(), width).second;
    const double cos_a = 1 / std::sqrt(1 + slope * slope);
    const double thickness = width * cos_a;  // across the line, not down the column
    const double length = (cols.back().x - cols.front().x + 1) / cos_a;
    const float score = pixels ? float(mass / pixels) : 0.f;
    if (pixels < opt.min_area || score < opt.min_score || thickness < opt.min_x_height ||
        thickness > opt.max_x_height || length < opt.min_length * thickness)
      continue;

    DetectedLine line;
    line.x_height = thickness * s;
    line.angle = std::atan(slope);
    line.score = score;
    const std::vector<double> centre = smooth_centres(cols, width);
    auto to_page = [&](double v) { return (v + 0.5) * s - 0.5; };
    const int step = std::max(1, int(std::lround(width)));
    const double max_x = page.width - 1, max_y = page.height - 1;
    auto add_point = [&](double x_page, double y_map) {
      line.centerline.emplace_back(float(std::clamp(x_page, 0.0, max_x)),
                                   float(std::clamp(to_page(y_map), 0.0, max_y)));
    };
    // The ends on the core's outer edges, the inside every `step` columns.
    add_point(cols.front().x * s - 0.5, centre.front());
    for (size_t i = step; i + step / 2 < cols.size() - 1; i += step) add_point(to_page(cols[i].x), centre[i]);
    add_point((cols.back().x + 1) * s - 0.5, centre.back());

    const double up = (0.5 + opt.ascender) * line.x_height, down = (0.5 + opt.descender) * line.x_height;
    double top = 1e18, bottom = -1e18;
    for (const cv::Point2f& p : line.centerline) top = std::min(top, p.y - up), bottom = std::max(bottom, p.y + down);
    const int x0 = int(std::lround(cols.front().x * s)), x1 = int(std::lround((cols.back().x + 1) * s));
    const int y0 = int(std::floor(top + 0.5)), y1 = int(std::ceil(bottom + 0.5));
    line.box = cv::Rect(cv::Point(x0, y0), cv::Point(x1, y1)) & cv::Rect(cv::Point(0, 0), page);
    if (line.box.empty()) continue;
    lines.push_back(std::move(line));
  }
  sort_top_to_bottom(lines);
  return lines;
}

void sort_top_to_bottom(std::vector<DetectedLine>& lines) {
  std::sort(lines.begin(), lines.end(), [](const DetectedLine& a, const DetectedLine& b) {
    return a.box.y != b.box.y ? a.box.y < b.box.y : a.box.x < b.box.x;
  });
}

namespace {

// The centreline as a curve parametrised by arc length, continued straight beyond its ends.
class Polyline {
 public:
  explicit Polyline(std::vector<cv::Point2f> pts) : pts_(std::move(pts)) {
    if (pts_.size() == 1) pts_.push_back(pts_[0] + cv::Point2f(1, 0));
    arc_.assign(pts_.size(), 0);
    for (size_t i = 1; i < pts_.size(); ++i) arc_[i] = arc_[i - 1] + float(cv::norm(pts_[i] - pts_[i - 1]));
  }
  double length() const { return arc_.back(); }
  cv::Point2d at(double u) const {
    size_t i = std::upper_bound(arc_.begin(), arc_.end(), u) - arc_.begin();
    i = std::clamp<size_t>(i, 1, pts_.size() - 1);
    // Zero-length segments (duplicate points) would divide by zero: step past them.
    while (i + 1 < pts_.size() && arc_[i] - arc_[i - 1] <= 1e-6) ++i;
    const double len = std::max(1e-6f, arc_[i] - arc_[i - 1]);
    const double t = (u - arc_[i - 1]) / len;
    return cv::Point2d(pts_[i - 1]) + t * cv::Point2d(pts_[i] - pts_[i - 1]);
  }

 private:
  std::vector<cv::Point2f> pts_;
  std::vector<float> arc_;
};

// Paper grey: the median of the line's box, where ink is the minority.
uint8_t paper_level(const cv::Mat& gray, const cv::Rect& box) {
  const cv::Rect r = box & cv::Rect(0, 0, gray.cols, gray.rows);
  if (r.empty()) return 255;
  int hist[256] = {0};
  for (int y = r.y; y < r.br().y; ++y) {
    const uint8_t* row = gray.ptr<uint8_t>(y);
    for (int x = r.x; x < r.br().x; ++x) ++hist[row[x]];
  }
  const int half = r.area() / 2;
  int sum = 0;
  for (int v = 0; v < 256; ++v)
    if ((sum += hist[v]) > half) return uint8_t(v);
  return 255;
}

}  // namespace

cv::Mat cut_line(const cv::Mat& gray, const DetectedLine& line, double above, double below, double side) {
  if (gray.empty() || gray.type() != CV_8UC1) throw ShapeError("cut_line: the page must be 8-bit grey");
  if (line.centerline.empty() || !(line.x_height > 0)) throw ShapeError("cut_line: the line has no centreline");
  const Polyline curve(line.centerline);
  const double xh = line.x_height;
  const double lead = side * xh;
  const int width = std::max(1, int(std::lround(curve.length() + 2 * lead)) + 1);
  const int height = std::max(1, int(std::lround((above + below) * xh)));
  const double row_step = (above + below) * xh / height;
  // Tangents from points half an x-height either side: a kink in the polyline does not twist
  // the glyphs at it.
  const double half = 0.5 * xh;
  cv::Mat map_x(height, width, CV_32F), map_y(height, width, CV_32F);
  for (int j = 0; j < width; ++j) {
    const double u = j - lead;
    const cv::Point2d p = curve.at(u);
    cv::Point2d t = curve.at(u + half) - curve.at(u - half);
    const double norm = cv::norm(t);
    t = norm > 1e-9 ? t / norm : cv::Point2d(1, 0);
    const cv::Point2d normal(-t.y, t.x);  // points down the page for a left-to-right line
    for (int r = 0; r < height; ++r) {
      const double v = -above * xh + (r + 0.5) * row_step;
      map_x.at<float>(r, j) = float(p.x + v * normal.x);
      map_y.at<float>(r, j) = float(p.y + v * normal.y);
    }
  }
  cv::Mat out;
  cv::remap(gray, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(paper_level(gray, line.box)));
  return out;
}

}  // namespace ocr
