#include "ocr/detect/reading_order.h"

#include <algorithm>
#include <cmath>

#include "ocr/core/error.h"

namespace ocr {

namespace {

// A line's core band: tighter than its box, so lines of dense text, whose ascender-descender
// boxes overlap, still leave gaps between them.
struct Item {
  int index = 0;
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  double cx = 0, cy = 0;  // middle of the centreline
  double x_height = 0;
  double slope = 0;
  int group = -1;  // lines of one region kept together (a dark panel), -1 none
  double width() const { return x1 - x0; }
};

Item make_item(const DetectedLine& line, int index, int group) {
  Item it;
  it.index = index;
  it.group = group;
  it.x_height = std::max(line.x_height, 1.0);
  it.slope = std::tan(line.angle);
  if (line.centerline.empty()) {
    const cv::Rect& b = line.box;
    it.x0 = b.x, it.x1 = b.br().x, it.y0 = b.y, it.y1 = b.br().y;
    it.cx = 0.5 * (it.x0 + it.x1), it.cy = 0.5 * (it.y0 + it.y1);
    return it;
  }
  it.x0 = line.centerline.front().x, it.x1 = line.centerline.back().x;
  it.y0 = 1e18, it.y1 = -1e18;
  for (const cv::Point2f& p : line.centerline) {
    it.y0 = std::min<double>(it.y0, p.y - 0.5 * it.x_height);
    it.y1 = std::max<double>(it.y1, p.y + 0.5 * it.x_height);
  }
  const cv::Point2f& mid = line.centerline[line.centerline.size() / 2];
  it.cx = mid.x, it.cy = mid.y;
  return it;
}

double median_x_height(const std::vector<Item>& items) {
  std::vector<double> v;
  for (const Item& it : items) v.push_back(it.x_height);
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// Gaps in the projection of [lo, hi) intervals: (width, count of items before the gap) after
// sorting the items by lo. Only gaps wider than min_gap.
template <typename Lo, typename Hi>
std::vector<std::pair<double, size_t>> projection_gaps(std::vector<Item>& items, Lo lo, Hi hi, double min_gap) {
  std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) { return lo(a) < lo(b); });
  std::vector<std::pair<double, size_t>> gaps;
  double reach = hi(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    if (lo(items[i]) - reach > min_gap) gaps.push_back({lo(items[i]) - reach, i});
    reach = std::max(reach, hi(items[i]));
  }
  return gaps;
}

// The median slope of the lines.
double median_slope(const std::vector<Item>& items) {
  std::vector<double> v;
  for (const Item& it : items) v.push_back(it.slope);
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// The slope a line is continued along to find the rest of its row. A short line's own slope is a
// poor guide across a wide gap (a receipt item's 2-degree error puts its price most of an
// x-height off across 25 x-heights): lines under 15 x-heights long take the page's (the median
// over all its lines: a few lines of a part cut off are too few to outvote their noise).
double row_slope(const Item& a, double page_slope) {
  return a.width() >= 15 * a.x_height ? a.slope : page_slope;
}

// Whether `a` has a line on the same baseline in `b`: a form's label and value, a receipt's item
// and price.
bool has_row_partner(const Item& a, const std::vector<Item>& b, double page_slope) {
  for (const Item& o : b) {
    // Up to twice as tall: a value in capitals and digits is marked by its cap height, half as
    // tall again as a mixed-case label's x-height (a receipt photo's `Vendeur:  47492LYNDA`).
    const double xh = std::max(a.x_height, o.x_height);
    if (xh > 2.0 * std::min(a.x_height, o.x_height)) continue;
    // Compare at the partner's middle along a's own slope, so a tilted page still pairs.
    const double a_y = a.cy + row_slope(a, page_slope) * (o.cx - a.cx);
    if (std::abs(a_y - o.cy) < 0.6 * xh) return true;
  }
  return false;
}

// Prose, as in an article's column: three or more lines, most of them as wide as the column
// (all but the last lines of paragraphs), and the column over 20 x-heights wide (some 20
// characters; a form's labels and values vary in width and are rarely that long).
bool is_text_block(const std::vector<Item>& side) {
  if (side.size() < 3) return false;
  double x0 = 1e18, x1 = -1e18;
  for (const Item& it : side) x0 = std::min(x0, it.x0), x1 = std::max(x1, it.x1);
  if (x1 - x0 < 20 * median_x_height(side)) return false;
  size_t full = 0;
  for (const Item& it : side) full += it.width() >= 0.8 * (x1 - x0);
  return 3 * full >= 2 * side.size();
}

// Whether `side` is all of one group, none of whose lines are on `other`.
bool whole_group(const std::vector<Item>& side, const std::vector<Item>& other) {
  const int g = side.front().group;
  if (g < 0) return false;
  for (const Item& it : side)
    if (it.group != g) return false;
  for (const Item& it : other)
    if (it.group == g) return false;
  return true;
}

// A vertical gap separates columns when both sides hold several lines and they are not the
// cells of rows (most lines of the smaller side with a partner on their baseline across the gap),
// unless both sides are prose blocks whose rows merely align. A group (a dark sidebar's menu
// items) on its own side is a column whatever lines its rows align with (a page's body beside
// it, whose lines fall on the same rows).
bool is_column_split(const std::vector<Item>& left, const std::vector<Item>& right, double page_slope) {
  if (left.empty() || right.empty()) return false;
  if (whole_group(left, right) || whole_group(right, left)) return true;
  if (left.size() < 2 || right.size() < 2) return false;
  const std::vector<Item>& fewer = left.size() <= right.size() ? left : right;
  const std::vector<Item>& more = left.size() <= right.size() ? right : left;
  size_t paired = 0;
  for (const Item& it : fewer) paired += has_row_partner(it, more, page_slope);
  if (2 * paired < fewer.size()) return true;
  return is_text_block(left) && is_text_block(right);
}

// Rows top to bottom (a line joins a row when its centre lies on the row's first line continued
// along its row_slope), each row left to right.
std::vector<int> read_rows(std::vector<Item> items, double page_slope) {
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.cy < b.cy; });
  std::vector<std::vector<Item>> rows;
  for (const Item& it : items) {
    bool placed = false;
    for (auto row = rows.rbegin(); row != rows.rend() && !placed; ++row) {
      const Item anchor = row->front();  // a copy: push_back below may move the row
      const double xh = std::max(anchor.x_height, it.x_height);
      if (std::abs(anchor.cy + row_slope(anchor, page_slope) * (it.cx - anchor.cx) - it.cy) < 0.5 * xh) {
        row->push_back(it);
        placed = true;
      }
      // Rows far above cannot take it; stop looking once they are more than a line away.
      if (it.cy - anchor.cy > 3 * xh) break;
    }
    if (!placed) rows.push_back({it});
  }
  std::vector<int> order;
  for (std::vector<Item>& row : rows) {
    std::sort(row.begin(), row.end(), [](const Item& a, const Item& b) { return a.x0 < b.x0; });
    for (const Item& it : row) order.push_back(it.index);
  }
  return order;
}

struct Cut {
  std::vector<std::vector<int>> blocks;
  bool columns = false;  // whether a column split was made anywhere inside
};

Cut xy_cut(std::vector<Item> items, double page_slope) {
  if (items.size() <= 1) return {{read_rows(items, page_slope)}, false};
  const double xh = median_x_height(items);

  // Widest column gap first.
  auto gaps = projection_gaps(
      items, [](const Item& it) { return it.x0; }, [](const Item& it) { return it.x1; }, 0.8 * xh);
  std::sort(gaps.begin(), gaps.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [width, at] : gaps) {
    std::vector<Item> left(items.begin(), items.begin() + at), right(items.begin() + at, items.end());
    if (!is_column_split(left, right, page_slope)) continue;
    Cut l = xy_cut(std::move(left), page_slope), r = xy_cut(std::move(right), page_slope);
    l.blocks.insert(l.blocks.end(), r.blocks.begin(), r.blocks.end());
    return {std::move(l.blocks), true};
  }

  // Else the widest horizontal gap (the topmost of equals).
  gaps = projection_gaps(
      items, [](const Item& it) { return it.y0; }, [](const Item& it) { return it.y1; }, 0.0);
  if (gaps.empty()) return {{read_rows(items, page_slope)}, false};
  auto widest = gaps.begin();
  for (auto g = gaps.begin(); g != gaps.end(); ++g)
    if (g->first > widest->first) widest = g;
  std::vector<Item> top(items.begin(), items.begin() + widest->second), rest(items.begin() + widest->second, items.end());
  Cut t = xy_cut(std::move(top), page_slope), b = xy_cut(std::move(rest), page_slope);
  // No columns on either side: one block (a single column, a form, a table) read row by row.
  if (!t.columns && !b.columns) return {{read_rows(items, page_slope)}, false};
  t.blocks.insert(t.blocks.end(), b.blocks.begin(), b.blocks.end());
  return {std::move(t.blocks), true};
}

}  // namespace

std::vector<std::vector<int>> order_lines(const std::vector<DetectedLine>& lines, const std::vector<int>& groups) {
  if (lines.empty()) return {};
  if (!groups.empty() && groups.size() != lines.size())
    throw ShapeError("order_lines: one group per line expected");
  std::vector<Item> items;
  for (size_t i = 0; i < lines.size(); ++i) items.push_back(make_item(lines[i], int(i), groups.empty() ? -1 : groups[i]));
  const double page_slope = median_slope(items);
  return xy_cut(std::move(items), page_slope).blocks;
}

}  // namespace ocr
