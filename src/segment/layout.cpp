#include "ocr/segment/layout.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/image/components.h"
#include "ocr/preprocess/preprocess.h"

namespace ocr {

LayoutMode parse_layout(const std::string& s) {
  // Tesseract's --psm numbers where one of ours means the same: 4 (one column of varying sizes)
  // reads as a block, 8 (a word) and 13 (a raw line) as a line, 11 (sparse text) as a page,
  // whose layout already finds scattered text.
  if (s == "auto") return LayoutMode::Auto;
  if (s == "page" || s == "3" || s == "11") return LayoutMode::Page;
  if (s == "block" || s == "6" || s == "4") return LayoutMode::Block;
  if (s == "line" || s == "7" || s == "8" || s == "13") return LayoutMode::Line;
  throw FormatError("unknown layout '" + s +
                    "' (expected auto, page, block or line; or Tesseract's psm 3, 4, 6, 7, 8, 11, 13)");
}

const char* layout_name(LayoutMode m) {
  switch (m) {
    case LayoutMode::Auto: return "auto";
    case LayoutMode::Page: return "page";
    case LayoutMode::Block: return "block";
    case LayoutMode::Line: return "line";
  }
  return "?";
}

int PageLayout::line_count() const {
  int n = 0;
  for (const auto& b : blocks)
    for (const auto& p : b.paragraphs) n += static_cast<int>(p.lines.size());
  return n;
}

namespace {

enum class Kind { Text, Noise, Rule, Picture, Frame };

struct Component {
  cv::Rect r;
  int area = 0;
  Kind kind = Kind::Text;
  int cx() const { return r.x + r.width / 2; }
  int cy() const { return r.y + r.height / 2; }
};

struct Run {
  int a, b;  // [a, b)
  int len() const { return b - a; }
};

std::vector<Run> runs(const std::vector<int>& prof, bool nonzero) {
  std::vector<Run> out;
  int n = static_cast<int>(prof.size());
  for (int i = 0; i < n;) {
    if ((prof[i] != 0) != nonzero) { ++i; continue; }
    int j = i;
    while (j < n && (prof[j] != 0) == nonzero) ++j;
    out.push_back({i, j});
    i = j;
  }
  return out;
}

std::vector<int> profile(const cv::Mat& mask, const cv::Rect& r, bool rows) {
  cv::Mat p;
  cv::reduce(mask(r), p, rows ? 1 : 0, cv::REDUCE_SUM, CV_32S);
  std::vector<int> v(p.total());
  for (size_t i = 0; i < v.size(); ++i) v[i] = p.at<int>(static_cast<int>(i));
  return v;
}

class Analyzer {
 public:
  Analyzer(const cv::Mat& gray, const LayoutOptions& opt) : gray_(gray), opt_(opt) {}

  PageLayout run() {
    PageLayout out;
    ink_ = binarize_otsu(gray_);
    // A blank or nearly uniform page binarises to noise; treat very low contrast as empty.
    double mn, mx;
    cv::minMaxLoc(gray_, &mn, &mx);
    if (mx - mn < 24) ink_.setTo(0);
    // The text height comes from the clear ink alone: the faint ink added below also catches
    // paper texture and creases in photos, whose specks would pose as the typical glyph.
    // Statistics only, labelled in bands: a page-sized label image here would be held while
    // add_faint_ink labels its own (2 × 144 MB on a 36-megapixel page).
    cv::Mat stats = component_stats(ink_), centroids;
    const double clear_height = median_glyph_height(stats);
    if (mx - mn >= 24 && opt_.mode != LayoutMode::Line) add_faint_ink(clear_height);
    const int n = cv::connectedComponentsWithStats(ink_, labels_, stats, centroids, 8, CV_32S);
    comps_.resize(n);
    for (int i = 1; i < n; ++i) {
      auto& c = comps_[i];
      c.r = {stats.at<int>(i, 0), stats.at<int>(i, 1), stats.at<int>(i, 2), stats.at<int>(i, 3)};
      c.area = stats.at<int>(i, cv::CC_STAT_AREA);
    }
    const double all_height = clear_height > 0 ? clear_height : median_glyph_height(stats);
    if (all_height > 0) {
      ch_ = all_height;
    } else {
      ch_ = std::max(8.0, std::min(gray_.rows, 40) * 0.5);
    }
    out.text_height = ch_;
    if (opt_.mode == LayoutMode::Line) {
      // A line image is read whole: only specks are left out of its box, so the rule, picture
      // and barcode searches of a page are not needed.
      classify_noise();
      owner_.assign(n, -1);
      make_single_line(out);
      out.mode = LayoutMode::Line;
      out.labels = labels_;
      out.label_owner = owner_;
      return out;
    }
    classify(out);

    owner_.assign(n, -1);
    for (int i = 1; i < n; ++i)
      if (comps_[i].kind == Kind::Rule || comps_[i].kind == Kind::Picture ||
          comps_[i].kind == Kind::Frame)
        owner_[i] = -2;

    boxmask_ = cv::Mat::zeros(gray_.size(), CV_8UC1);
    for (int i = 1; i < n; ++i)
      if (comps_[i].kind == Kind::Text) cv::rectangle(boxmask_, comps_[i].r, 1, cv::FILLED);

    LayoutMode mode = opt_.mode;
    cv::Rect all(0, 0, gray_.cols, gray_.rows);
    std::vector<cv::Rect> leaves;
    if (mode == LayoutMode::Auto && looks_like_one_line(all)) mode = LayoutMode::Line;
    if (mode == LayoutMode::Line) {
      make_single_line(out);
    } else if (mode == LayoutMode::Block) {
      cv::Rect t = trim(all);
      if (!t.empty()) leaves.push_back(t);
    } else if (opt_.panels.empty()) {
      xycut(all, 0, leaves);
    } else {
      // A panel (a sidebar, a header bar) is cut as one solid block first, so no column or row
      // of the page runs through it, then cut inside on its own.
      const cv::Mat text_mask = boxmask_.clone();
      for (const cv::Rect& p : opt_.panels) cv::rectangle(boxmask_, p & all, 1, cv::FILLED);
      std::vector<cv::Rect> coarse;
      xycut(all, 0, coarse);
      boxmask_ = text_mask;
      for (const cv::Rect& leaf : coarse) {
        bool in_panel = false;
        for (const cv::Rect& p : opt_.panels) in_panel = in_panel || (leaf & p).area() > 0;
        if (in_panel) xycut(leaf, 0, leaves);
        else leaves.push_back(leaf);
      }
    }
    if (mode != LayoutMode::Line) {
      for (const auto& leaf : leaves) add_block(leaf, out);
      if (mode == LayoutMode::Auto) {
        // A single text line filling most of the image is a line image: read it whole.
        if (out.line_count() <= 1) {
          bool line_like = out.line_count() == 0 ||
                           gray_.rows < 3.5 * out.blocks[0].paragraphs[0].lines[0].box.height;
          if (line_like && out.line_count() == 1) {
            out.blocks.clear();
            std::fill(owner_.begin(), owner_.end(), -1);
            make_single_line(out);
            mode = LayoutMode::Line;
          }
        }
        if (mode == LayoutMode::Auto) mode = LayoutMode::Page;
      }
    }
    out.mode = mode;
    out.labels = labels_;
    out.label_owner = owner_;
    return out;
  }

 private:
  // Median height of the glyph-shaped components in CC stats (0 if there are none).
  double median_glyph_height(const cv::Mat& stats) const {
    std::vector<int> hs;
    for (int i = 1; i < stats.rows; ++i) {
      const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
      if (h >= 4 && w <= 4 * h && w * 8 >= h && stats.at<int>(i, cv::CC_STAT_AREA) >= 6 && h <= max_glyph_height(gray_.rows))
        hs.push_back(h);
    }
    if (hs.empty()) return 0;
    std::nth_element(hs.begin(), hs.begin() + hs.size() / 2, hs.end());
    return hs[hs.size() / 2];
  }

  // Faint print (fading thermal text, a light copy) can fall on the paper side of the page's Otsu
  // split and drop out of the layout, or leave only its darkest specks. Pixels clearly darker than
  // the paper around them join the ink: the paper level is a max filter wider than any stroke,
  // smoothed; "clearly" is a quarter of the page's ink contrast, at least 32 grey levels.
  void add_faint_ink(double glyph_height) {
    const cv::Scalar ink_mean = cv::mean(gray_, ink_), paper_mean = cv::mean(gray_, ~ink_);
    const double min_contrast = std::max(32.0, 0.25 * (paper_mean[0] - ink_mean[0]));
    const int k = std::max(15, std::min(gray_.rows, gray_.cols) / 40) | 1;
    cv::Mat paper, contrast;
    cv::dilate(gray_, paper, cv::getStructuringElement(cv::MORPH_RECT, {k, k}));
    cv::blur(paper, paper, {k, k});
    cv::subtract(paper, gray_, contrast);  // saturates at 0 where the pixel is lighter
    cv::Mat faint = (contrast > min_contrast) & ~ink_;
    if (glyph_height > 0) {
      // Faint print comes as glyphs and words; a faint piece taller than a few glyphs is shading,
      // a fold or the paper's edge in a photo, which would join the text into one "picture".
      cv::Mat labels, stats, centroids;
      const int n = cv::connectedComponentsWithStats(faint, labels, stats, centroids, 8, CV_32S);
      std::vector<uint8_t> keep(static_cast<size_t>(n), 1);
      keep[0] = 0;
      for (int i = 1; i < n; ++i)
        if (stats.at<int>(i, cv::CC_STAT_HEIGHT) > 2.5 * glyph_height || stats.at<int>(i, cv::CC_STAT_WIDTH) > 40 * glyph_height)
          keep[static_cast<size_t>(i)] = 0;
      for (int y = 0; y < faint.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        uint8_t* f = faint.ptr<uint8_t>(y);
        for (int x = 0; x < faint.cols; ++x) f[x] = keep[static_cast<size_t>(l[x])] ? 255 : 0;
      }
    }
    ink_ |= faint;
  }

  double noise_area() const { return std::max(2.0, 0.012 * ch_ * ch_); }

  void classify_noise() {
    for (size_t i = 1; i < comps_.size(); ++i)
      if (comps_[i].area < noise_area()) comps_[i].kind = Kind::Noise;
  }

  void classify(PageLayout& out) {
    double noise_area = this->noise_area();
    for (size_t i = 1; i < comps_.size(); ++i) {
      auto& c = comps_[i];
      int w = c.r.width, h = c.r.height;
      double density = c.area / static_cast<double>(w) / h;
      if (c.area < noise_area) {
        c.kind = Kind::Noise;
      } else if ((w >= 6 * ch_ && h <= 0.5 * ch_) || (w >= 4 * ch_ && w >= 15 * h)) {
        c.kind = Kind::Rule;
        out.rules.push_back(c.r);
      } else if ((h >= 4 * ch_ && w <= 0.45 * ch_) || (h >= 3 * ch_ && h >= 15 * w)) {
        c.kind = Kind::Rule;
        out.rules.push_back(c.r);
      } else if (touches_border(c.r) && (h >= 3 * w || w >= 3 * h)) {
        // Slivers along the image edge: the shadow of the page edge, the scanner bed.
        c.kind = Kind::Rule;
        out.rules.push_back(c.r);
      } else if ((w > 5 * ch_ && h > 3 * ch_) || h > 6 * ch_) {
        // Big components: an outline (frame, table border) lets the text inside through; a
        // dense one is a picture and hides everything inside it.
        if (density < 0.12) {
          c.kind = Kind::Frame;
          out.rules.push_back(c.r);
        } else {
          c.kind = Kind::Picture;
          out.pictures.push_back(c.r);
        }
      }
    }
    find_blobs(out);
    find_barcodes(out);
    find_dashed_rules(out);
    // A picture hides what lies in it: the components inside its box that its own pixels
    // surround. Not all of its box: the ragged background around a photographed receipt is one
    // big component whose box holds the whole receipt.
    if (out.pictures.empty()) return;
    cv::Mat picture_px(gray_.size(), CV_8UC1, cv::Scalar(0));
    for (int y = 0; y < labels_.rows; ++y) {
      const int* l = labels_.ptr<int>(y);
      uint8_t* p = picture_px.ptr<uint8_t>(y);
      for (int x = 0; x < labels_.cols; ++x) p[x] = l[x] > 0 && comps_[static_cast<size_t>(l[x])].kind == Kind::Picture;
    }
    cv::Mat sums;
    cv::integral(picture_px, sums, CV_32S);
    const cv::Rect all(0, 0, gray_.cols, gray_.rows);
    const int reach = static_cast<int>(std::ceil(ch_));
    for (size_t i = 1; i < comps_.size(); ++i) {
      auto& c = comps_[i];
      if (c.kind != Kind::Text && c.kind != Kind::Noise) continue;
      bool inside = false;
      for (const auto& p : out.pictures) inside = inside || p.contains({c.cx(), c.cy()});
      if (!inside) continue;
      const cv::Rect w = cv::Rect(c.r.x - reach, c.r.y - reach, c.r.width + 2 * reach, c.r.height + 2 * reach) & all;
      const double covered = sums.at<int>(w.y + w.height, w.x + w.width) - sums.at<int>(w.y, w.x + w.width) -
                             sums.at<int>(w.y + w.height, w.x) + sums.at<int>(w.y, w.x);
      if (covered >= 0.2 * w.area()) c.kind = Kind::Picture;
    }
  }

  bool touches_border(const cv::Rect& r) const {
    return r.x == 0 || r.y == 0 || r.x + r.width == gray_.cols || r.y + r.height == gray_.rows;
  }

  // A solid, compact blob several lines high (a punched hole, a stamp, a filled mark) that has
  // no letters of its size beside it: big bold letters come in words (touching, they make an
  // elongated component), blobs alone.
  void find_blobs(PageLayout& out) {
    for (size_t i = 1; i < comps_.size(); ++i) {
      auto& c = comps_[i];
      int lo = std::min(c.r.width, c.r.height), hi = std::max(c.r.width, c.r.height);
      if (c.kind != Kind::Text || lo < 2 * ch_ || hi > 1.3 * lo || c.area < 0.7 * c.r.area())
        continue;
      bool word = false;
      for (size_t j = 1; j < comps_.size() && !word; ++j) {
        const auto& o = comps_[j];
        if (j == i || (o.kind != Kind::Text && o.kind != Kind::Picture) ||
            o.r.height < 0.6 * c.r.height)
          continue;
        int gap = std::max(o.r.x - (c.r.x + c.r.width), c.r.x - (o.r.x + o.r.width));
        int overlap = std::min(o.r.y + o.r.height, c.r.y + c.r.height) - std::max(o.r.y, c.r.y);
        word = gap <= c.r.height && overlap >= 0.5 * c.r.height;
      }
      if (word) continue;
      c.kind = Kind::Picture;
      out.pictures.push_back(c.r);
    }
  }

  // A barcode: a row of bars much taller than the text, each solid from top to bottom. Thin
  // bars pass for vertical rules and thick or touching ones for letters, so they are found as a
  // group: tall components side by side whose ink columns run the whole height, with many
  // bar/space alternations across. The group becomes a picture.
  void find_barcodes(PageLayout& out) {
    std::vector<int> tall;
    for (size_t i = 1; i < comps_.size(); ++i) {
      const auto& c = comps_[i];
      if ((c.kind == Kind::Text || c.kind == Kind::Rule) && c.r.height >= 2 * ch_ &&
          c.r.width <= 2 * c.r.height)
        tall.push_back(static_cast<int>(i));
    }
    if (tall.size() < 2) return;
    std::sort(tall.begin(), tall.end(), [&](int a, int b) { return comps_[a].r.x < comps_[b].r.x; });
    // Chains of neighbours: overlapping rows, gaps no wider than a character.
    std::vector<int> parent(tall.size());
    std::iota(parent.begin(), parent.end(), 0);
    std::function<int(int)> find = [&](int a) { return parent[a] == a ? a : parent[a] = find(parent[a]); };
    for (size_t a = 0; a < tall.size(); ++a) {
      const cv::Rect& ra = comps_[tall[a]].r;
      for (size_t b = a + 1; b < tall.size(); ++b) {
        const cv::Rect& rb = comps_[tall[b]].r;
        if (rb.x > ra.x + ra.width + ch_) break;
        int overlap = std::min(ra.y + ra.height, rb.y + rb.height) - std::max(ra.y, rb.y);
        if (overlap >= 0.7 * std::min(ra.height, rb.height))
          parent[find(static_cast<int>(a))] = find(static_cast<int>(b));
      }
    }
    std::vector<std::vector<int>> groups(tall.size());
    for (size_t a = 0; a < tall.size(); ++a) groups[find(static_cast<int>(a))].push_back(tall[a]);
    struct Group { cv::Rect box; std::vector<int> ids; int bars = 0; bool solid = false, code = false; };
    std::vector<Group> found;
    for (auto& g : groups) {
      if (g.empty()) continue;
      Group G;
      G.box = comps_[g[0]].r;
      for (int i : g) G.box |= comps_[i].r;
      G.ids = std::move(g);
      std::vector<uint8_t> member(comps_.size(), 0);
      for (int i : G.ids) member[i] = 1;
      // Per column: rows of member ink. Bars fill (nearly) the whole height; letters do not.
      const cv::Rect& box = G.box;
      std::vector<int> col(box.width, 0);
      for (int y = box.y; y < box.y + box.height; ++y) {
        const int* lp = labels_.ptr<int>(y);
        for (int x = 0; x < box.width; ++x)
          if (member[lp[box.x + x]]) ++col[x];
      }
      int inked = 0, full = 0;
      for (int x = 0; x < box.width; ++x) {
        if (col[x] == 0) continue;
        ++inked;
        bool is_full = col[x] >= 0.8 * box.height;
        if (is_full) ++full;
        if (is_full && (x == 0 || col[x - 1] < 0.8 * box.height)) ++G.bars;
      }
      G.solid = full >= 0.75 * inked;
      G.code = G.solid && G.bars >= 12;
      found.push_back(std::move(G));
    }
    // A wider quiet gap can split a code into parts: solid bar groups beside a code, on the
    // same rows, belong to it.
    for (bool grew = true; grew;) {
      grew = false;
      for (auto& a : found) {
        if (a.code || !a.solid || a.bars < 2) continue;
        for (const auto& b : found) {
          if (!b.code) continue;
          int gap = std::max(a.box.x - (b.box.x + b.box.width), b.box.x - (a.box.x + a.box.width));
          int overlap = std::min(a.box.y + a.box.height, b.box.y + b.box.height) - std::max(a.box.y, b.box.y);
          if (gap <= 3 * ch_ && overlap >= 0.7 * std::min(a.box.height, b.box.height)) {
            a.code = grew = true;
            break;
          }
        }
      }
    }
    for (const auto& G : found) {
      if (!G.code) continue;
      for (int i : G.ids) comps_[i].kind = Kind::Picture;
      const cv::Rect box = G.box;
      out.pictures.push_back(box);
      out.rules.erase(std::remove_if(out.rules.begin(), out.rules.end(),
                                     [&](const cv::Rect& r) { return (r & box) == r; }),
                      out.rules.end());
    }
  }

  // Dashed and dotted rules: a row of flat marks (dashes, dots, the broken pieces of a thin
  // printed rule) that stands alone in its row. Marks touching a letter (the dot of an i) do not
  // count, and a row with letters in it (dot leaders, "- - -" in a sentence) stays text: if it
  // is a separator after all, the line filter of the page recognizer drops its reading.
  void find_dashed_rules(PageLayout& out) {
    const double flat = 0.4 * ch_;
    // A dash is at least 1.5 times as wide as high, a dot tiny; small print (digits under a
    // barcode) is taller than wide.
    auto is_mark = [&](const Component& c) {
      bool shape = c.r.width >= 1.5 * c.r.height ||
                   std::max(c.r.width, c.r.height) <= std::max(2.0, 0.25 * ch_);
      return (c.kind == Kind::Text || c.kind == Kind::Noise ||
              (c.kind == Kind::Rule && c.r.width > c.r.height)) &&
             c.r.height <= std::max(2.0, flat) && shape;
    };
    std::vector<int> marks, letters;
    for (size_t i = 1; i < comps_.size(); ++i) {
      if (is_mark(comps_[i])) marks.push_back(static_cast<int>(i));
      else if (comps_[i].kind == Kind::Text && comps_[i].r.height >= 0.5 * ch_) letters.push_back(static_cast<int>(i));
    }
    if (marks.size() < 4) return;
    // Letters by x for the neighbourhood queries below.
    std::sort(letters.begin(), letters.end(), [&](int a, int b) { return comps_[a].r.x < comps_[b].r.x; });
    int widest = 0;
    for (int i : letters) widest = std::max(widest, comps_[i].r.width);
    auto letters_in = [&](const cv::Rect& q, auto&& pred) {
      auto it = std::lower_bound(letters.begin(), letters.end(), q.x - widest,
                                 [&](int a, int x) { return comps_[a].r.x < x; });
      for (; it != letters.end() && comps_[*it].r.x < q.x + q.width; ++it)
        if ((comps_[*it].r & q).area() > 0 && pred(comps_[*it])) return true;
      return false;
    };
    // Drop marks that belong to a letter: a letter right above or below, covering the mark.
    std::vector<int> free_marks;
    for (int i : marks) {
      const auto& m = comps_[i];
      int reach = static_cast<int>(std::ceil(0.4 * ch_));
      cv::Rect q(m.r.x, m.r.y - reach, m.r.width, m.r.height + 2 * reach);
      bool attached = letters_in(q, [&](const Component& l) {
        return l.r.x <= m.cx() && m.cx() < l.r.x + l.r.width;
      });
      if (!attached) free_marks.push_back(i);
    }
    std::sort(free_marks.begin(), free_marks.end(), [&](int a, int b) { return comps_[a].r.x < comps_[b].r.x; });
    // Chains left to right: same row (centres within a quarter of the text height), gaps
    // shorter than 1.5 text heights.
    struct Chain { std::vector<int> ids; cv::Rect box; int last_x1; double cy; };
    std::vector<Chain> chains;
    std::vector<size_t> open;
    for (int i : free_marks) {
      const auto& m = comps_[i];
      size_t best = SIZE_MAX;
      double best_d = 0.25 * ch_ + 0.5;
      for (size_t k : open) {
        const Chain& c = chains[k];
        int gap = m.r.x - c.last_x1;
        double d = std::abs(m.r.y + m.r.height / 2.0 - c.cy);
        if (gap <= 1.5 * ch_ && d <= best_d) { best = k; best_d = d; }
      }
      if (best == SIZE_MAX) {
        chains.push_back({{i}, m.r, m.r.x + m.r.width, m.r.y + m.r.height / 2.0});
        open.push_back(chains.size() - 1);
      } else {
        Chain& c = chains[best];
        c.ids.push_back(i);
        c.box |= m.r;
        c.last_x1 = std::max(c.last_x1, m.r.x + m.r.width);
      }
      // Close chains the sweep has left behind.
      open.erase(std::remove_if(open.begin(), open.end(),
                                [&](size_t k) { return chains[k].last_x1 + 1.5 * ch_ < m.r.x; }),
                 open.end());
    }
    for (const auto& c : chains) {
      if (c.ids.size() < 4 || c.box.width < 4 * ch_) continue;
      // Alone in its row: no letter anywhere across the page overlapping the row's band.
      int band = static_cast<int>(std::ceil(0.4 * ch_));
      int cy = static_cast<int>(std::lround(c.cy));
      cv::Rect row(0, cy - band, gray_.cols, 2 * band + 1);
      if (letters_in(row, [](const Component&) { return true; })) continue;
      for (int i : c.ids)
        if (comps_[i].kind != Kind::Rule) comps_[i].kind = Kind::Rule;
      out.rules.push_back(c.box);
    }
  }

  // A line image: one band of text rows, no taller than a line, much wider than high. Checked
  // before the X-Y cut, which would take the word gaps of a lone line for column gaps.
  bool looks_like_one_line(const cv::Rect& all) const {
    cv::Rect t = trim(all);
    if (t.empty()) return false;
    auto bands = runs(profile(boxmask_, t, true), true);
    return bands.size() == 1 && t.height <= 2.6 * ch_ && t.width >= 3 * t.height;
  }

  cv::Rect trim(const cv::Rect& r) const {
    if (r.empty()) return {};
    auto rows = profile(boxmask_, r, true);
    auto cols = profile(boxmask_, r, false);
    int y0 = 0, y1 = static_cast<int>(rows.size()), x0 = 0, x1 = static_cast<int>(cols.size());
    while (y0 < y1 && rows[y0] == 0) ++y0;
    while (y1 > y0 && rows[y1 - 1] == 0) --y1;
    while (x0 < x1 && cols[x0] == 0) ++x0;
    while (x1 > x0 && cols[x1 - 1] == 0) --x1;
    if (y0 >= y1 || x0 >= x1) return {};
    return {r.x + x0, r.y + y0, x1 - x0, y1 - y0};
  }

  bool has_column_gap(const cv::Rect& region) const {
    cv::Rect r = trim(region);
    if (r.empty() || r.height < 2.5 * ch_) return false;  // a single line's word gaps are not columns
    auto cols = profile(boxmask_, r, false);
    for (const auto& g : runs(cols, false))
      if (g.len() >= 1.8 * ch_) return true;
    return false;
  }

  // Whether the pieces between the column gaps `cut` of region r are the cells of a table or
  // form (a label and its value, a receipt's price columns) rather than columns of text: they
  // share rows (every text row of a piece lies in one row of the region, and no region row holds
  // two of a piece's rows) and in at least one piece the lines are short (median under 8 text
  // heights, some 10 characters, or at most two words) or half of them hold column-wide gaps,
  // as in no column of running text.
  // Such a region is read row by row, each row a line across the gaps.
  bool is_table(const cv::Rect& r, const std::vector<Run>& cut) const {
    std::vector<Run> rows = runs(profile(boxmask_, r, true), true);
    std::vector<cv::Rect> pieces;
    int start = 0;
    for (const auto& g : cut) {
      pieces.push_back({r.x + start, r.y, g.a - start, r.height});
      start = g.b;
    }
    pieces.push_back({r.x + start, r.y, r.width - start, r.height});
    bool cells = false;  // a piece whose lines are short: a word or two, a few characters
    int shared = 0;      // region rows holding text of two or more pieces
    std::vector<int> pieces_in_row(rows.size(), 0);
    auto median = [](std::vector<int> v) {
      std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
      return v[v.size() / 2];
    };
    for (const auto& p : pieces) {
      std::vector<int> seen(rows.size(), 0);
      std::vector<int> widths, words;
      int split_lines = 0;
      for (const auto& b : runs(profile(boxmask_, p, true), true)) {
        if (b.len() < 0.5 * ch_) continue;  // dots, accents, specks
        cv::Rect line = trim({p.x, p.y + b.a, p.width, b.len()});
        widths.push_back(line.width);
        // Words: gaps between ink runs wider than 0.3 text heights; when the runs are single
        // letters (narrower than the text height, at least five of them), wider than twice
        // the usual letter gap too, up to 0.8 (wide-set monospaced print has letter gaps of
        // a third of the text height and word gaps of more than one). Runs that are whole
        // words (blurred print) leave only word gaps.
        auto ink = runs(profile(boxmask_, line, false), true);
        std::vector<int> gaps, run_widths;
        for (size_t k = 0; k < ink.size(); ++k) {
          run_widths.push_back(ink[k].len());
          if (k > 0) gaps.push_back(ink[k].a - ink[k - 1].b);
        }
        double word_gap = 0.3 * ch_;
        if (gaps.size() >= 4 && median(run_widths) <= ch_)
          word_gap = std::clamp(2.0 * median(gaps), 0.3 * ch_, 0.8 * ch_);
        int n = 1;
        for (int g : gaps) n += g > word_gap;
        words.push_back(n);
        // A gap as wide as a column gap inside a line: cells of a table row.
        for (int g : gaps)
          if (g >= 1.8 * ch_) { ++split_lines; break; }
        // The region row containing this band (region rows are unions of the pieces' bands).
        auto it = std::upper_bound(rows.begin(), rows.end(), b.a,
                                   [](int y, const Run& q) { return y < q.b; });
        if (it == rows.end()) continue;
        size_t k = static_cast<size_t>(it - rows.begin());
        if (++seen[k] > 1) return false;  // two lines of one piece beside one of another
        if (++pieces_in_row[k] == 2) ++shared;
      }
      if (widths.empty()) continue;
      cells = cells || median(widths) < 8 * ch_ || median(words) <= 2 ||
              2 * split_lines >= static_cast<int>(widths.size());
    }
    return shared > 0 && cells;
  }

  // Recursive X-Y cut: columns first (a gap through the whole region), else the topmost
  // paragraph-sized horizontal gap; what cannot be cut is a block.
  void xycut(const cv::Rect& region, int depth, std::vector<cv::Rect>& leaves) const {
    cv::Rect r = trim(region);
    if (r.empty()) return;
    if (depth > 400) { leaves.push_back(r); return; }
    // A printed or drawn separator across the region (under a menu bar, between a header and
    // its table, between sections) divides it before any gap does: a column gap found first
    // could run through the word gaps of the line above the separator.
    for (const auto& c : comps_) {
      if (c.kind != Kind::Rule || c.r.height * 8 > c.r.width || (c.r & r).width < 0.8 * r.width) continue;
      if (c.r.y <= r.y || c.r.br().y >= r.br().y) continue;
      const cv::Rect above{r.x, r.y, r.width, c.r.y - r.y}, below{r.x, c.r.br().y, r.width, r.br().y - c.r.br().y};
      if (trim(above).empty() || trim(below).empty()) continue;
      xycut(above, depth + 1, leaves);
      xycut(below, depth + 1, leaves);
      return;
    }
    auto cols = profile(boxmask_, r, false);
    double col_gap = 1.8 * ch_;
    std::vector<Run> cut;
    for (const auto& g : runs(cols, false))
      if (g.len() >= col_gap) cut.push_back(g);
    if (!cut.empty() && !is_table(r, cut)) {
      int start = 0;
      for (const auto& g : cut) {
        xycut({r.x + start, r.y, g.a - start, r.height}, depth + 1, leaves);
        start = g.b;
      }
      xycut({r.x + start, r.y, r.width - start, r.height}, depth + 1, leaves);
      return;
    }
    auto rows = profile(boxmask_, r, true);
    auto gaps = runs(rows, false);
    if (!gaps.empty()) {
      std::vector<int> lens;
      for (const auto& g : gaps) lens.push_back(g.len());
      std::sort(lens.begin(), lens.end());
      double lower_median = lens[(lens.size() - 1) / 2];
      double thr = gaps.size() == 1 ? 1.5 * ch_ : std::max(0.8 * ch_, 1.6 * lower_median + 1);
      for (const auto& g : gaps) {
        if (g.len() >= thr) {
          xycut({r.x, r.y, r.width, g.a}, depth + 1, leaves);
          xycut({r.x, r.y + g.b, r.width, r.height - g.b}, depth + 1, leaves);
          return;
        }
      }
      // No paragraph-sized gap, but a title or footer line may be all that joins two columns:
      // cut at the first line gap that leaves a column gap on one side.
      for (const auto& g : gaps) {
        cv::Rect above{r.x, r.y, r.width, g.a}, below{r.x, r.y + g.b, r.width, r.height - g.b};
        if (has_column_gap(below) || has_column_gap(above)) {
          xycut(above, depth + 1, leaves);
          xycut(below, depth + 1, leaves);
          return;
        }
      }
    }
    leaves.push_back(r);
  }

  // Splits a block into line bands by its row profile and builds the lines.
  void add_block(const cv::Rect& leaf, PageLayout& out) {
    auto rows = profile(boxmask_, leaf, true);
    auto bands = runs(rows, true);
    // Dots, accents and stray marks make thin bands of their own: merge them into the nearest
    // band if it is close.
    for (bool changed = true; changed && bands.size() > 1;) {
      changed = false;
      for (size_t i = 0; i < bands.size(); ++i) {
        if (bands[i].len() >= 0.5 * ch_) continue;
        int up = i > 0 ? bands[i].a - bands[i - 1].b : INT32_MAX;
        int down = i + 1 < bands.size() ? bands[i + 1].a - bands[i].b : INT32_MAX;
        int gap = std::min(up, down);
        if (gap > 0.6 * ch_) continue;
        if (up <= down) {
          bands[i - 1].b = bands[i].b;
        } else {
          bands[i + 1].a = bands[i].a;
        }
        bands.erase(bands.begin() + static_cast<long>(i));
        changed = true;
        break;
      }
    }
    // Touching lines form one tall band: split it at the ink profile's minima.
    std::vector<int> hs;
    for (const auto& b : bands)
      if (b.len() >= 0.5 * ch_) hs.push_back(b.len());
    double line_h = 2.0 * ch_;
    if (!hs.empty()) {
      std::sort(hs.begin(), hs.end());
      double med = hs[(hs.size() - 1) / 2];
      if (med < 2.6 * ch_) line_h = std::max(med, 1.2 * ch_);
    }
    std::vector<Run> lines;
    std::vector<int> ink_rows;
    for (const auto& b : bands) {
      int n = static_cast<int>(std::lround(b.len() / line_h));
      if (n < 2 || b.len() < 2.2 * ch_) { lines.push_back(b); continue; }
      if (ink_rows.empty()) ink_rows = profile(ink_, leaf, true);
      int start = b.a;
      for (int k = 1; k < n; ++k) {
        int centre = b.a + static_cast<int>(std::lround(k * b.len() / double(n)));
        int w = static_cast<int>(0.3 * line_h);
        int best = centre;
        for (int y = std::max(start + 1, centre - w); y <= std::min(b.b - 1, centre + w); ++y)
          if (ink_rows[y] < ink_rows[best]) best = y;
        lines.push_back({start, best});
        start = best;
      }
      lines.push_back({start, b.b});
    }

    // Components of this block, by centre.
    std::vector<int> members;
    for (size_t i = 1; i < comps_.size(); ++i)
      if (comps_[i].kind == Kind::Text && leaf.contains({comps_[i].cx(), comps_[i].cy()}))
        members.push_back(static_cast<int>(i));

    TextParagraphRegion par;
    int first_line = out.line_count();
    for (const auto& l : lines) {
      int y0 = leaf.y + l.a, y1 = leaf.y + l.b;
      cv::Rect box;
      std::vector<int> bottoms;
      std::vector<int> own;
      for (int i : members) {
        const auto& c = comps_[i];
        if (c.cy() < y0 || c.cy() >= y1) continue;
        box = box.empty() ? c.r : (box | c.r);
        own.push_back(i);
        if (c.r.height >= 0.5 * ch_) bottoms.push_back(c.r.y + c.r.height);
      }
      if (box.empty()) continue;
      // Nothing of a character's height: specks, a stray dot or dash. Not a line; keep its marks
      // out of the neighbours' crops too.
      if (bottoms.empty()) {
        for (int i : own) owner_[i] = -2;
        continue;
      }
      // A component that reaches into the next line must not stretch this one.
      int lo = std::max(box.y, y0 - static_cast<int>(0.3 * ch_));
      int hi = std::min(box.y + box.height, y1 + static_cast<int>(0.3 * ch_));
      box.y = lo;
      box.height = std::max(1, hi - lo);
      TextLineRegion line;
      line.box = box;
      int idx = first_line + static_cast<int>(par.lines.size());
      for (int i : own) owner_[i] = idx;
      if (!bottoms.empty()) {
        std::nth_element(bottoms.begin(), bottoms.begin() + bottoms.size() / 2, bottoms.end());
        line.baseline = bottoms[bottoms.size() / 2];
      } else {
        line.baseline = box.y + box.height;
      }
      line.crop = with_margin(box);
      par.lines.push_back(line);
    }
    if (par.lines.empty()) return;
    par.box = par.lines[0].box;
    for (const auto& l : par.lines) par.box |= l.box;
    TextBlockRegion block;
    block.box = par.box;
    block.paragraphs.push_back(std::move(par));
    out.blocks.push_back(std::move(block));
  }

  cv::Rect with_margin(const cv::Rect& box) const {
    int m = std::max(2, static_cast<int>(std::lround(opt_.margin * ch_)));
    cv::Rect c(box.x - m, box.y - m, box.width + 2 * m, box.height + 2 * m);
    return c & cv::Rect(0, 0, gray_.cols, gray_.rows);
  }

  // The whole image is one line; the box is the ink (not noise) if there is any.
  // The main text line of a line image: loose crops (another detector's boxes, form fields, a
  // PAGE outline) catch slices of the lines above and below, cut glyph parts that the network
  // would read as garbage, and they shrink the line when it is scaled to the network's height.
  // The x-height core is the run of rows around the ink profile's strongest peak (a slice holds at
  // most part of its own core, at the image edge, so centred and complete runs are preferred);
  // the components crossing the core are the line, and what lies just beyond them (i-dots,
  // accents, an underline) stays. Everything else is marked for painting (owner -2), and the crop
  // keeps the line's rows plus a margin, so the line's scale no longer depends on the crop.
  // Returns false, changing nothing, when no core stands out.
  bool isolate_main_line(std::vector<bool>& keep, cv::Rect& rows) {
    const int H = gray_.rows, W = gray_.cols;
    keep.assign(comps_.size(), false);
    rows = cv::Rect(0, 0, W, H);
    if (H < 8) return false;
    // Long thin rules (underlines, box edges) carry no text: they neither set nor split the core.
    auto is_rule = [&](const Component& c) {
      return (c.r.width >= 4 * c.r.height && c.r.width >= 3 * ch_) || (c.r.height >= 2.5 * ch_ && c.r.height >= 6 * c.r.width);
    };
    // The profile counts glyphs, not ink: each component of glyph height adds one to every row it
    // spans, so a row of dashes or a dark rule does not outweigh faint letters, and marks shorter
    // than a third of the text height (dashes, dots, commas) do not count.
    std::vector<double> prof(static_cast<size_t>(H), 0.0);
    for (size_t i = 1; i < comps_.size(); ++i) {
      const Component& c = comps_[i];
      if (c.kind == Kind::Noise || is_rule(c) || c.r.height < std::max(3.0, ch_ / 3)) continue;
      for (int y = c.r.y; y < c.r.y + c.r.height; ++y) prof[static_cast<size_t>(y)] += 1;
    }
    const double peak = *std::max_element(prof.begin(), prof.end());
    if (peak <= 0) return false;
    // Candidate cores: runs of rows with at least a third of the peak's ink.
    struct Core { int a, b; double score; };
    std::vector<Core> cores;
    for (int y = 0; y < H;) {
      if (prof[static_cast<size_t>(y)] < peak / 3) { ++y; continue; }
      int e = y;
      double mass = 0;
      while (e < H && prof[static_cast<size_t>(e)] >= peak / 3) mass += prof[static_cast<size_t>(e++)];
      const double centre = (y + e) / 2.0, off = std::abs(centre - H / 2.0) / (H / 2.0);
      const bool at_edge = y == 0 || e == H;
      cores.push_back({y, e, mass * (1.0 - 0.5 * off * off) * (at_edge ? 0.5 : 1.0)});
      y = e;
    }
    const Core best = *std::max_element(cores.begin(), cores.end(), [](const Core& a, const Core& b) { return a.score < b.score; });
    // Thin cores (a row of dashes, a rule's remains) say nothing about the line.
    const int core_h = best.b - best.a;
    if (core_h < 3) return false;
    // Cores closer than a core height to the best belong to the same line (a gap in the ink
    // profile between the x-height of small print and its capitals, a subscript).
    int a = best.a, b = best.b;
    for (const Core& c : cores) {
      if (c.b <= a && a - c.b < 0.5 * core_h) a = std::min(a, c.a);
      if (c.a >= b && c.a - b < 0.5 * core_h) b = std::max(b, c.b);
    }
    int top = H, bottom = 0;
    for (size_t i = 1; i < comps_.size(); ++i) {
      const Component& c = comps_[i];
      if (c.kind == Kind::Noise || is_rule(c)) continue;
      if (c.r.y < b && c.r.y + c.r.height > a && c.r.height <= 3 * (b - a) + 4) {
        keep[i] = true;
        top = std::min(top, c.r.y);
        bottom = std::max(bottom, c.r.y + c.r.height);
      }
    }
    if (bottom <= top) return false;
    // The main line holds most of the ink; if not, what was found is no line (a page read as a
    // line, a picture): read the image whole.
    double kept_area = 0, all_area = 0;
    for (size_t i = 1; i < comps_.size(); ++i) {
      if (comps_[i].kind == Kind::Noise) continue;
      all_area += comps_[i].area;
      if (keep[i]) kept_area += comps_[i].area;
    }
    if (kept_area < 0.35 * all_area) return false;
    // What lies within reach of the line's ink stays: dots and accents above, an underline below,
    // a box edge across. Reach is measured from the line's own extent.
    const int reach_up = static_cast<int>(std::lround(0.35 * core_h)) + 1;
    const int reach_down = static_cast<int>(std::lround(0.3 * core_h)) + 1;
    int kept_top = top, kept_bottom = bottom;
    for (size_t i = 1; i < comps_.size(); ++i) {
      const Component& c = comps_[i];
      if (keep[i] || c.kind == Kind::Noise) continue;
      const bool crosses = is_rule(c) && c.r.height >= 2.5 * ch_ && c.r.y <= top && c.r.y + c.r.height >= bottom;
      // A rule is no slice of a neighbour: an underline or the field's edge further off stays
      // (inside the crop's margin; it does not widen the crop). A long thin piece cut by the
      // image's top or bottom edge is more likely the foot or head of a word.
      const bool cut = c.r.y == 0 || c.r.y + c.r.height == H;
      const int reach = is_rule(c) && !cut ? core_h : 0;
      if (crosses || (c.r.y >= top - reach_up - reach && c.r.y + c.r.height <= bottom + reach_down + reach)) {
        keep[i] = true;
        if (!is_rule(c)) {
          kept_top = std::min(kept_top, c.r.y);
          kept_bottom = std::max(kept_bottom, c.r.y + c.r.height);
        }
      }
    }
    const int margin = std::max(2, static_cast<int>(std::lround(0.3 * core_h)));
    const int y0 = std::max(0, std::min(kept_top, top - margin));
    const int y1 = std::min(H, std::max(kept_bottom, bottom + margin));
    rows = cv::Rect(0, y0, W, y1 - y0);
    return true;
  }

  void make_single_line(PageLayout& out) {
    cv::Rect all(0, 0, gray_.cols, gray_.rows);
    std::vector<bool> keep;
    cv::Rect rows;
    const bool isolated = isolate_main_line(keep, rows);
    cv::Rect box;
    std::vector<int> bottoms;
    for (size_t i = 1; i < comps_.size(); ++i) {
      const auto& c = comps_[i];
      if (c.kind == Kind::Noise) {
        owner_[i] = -1;
        continue;
      }
      if (isolated && !keep[i]) {
        owner_[i] = -2;  // a neighbour's slice: painted as paper
        continue;
      }
      box = box.empty() ? c.r : (box | c.r);
      if (c.r.height >= 0.5 * ch_) bottoms.push_back(c.r.y + c.r.height);
      owner_[i] = 0;
    }
    TextLineRegion line;
    line.box = box.empty() ? all : (box & rows);
    line.crop = rows;
    if (!box.empty()) {
      // Paper beyond the ink, left and right, is cut to 1.5 times the band's height: across a long
      // blank stretch the network reads marks that are not there (a `.` 120 px right of a
      // label's last word, at a confidence of 0.19).
      const int margin = std::max(4, rows.height * 3 / 2);
      const int x0 = std::max(rows.x, line.box.x - margin);
      const int x1 = std::min(rows.x + rows.width, line.box.x + line.box.width + margin);
      line.crop = cv::Rect(x0, rows.y, x1 - x0, rows.height);
    }
    if (!bottoms.empty()) {
      std::nth_element(bottoms.begin(), bottoms.begin() + bottoms.size() / 2, bottoms.end());
      line.baseline = bottoms[bottoms.size() / 2];
    } else {
      line.baseline = line.box.y + line.box.height;
    }
    TextParagraphRegion par;
    par.box = line.box;
    par.lines.push_back(line);
    TextBlockRegion block;
    block.box = line.box;
    block.paragraphs.push_back(par);
    out.blocks.push_back(block);
    out.pictures.clear();
    out.rules.clear();
  }

  const cv::Mat& gray_;
  LayoutOptions opt_;
  cv::Mat ink_, labels_, boxmask_;
  std::vector<Component> comps_;
  std::vector<int> owner_;
  double ch_ = 20;
};

}  // namespace

PageLayout analyze_layout(const cv::Mat& gray, const LayoutOptions& options) {
  if (gray.empty() || gray.type() != CV_8UC1)
    throw ShapeError("analyze_layout: expected a non-empty 8-bit grey image");
  return Analyzer(gray, options).run();
}

std::vector<cv::Mat> extract_line_images(const cv::Mat& gray, const PageLayout& layout) {
  std::vector<cv::Mat> out;
  int idx = 0;
  bool have_labels = !layout.labels.empty() && layout.labels.size() == gray.size();
  for (const auto& b : layout.blocks)
    for (const auto& p : b.paragraphs)
      for (const auto& l : p.lines) {
        cv::Mat crop = gray(l.crop).clone();
        // Ink of neighbouring lines and of rules/pictures would confuse the recognizer; in a line
        // image only what the main-line search left out (owner -2) is painted.
        if (have_labels) {
          cv::Mat lab = layout.labels(l.crop);
          for (int y = 0; y < crop.rows; ++y) {
            const int* lp = lab.ptr<int>(y);
            uint8_t* cp = crop.ptr<uint8_t>(y);
            for (int x = 0; x < crop.cols; ++x) {
              int o = lp[x] > 0 && lp[x] < static_cast<int>(layout.label_owner.size())
                          ? layout.label_owner[lp[x]]
                          : -1;
              if (o == -2 || (o >= 0 && o != idx)) cp[x] = 255;
            }
          }
        }
        out.push_back(crop);
        ++idx;
      }
  return out;
}

}  // namespace ocr
