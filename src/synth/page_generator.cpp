#include "ocr/synth/page_generator.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/rng.h"
#include "ocr/core/utf8.h"
#include "ocr/output/writers.h"
#include "ocr/synth/degrade.h"
#include "ocr/synth/font_table.h"
#include "ocr/synth/page_capture.h"
#include "ocr/synth/renderer.h"
#include "ocr/synth/text_source.h"

namespace ocr::synth {

namespace fs = std::filesystem;

namespace {

enum Kind { kArticle = 0, kForm, kTable, kReceipt, kLetter, kScreenshot, kKindCount };
const double kDefaultKindWeights[kKindCount] = {0.3, 0.2, 0.1, 0.15, 0.1, 0.15};
const std::vector<std::string> kCaptureNames = {"clean", "scan", "fax", "photo", "screen"};

// Default capture mix per kind, in kCaptureNames order.
std::vector<double> default_captures(int kind) {
  switch (kind) {
    case kForm: return {0.1, 0.45, 0.3, 0.15, 0};
    case kReceipt: return {0.1, 0.35, 0.05, 0.5, 0};
    case kLetter: return {0.1, 0.5, 0.25, 0.15, 0};
    case kTable: return {0.1, 0.5, 0.1, 0.15, 0.15};
    case kScreenshot: return {0, 0, 0, 0.15, 0.85};
    default: return {0.15, 0.6, 0.05, 0.2, 0};
  }
}

int index_of(const std::vector<std::string>& names, const std::string& name, const std::string& what) {
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw FormatError("unknown " + what + " '" + name + "' (known: " + known + ")");
  }
  return static_cast<int>(it - names.begin());
}

std::vector<double> weights_vector(const std::map<std::string, double>& m, const std::vector<std::string>& names,
                                   const std::string& what) {
  std::vector<double> w(names.size(), 0);
  double total = 0;
  for (const auto& [name, x] : m) {
    if (!(x >= 0)) throw FormatError(what + " weight of " + name + " must be >= 0");
    w[static_cast<size_t>(index_of(names, name, what))] = x;
    total += x;
  }
  if (total <= 0) throw FormatError(what + " weights are all zero");
  return w;
}

std::u32string upper_ascii(std::u32string s) {
  for (auto& c : s)
    if (c >= U'a' && c <= U'z') c -= 32;
  return s;
}

std::u32string capitalized(std::u32string s) {
  if (!s.empty() && s[0] >= U'a' && s[0] <= U'z') s[0] -= 32;
  return s;
}

std::u32string u32(const std::string& s) { return utf8_decode(s); }

// Blends a coverage image (255 = full ink) into a float page at `at`: page -> level where inked.
void composite(cv::Mat& page, const cv::Mat& cov8, cv::Point at, float level) {
  cv::Rect clip = cv::Rect(at.x, at.y, cov8.cols, cov8.rows) & cv::Rect(0, 0, page.cols, page.rows);
  if (clip.empty()) return;
  cv::Mat a;
  cov8(cv::Rect(clip.x - at.x, clip.y - at.y, clip.width, clip.height)).convertTo(a, CV_32F, 1.0 / 255);
  cv::Mat dst = page(clip);
  cv::Mat diff = level - dst;
  dst += diff.mul(a);
}

enum class Align { Left, Right, Center };

struct Style {
  int face = 0;
  double xh = 10;
  float ink = 0;
  bool hinted = false;
  double letter_spacing = 0;  // px after every glyph
  double x_stretch = 1;        // double-wide print (receipt headings and totals)
};

// The page being drawn: paper 1, ink 0 (float), the core of every placed line, and what is
// drawn that is not text.
struct Canvas {
  cv::Mat page, core, non_text;
  std::vector<PageLine> lines;
  cv::Rect rect() const { return cv::Rect(0, 0, page.cols, page.rows); }
};

struct Placed {
  bool ok = false;
  cv::Rect ink;      // page pixels
  int baseline = 0;  // first row below the baseline
};

}  // namespace

const std::vector<std::string>& page_kind_names() {
  static const std::vector<std::string> names = {"article", "form", "table", "receipt", "letter", "screenshot"};
  return names;
}

std::map<std::string, double> parse_weights(const std::string& spec, const std::string& what) {
  std::map<std::string, double> out;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string name = item.substr(0, eq);
    double w = 1;
    if (eq != std::string::npos) {
      try {
        size_t used = 0;
        w = std::stod(item.substr(eq + 1), &used);
        if (used != item.size() - eq - 1) throw std::invalid_argument("trailing characters");
      } catch (const std::exception&) {
        throw FormatError(what + " '" + item + "': weight is not a number");
      }
    }
    out[name] = w;
  }
  if (out.empty()) throw FormatError(what + " '" + spec + "': no name=weight pairs");
  return out;
}

struct PageGenerator::Impl {
  PageGeneratorConfig cfg;
  std::u32string alphabet;
  std::unique_ptr<FontSet> fonts;
  std::unique_ptr<TextSource> text;
  Renderer renderer;
  Rng rng;
  std::vector<double> kind_w;
  std::vector<std::vector<double>> capture_w;  // per kind
  std::vector<int> serif_faces, sans_faces, mono_faces, receipt_faces, ui_faces;
  std::vector<double> serif_w, sans_w, mono_w, receipt_w, ui_w;

  explicit Impl(const PageGeneratorConfig& c) : cfg(c), rng(c.lines.seed) {}

  int pick(const std::vector<int>& faces, const std::vector<double>& w) {
    return faces[pick_weighted(rng, w)];
  }
  int print_face() { return rng.chance(0.6) ? pick(serif_faces, serif_w) : pick(sans_faces, sans_w); }
  int bold_of(int face) const { return (*fonts)[face].bold >= 0 ? (*fonts)[face].bold : face; }
  int italic_of(int face) const { return (*fonts)[face].italic >= 0 ? (*fonts)[face].italic : face; }
  // Black ink mostly; coloured ink as a scanner's grey.
  float dark_ink() { return static_cast<float>(rng.chance(0.75) ? rng.uniform(0, 0.12) : rng.uniform(0.12, 0.42)); }

  // Keeps only what the face draws.
  std::u32string drawable(const std::u32string& s, int face) const {
    std::u32string kept;
    for (char32_t c : s)
      if (c == U' ' || c == U'\t' || (*fonts)[face].has(c)) kept.push_back(c);
    return normalize_spaces(kept);
  }

  RenderedLine render(const std::u32string& s, const Style& st, double word_spacing = 0, double tab = 0) {
    RenderParams p;
    p.px_per_em = st.xh / (*fonts)[st.face].x_height_em;
    p.hinted = st.hinted;
    p.letter_spacing = st.letter_spacing;
    p.x_stretch = st.x_stretch;
    p.word_spacing = word_spacing;
    p.tab_width = tab;
    p.pad = 2;
    return renderer.render(*fonts, {{s, st.face}}, p, rng);
  }

  // Draws a rendered line with its ink's left edge, right edge or centre at x and its baseline
  // on row `by`, and labels it. Refused (nothing drawn) when it leaves the page, when its core
  // would come near another line's core or cover anything that is not text.
  Placed put(Canvas& c, const RenderedLine& r, const std::u32string& s, const Style& st, double x, double by,
             Align align = Align::Left) {
    Placed out;
    if (r.coverage.empty()) return out;
    const double w = r.ink.width;
    const double left = align == Align::Left ? x : align == Align::Right ? x - w : x - w / 2;
    const int ox = static_cast<int>(std::lround(left)) - r.ink.x;
    const int by_row = static_cast<int>(std::lround(by));
    const int oy = by_row - static_cast<int>(std::lround(r.baseline));
    const cv::Rect ink(ox + r.ink.x, oy + r.ink.y, r.ink.width, r.ink.height);
    const cv::Rect inner(1, 1, c.page.cols - 2, c.page.rows - 2);
    if ((ink & inner) != ink) return out;
    const int xh = std::max(1, static_cast<int>(std::lround(st.xh)));
    const cv::Rect core(ink.x, by_row - xh, ink.width, xh);
    if ((core & inner) != core) return out;
    const int gx = static_cast<int>(std::ceil(1.5 * st.xh)), gy = std::max(2, static_cast<int>(std::lround(0.3 * st.xh)));
    const cv::Rect zone = cv::Rect(core.x - gx, core.y - gy, core.width + 2 * gx, core.height + 2 * gy) & c.rect();
    if (cv::countNonZero(c.core(zone)) > 0 || cv::countNonZero(c.non_text(core)) > 0) return out;
    // Text that would not stand out from what is under it (light on a light panel) is not drawn.
    if (std::abs(cv::mean(c.page(core))[0] - st.ink) < 0.3) return out;
    composite(c.page, r.coverage, cv::Point(ox, oy), st.ink);
    c.core(core).setTo(255);
    std::u32string label = s;
    for (auto& ch : label)
      if (ch == U'\t') ch = U' ';
    PageLine line;
    line.text = utf8_encode(normalize_spaces(label));
    const float l = static_cast<float>(core.x), rgt = static_cast<float>(core.x + core.width);
    const float top = static_cast<float>(std::min(ink.y, core.y)), bottom = static_cast<float>(std::max(ink.y + ink.height, by_row));
    line.baseline = {{l, static_cast<float>(by_row)}, {rgt, static_cast<float>(by_row)}};
    line.polygon = {{l, top}, {rgt, top}, {rgt, bottom}, {l, bottom}};
    line.x_height = static_cast<float>(xh);
    c.lines.push_back(std::move(line));
    out.ok = true;
    out.ink = ink;
    out.baseline = by_row;
    return out;
  }

  Placed text_line(Canvas& c, std::u32string s, const Style& st, double x, double by, Align align = Align::Left) {
    s = drawable(s, st.face);
    if (s.empty()) return {};
    return put(c, render(s, st), s, st, x, by, align);
  }

  // Average advance per character of a style, for line breaking.
  double char_width(const Style& st) {
    static const std::u32string sample = U"the quick brown fox jumps over the lazy dog, 1984 Pack MY BOX";
    RenderedLine r = render(drawable(sample, st.face), st);
    return std::max(1.0, r.advance / sample.size());
  }

  std::vector<std::u32string> words(int n) {
    std::vector<std::u32string> out;
    while (static_cast<int>(out.size()) < n) {
      std::u32string l = text->corpus_line(rng, 80);
      size_t i = 0;
      while (i < l.size()) {
        size_t j = l.find(U' ', i);
        if (j == std::u32string::npos) j = l.size();
        if (j > i) out.push_back(l.substr(i, j - i));
        i = j + 1;
      }
    }
    out.resize(static_cast<size_t>(n));
    return out;
  }

  // Lays out n words in lines of the given width, baselines from `by` down by `leading` while
  // they stay above y_max. Returns the baseline after the last line drawn.
  double paragraph(Canvas& c, const Style& st, double x, double width, double by, double leading, double y_max,
                   bool justify, double indent, int n) {
    std::vector<std::u32string> ws = words(n);
    for (auto& w : ws) w = drawable(w, st.face);
    ws.erase(std::remove_if(ws.begin(), ws.end(), [](const std::u32string& w) { return w.empty(); }), ws.end());
    const double cw = char_width(st), em = st.xh / (*fonts)[st.face].x_height_em;
    size_t i = 0;
    bool first = true;
    while (i < ws.size() && by <= y_max) {
      const double avail = width - (first ? indent : 0);
      size_t j = i;
      double len = 0;
      while (j < ws.size()) {
        double add = (j > i ? 1 : 0) + static_cast<double>(ws[j].size());
        if ((len + add) * cw > avail && j > i) break;
        len += add;
        ++j;
      }
      std::u32string s;
      RenderedLine r;
      for (int attempt = 0; attempt < 4; ++attempt) {
        s.clear();
        for (size_t k = i; k < j; ++k) s += (k > i ? U" " : U"") + ws[k];
        r = render(s, st);
        if (r.ink.width <= avail || j == i + 1) break;
        --j;
      }
      const int spaces = static_cast<int>(j - i) - 1;
      if (justify && j < ws.size() && spaces > 0) {
        double extra = (avail - r.ink.width) / spaces;
        if (extra > 0 && extra < 0.8 * em) r = render(s, st, extra);
      }
      put(c, r, s, st, x + (first ? indent : 0), by);
      by += leading;
      i = j;
      first = false;
    }
    return by;
  }

  // ----- what is not text -----

  // Draws shapes (into an 8-bit mask of `area`, coordinates relative to it) in ink `level` and
  // marks them as non-text. Refused when the area holds core.
  bool shapes(Canvas& c, cv::Rect area, float level, const std::function<void(cv::Mat&)>& draw, bool whole_area = false) {
    area &= c.rect();
    if (area.width < 2 || area.height < 2) return false;
    if (cv::countNonZero(c.core(area)) > 0) return false;
    cv::Mat mask = cv::Mat::zeros(area.size(), CV_8UC1);
    draw(mask);
    composite(c.page, mask, area.tl(), level);
    cv::Mat nt = c.non_text(area);
    if (whole_area) {
      nt.setTo(255);
    } else {
      cv::Mat grown;
      cv::dilate(mask > 0, grown, cv::Mat());
      nt.setTo(255, grown);
    }
    return true;
  }

  void rule(Canvas& c, cv::Point a, cv::Point b, int thick, float level) {
    cv::Rect area = cv::Rect(a, b) | cv::Rect(b, a);
    area = cv::Rect(area.x - thick - 1, area.y - thick - 1, area.width + 2 * thick + 3, area.height + 2 * thick + 3);
    const cv::Point o = area.tl();
    shapes(c, area, level, [&](cv::Mat& m) { cv::line(m, a - o, b - o, cv::Scalar(255), thick, cv::LINE_8); });
  }

  void box(Canvas& c, cv::Rect r, int thick, float level) {
    cv::Rect area(r.x - thick, r.y - thick, r.width + 2 * thick + 1, r.height + 2 * thick + 1);
    shapes(c, area, level, [&](cv::Mat& m) {
      cv::rectangle(m, cv::Rect(r.x - area.x, r.y - area.y, r.width, r.height), cv::Scalar(255), thick, cv::LINE_8);
    });
  }

  // Grey tone 0 (white) .. 1 (black) like a photo: smooth shading and objects with edges.
  cv::Mat photo_tone(cv::Size size) {
    cv::Mat t = smooth_noise(size, std::max(4.0, size.width / rng.uniform(2, 6)), rng) * 0.22 +
                smooth_noise(size, rng.uniform(2, 8), rng) * rng.uniform(0.02, 0.08);
    t += rng.uniform(0.3, 0.6);
    for (int k = 0, n = static_cast<int>(rng.integer(2, 7)); k < n; ++k) {
      const double v = rng.uniform(-0.4, 0.4);
      if (rng.chance(0.5)) {
        cv::ellipse(t, cv::Point(static_cast<int>(rng.uniform(0, size.width)), static_cast<int>(rng.uniform(0, size.height))),
                    cv::Size(static_cast<int>(rng.uniform(0.05, 0.4) * size.width) + 1, static_cast<int>(rng.uniform(0.05, 0.4) * size.height) + 1),
                    rng.uniform(0, 180), 0, 360, cv::Scalar(v), cv::FILLED);
      } else {
        std::vector<cv::Point> poly;
        for (int i = 0, m = static_cast<int>(rng.integer(3, 6)); i < m; ++i)
          poly.emplace_back(static_cast<int>(rng.uniform(0, size.width)), static_cast<int>(rng.uniform(0, size.height)));
        cv::Mat layer = cv::Mat::zeros(size, CV_32F);
        cv::fillPoly(layer, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(v));
        t += layer;
      }
    }
    blur(t, rng.uniform(0.5, 2.0));
    cv::min(cv::max(t, 0.02), 0.98, t);
    return t;
  }

  void photo(Canvas& c, cv::Rect r) {
    r &= c.rect();
    if (r.empty() || cv::countNonZero(c.core(r)) > 0) return;
    cv::Mat t = photo_tone(r.size());
    cv::Mat g = 1.0 - t;
    g.copyTo(c.page(r));
    c.non_text(r).setTo(255);
  }

  // A halftone screen: dots on a rotated grid, their size following the tone.
  void halftone(Canvas& c, cv::Rect r) {
    r &= c.rect();
    if (r.empty() || cv::countNonZero(c.core(r)) > 0) return;
    cv::Mat t = photo_tone(r.size());
    const double pitch = rng.uniform(3, 7), angle = rng.chance(0.6) ? M_PI / 4 : rng.uniform(0, M_PI / 2);
    const double cs = std::cos(angle) / pitch, sn = std::sin(angle) / pitch;
    const float ink = dark_ink();
    for (int y = 0; y < r.height; ++y) {
      float* row = c.page.ptr<float>(r.y + y) + r.x;
      const float* tone = t.ptr<float>(y);
      for (int x = 0; x < r.width; ++x) {
        const double u = x * cs + y * sn, v = -x * sn + y * cs;
        const double spot = 0.5 - 0.25 * (std::cos(2 * M_PI * u) + std::cos(2 * M_PI * v));  // 0 at dot centres
        const double a = std::clamp((tone[x] - spot) * 4 + 0.5, 0.0, 1.0);
        row[x] = static_cast<float>(1.0 + (ink - 1.0) * a);
      }
    }
    c.non_text(r).setTo(255);
  }

  // Diagrams without letters: lines, boxes, circles, arrows and curves.
  void line_art(Canvas& c, cv::Rect r) {
    const float level = dark_ink();
    shapes(c, r, level, [&](cv::Mat& m) {
      const int w = m.cols, h = m.rows, thick = static_cast<int>(rng.integer(1, 3));
      auto pt = [&] { return cv::Point(static_cast<int>(rng.uniform(0.05, 0.95) * w), static_cast<int>(rng.uniform(0.05, 0.95) * h)); };
      if (rng.chance(0.5)) cv::rectangle(m, cv::Rect(0, 0, w, h), cv::Scalar(255), 1);
      if (rng.chance(0.4)) {  // axes and a plotted curve
        const cv::Point o(w / 8, h * 7 / 8);
        cv::arrowedLine(m, o, cv::Point(w * 15 / 16, o.y), cv::Scalar(255), thick, cv::LINE_AA, 0, 0.03);
        cv::arrowedLine(m, o, cv::Point(o.x, h / 16), cv::Scalar(255), thick, cv::LINE_AA, 0, 0.03);
        std::vector<cv::Point> curve;
        const double a = rng.uniform(0.5, 3), ph = rng.uniform(0, 6);
        for (int x = o.x; x < w * 7 / 8; x += 2)
          curve.emplace_back(x, static_cast<int>(o.y - (0.4 + 0.3 * std::sin(a * x * 6.0 / w + ph)) * (o.y - h / 8)));
        cv::polylines(m, curve, false, cv::Scalar(255), thick, cv::LINE_AA);
        for (int x = o.x; x < w * 7 / 8; x += std::max(4, w / 10)) cv::line(m, cv::Point(x, o.y), cv::Point(x, o.y + 4), cv::Scalar(255), 1);
      }
      for (int k = 0, n = static_cast<int>(rng.integer(3, 12)); k < n; ++k) {
        switch (rng.integer(0, 4)) {
          case 0: cv::line(m, pt(), pt(), cv::Scalar(255), thick, cv::LINE_AA); break;
          case 1: {
            cv::Point a = pt(), b = pt();
            cv::rectangle(m, a, b, cv::Scalar(255), thick, cv::LINE_AA);
            break;
          }
          case 2: cv::circle(m, pt(), static_cast<int>(rng.uniform(0.03, 0.25) * std::min(w, h)) + 2, cv::Scalar(255), thick, cv::LINE_AA); break;
          case 3: cv::arrowedLine(m, pt(), pt(), cv::Scalar(255), thick, cv::LINE_AA, 0, 0.1); break;
          default: {
            std::vector<cv::Point> p = {pt(), pt(), pt()}, curve;
            for (int i = 0; i <= 30; ++i) {
              const double t = i / 30.0, a = (1 - t) * (1 - t), b = 2 * t * (1 - t), d = t * t;
              curve.emplace_back(static_cast<int>(a * p[0].x + b * p[1].x + d * p[2].x), static_cast<int>(a * p[0].y + b * p[1].y + d * p[2].y));
            }
            cv::polylines(m, curve, false, cv::Scalar(255), thick, cv::LINE_AA);
          }
        }
      }
    }, true);
  }

  void picture(Canvas& c, cv::Rect r) {
    const double u = rng.uniform();
    if (u < 0.4) photo(c, r);
    else if (u < 0.7) halftone(c, r);
    else line_art(c, r);
  }

  // Handwriting-like pen strokes: a signature or a scribble.
  void scribble(Canvas& c, cv::Rect r) {
    const float level = static_cast<float>(rng.uniform(0.05, 0.45));
    shapes(c, r, level, [&](cv::Mat& m) {
      const int thick = static_cast<int>(rng.integer(1, 3));
      for (int stroke = 0, n = static_cast<int>(rng.integer(1, 3)); stroke < n; ++stroke) {
        std::vector<cv::Point2d> ctrl;
        double x = rng.uniform(0, 0.2) * m.cols;
        while (x < m.cols * 0.95) {
          ctrl.emplace_back(x, rng.uniform(0.1, 0.9) * m.rows);
          x += rng.uniform(0.03, 0.15) * m.cols * (rng.chance(0.2) ? -0.5 : 1);
        }
        if (ctrl.size() < 4) continue;
        std::vector<cv::Point> curve;
        for (size_t i = 1; i + 2 < ctrl.size(); ++i)
          for (int k = 0; k < 8; ++k) {  // Catmull-Rom through the control points
            const double t = k / 8.0, t2 = t * t, t3 = t2 * t;
            cv::Point2d p = 0.5 * ((2 * ctrl[i]) + (-ctrl[i - 1] + ctrl[i + 1]) * t +
                                   (2 * ctrl[i - 1] - 5 * ctrl[i] + 4 * ctrl[i + 1] - ctrl[i + 2]) * t2 +
                                   (-ctrl[i - 1] + 3 * ctrl[i] - 3 * ctrl[i + 1] + ctrl[i + 2]) * t3);
            curve.emplace_back(static_cast<int>(p.x), static_cast<int>(p.y));
          }
        cv::polylines(m, curve, false, cv::Scalar(255), thick, cv::LINE_AA);
      }
    });
  }

  void barcode(Canvas& c, cv::Rect r) {
    shapes(c, r, 0.02f, [&](cv::Mat& m) {
      const double module = rng.uniform(1.2, 3.0);
      double x = 0;
      bool bar = true;
      while (x < m.cols) {
        const double w = module * static_cast<double>(rng.integer(1, 4));
        if (bar) cv::rectangle(m, cv::Rect(static_cast<int>(x), 0, std::max(1, static_cast<int>(w)), m.rows), cv::Scalar(255), cv::FILLED);
        x += w;
        bar = !bar;
      }
    }, true);
  }

  // A logo of shapes, without letters.
  void logo(Canvas& c, cv::Rect r) {
    shapes(c, r, dark_ink(), [&](cv::Mat& m) {
      const int s = std::min(m.cols, m.rows);
      for (int k = 0, n = static_cast<int>(rng.integer(1, 4)); k < n; ++k) {
        const cv::Point ctr(static_cast<int>(rng.uniform(0.3, 0.7) * m.cols), static_cast<int>(rng.uniform(0.3, 0.7) * m.rows));
        const int rad = static_cast<int>(rng.uniform(0.15, 0.45) * s) + 1;
        const int fill = rng.chance(0.6) ? cv::FILLED : static_cast<int>(rng.integer(2, 4));
        switch (rng.integer(0, 2)) {
          case 0: cv::circle(m, ctr, rad, cv::Scalar(255), fill, cv::LINE_AA); break;
          case 1: cv::rectangle(m, cv::Rect(ctr.x - rad, ctr.y - rad, 2 * rad, 2 * rad), cv::Scalar(255), fill); break;
          default: {
            std::vector<cv::Point> tri = {{ctr.x, ctr.y - rad}, {ctr.x + rad, ctr.y + rad}, {ctr.x - rad, ctr.y + rad}};
            if (fill == cv::FILLED) cv::fillConvexPoly(m, tri, cv::Scalar(255), cv::LINE_AA);
            else cv::polylines(m, tri, true, cv::Scalar(255), fill, cv::LINE_AA);
          }
        }
      }
    }, true);
  }

  void checkbox(Canvas& c, cv::Point tl, int side, float level) {
    const bool ticked = rng.chance(0.4);
    shapes(c, cv::Rect(tl.x, tl.y, side + 1, side + 1), level, [&](cv::Mat& m) {
      cv::rectangle(m, cv::Rect(0, 0, side, side), cv::Scalar(255), side > 14 ? 2 : 1);
      if (ticked) {
        cv::line(m, {2, 2}, {side - 3, side - 3}, cv::Scalar(255), 1, cv::LINE_AA);
        cv::line(m, {side - 3, 2}, {2, side - 3}, cv::Scalar(255), 1, cv::LINE_AA);
      }
    });
  }

  // A filled panel (a sidebar, a shaded row, a UI bar): text goes on it, so it is not non-text.
  void panel(Canvas& c, cv::Rect r, float level) {
    r &= c.rect();
    if (!r.empty()) c.page(r).setTo(level);
  }

  // Free of core and non-text, for a shape drawn after text.
  bool free_area(const Canvas& c, cv::Rect r) const {
    if ((r & c.rect()) != r) return false;
    return cv::countNonZero(c.core(r)) == 0 && cv::countNonZero(c.non_text(r)) == 0;
  }

  // ----- texts -----
  // A corpus fragment of at most about max_len characters with at least three letters or digits
  // (a heading of "*" is no heading).
  std::u32string short_text(int max_len) {
    std::u32string s;
    for (int attempt = 0; attempt < 8; ++attempt) {
      s = text->corpus_line(rng, std::max(3, static_cast<int>(rng.integer(std::max(3, max_len / 3), std::max(3, max_len)))));
      if (std::count_if(s.begin(), s.end(), [](char32_t ch) { return ch < 128 ? std::isalnum(static_cast<int>(ch)) != 0 : ch >= 0xC0; }) >= 3) break;
    }
    return s;
  }
  std::u32string money() {
    const double v = std::exp(rng.uniform(-1, rng.chance(0.2) ? 9 : 4));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    if (v >= 1000 && rng.chance(0.5)) s.insert(s.size() - 6, ",");
    if (rng.chance(0.2)) s = "$" + s;
    return u32(s);
  }
  std::u32string number_cell() {
    char buf[48];
    switch (rng.integer(0, 4)) {
      case 0: return money();
      case 1: std::snprintf(buf, sizeof buf, "%d", static_cast<int>(std::exp(rng.uniform(0, 11)))); break;
      case 2: std::snprintf(buf, sizeof buf, "%.1f%%", rng.uniform(0, 100)); break;
      case 3: std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", static_cast<int>(rng.integer(1, 28)), static_cast<int>(rng.integer(1, 12)),
                            static_cast<int>(rng.integer(1950, 2030))); break;
      default: std::snprintf(buf, sizeof buf, "%c%c-%04d", static_cast<char>('A' + rng.integer(0, 25)),
                             static_cast<char>('A' + rng.integer(0, 25)), static_cast<int>(rng.integer(0, 9999)));
    }
    return u32(buf);
  }
  std::u32string word_cell() {
    std::u32string s = capitalized(text->word(rng));
    if (rng.chance(0.4)) s += U" " + text->word(rng);
    return s;
  }

  SyntheticPage make(int kind, cv::Mat* non_text);
  void article(Canvas& c);
  void form(Canvas& c);
  void table(Canvas& c);
  void receipt(Canvas& c);
  void letter(Canvas& c);
  void screenshot(Canvas& c);
  void table_at(Canvas& c, cv::Rect area, const Style& st, bool with_title);
};

// ----- article: columns of paragraphs, headings, pictures with captions, a sidebar -----
void PageGenerator::Impl::article(Canvas& c) {
  const int W = c.page.cols, H = c.page.rows;
  const int body_face = print_face();
  Style body{body_face, rng.uniform(7, 16), dark_ink()};
  const double leading = body.xh * rng.uniform(2.1, 2.8);
  const int margin_x = static_cast<int>(rng.uniform(0.05, 0.12) * W), margin_y = static_cast<int>(rng.uniform(0.04, 0.09) * H);
  double top = margin_y, bottom = H - margin_y;
  // Running header and page number.
  Style small{body_face, body.xh * rng.uniform(0.8, 0.95), body.ink};
  if (rng.chance(0.7)) {
    const double by = top + small.xh * 2;
    text_line(c, rng.chance(0.5) ? upper_ascii(short_text(40)) : short_text(50), small, rng.chance(0.5) ? margin_x : W / 2.0,
              by, rng.chance(0.5) ? Align::Left : Align::Center);
    if (rng.chance(0.5)) text_line(c, u32(std::to_string(rng.integer(1, 999))), small, W - margin_x, by, Align::Right);
    if (rng.chance(0.4)) rule(c, {margin_x, static_cast<int>(by + small.xh)}, {W - margin_x, static_cast<int>(by + small.xh)}, 1, small.ink);
    top = by + small.xh * 3;
  }
  if (rng.chance(0.5)) text_line(c, u32(std::to_string(rng.integer(1, 999))), small, W / 2.0, bottom - small.xh, Align::Center);
  bottom -= small.xh * 4;
  // A title across the columns.
  if (rng.chance(0.5)) {
    Style title{bold_of(print_face()), body.xh * rng.uniform(1.8, 3.2), dark_ink()};
    const double tl = title.xh * 2.4;
    double by = top + title.xh * 2;
    const double cw = char_width(title);
    for (int k = 0, n = static_cast<int>(rng.integer(1, 2)); k < n; ++k, by += tl) {
      const int chars = std::max(5, static_cast<int>((W - 2 * margin_x) / cw * rng.uniform(0.4, 0.9)));
      text_line(c, short_text(std::min(chars, 60)), title, rng.chance(0.6) ? margin_x : W / 2.0, by,
                rng.chance(0.6) ? Align::Left : Align::Center);
    }
    top = by + body.xh;
  }
  const double gutter = body.xh * rng.uniform(3, 6);
  int cols = 1;
  for (int n = 3; n > 1; --n)
    if ((W - 2 * margin_x - (n - 1) * gutter) / n > 28 * body.xh && rng.chance(0.6)) {
      cols = n;
      break;
    }
  const double col_w = (W - 2 * margin_x - (cols - 1) * gutter) / cols;
  const bool justify = rng.chance(0.6);
  const double indent = rng.chance(0.6) ? body.xh * rng.uniform(1.5, 4) : 0;
  const double para_gap = indent > 0 ? 0 : leading * rng.uniform(0.3, 1.0);
  Style head{bold_of(body_face), body.xh * rng.uniform(1.15, 1.8), body.ink};
  Style caption{rng.chance(0.5) ? italic_of(body_face) : body_face, body.xh * rng.uniform(0.8, 0.95), body.ink};
  bool sidebar_done = false;
  for (int col = 0; col < cols; ++col) {
    const double x = margin_x + col * (col_w + gutter);
    double by = top + leading;
    while (by < bottom) {
      const double u = rng.uniform();
      if (u < 0.1) {  // heading
        by += leading * 0.5;
        text_line(c, short_text(std::max(8, static_cast<int>(col_w / char_width(head) * 0.8))), head, x, by + head.xh - body.xh);
        by += head.xh * 1.4 + leading;
      } else if (u < 0.22 && bottom - by > 8 * leading) {  // picture and caption
        const int h = static_cast<int>(std::min(bottom - by - 3 * leading, leading * rng.uniform(5, 18)));
        const cv::Rect r(static_cast<int>(x), static_cast<int>(by - body.xh), static_cast<int>(col_w), h);
        picture(c, r);
        by = r.y + h + leading * 0.6 + caption.xh;
        const int lines = static_cast<int>(rng.integer(1, 2));
        by = paragraph(c, caption, x, col_w, by, caption.xh * 2.3, bottom, false, 0, lines * 8) + leading * 0.5;
      } else if (u < 0.27 && !sidebar_done && bottom - by > 10 * leading) {  // sidebar on a panel
        sidebar_done = true;
        const bool dark = rng.chance(0.4);
        const int h = static_cast<int>(std::min(bottom - by, leading * rng.uniform(6, 14)));
        const cv::Rect r(static_cast<int>(x), static_cast<int>(by - body.xh * 1.5), static_cast<int>(col_w), h);
        panel(c, r, static_cast<float>(dark ? rng.uniform(0.05, 0.35) : rng.uniform(0.78, 0.92)));
        Style side = body;
        side.ink = dark ? static_cast<float>(rng.uniform(0.9, 1.0)) : body.ink;
        const double pad = body.xh * 1.5;
        paragraph(c, side, x + pad, col_w - 2 * pad, by + pad, leading, r.y + h - pad, false, 0, 120);
        by = r.y + h + leading * 1.5;
      } else {
        by = paragraph(c, body, x, col_w, by, leading, bottom, justify, indent, static_cast<int>(rng.integer(15, 140))) + para_gap;
      }
    }
  }
  if (cols > 1 && rng.chance(0.3))  // a column rule in the gutter
    for (int col = 1; col < cols; ++col) {
      const int gx = static_cast<int>(margin_x + col * (col_w + gutter) - gutter / 2);
      rule(c, {gx, static_cast<int>(top)}, {gx, static_cast<int>(bottom)}, 1, body.ink);
    }
}

// ----- form: title and logo, boxed fields, underscored fill-ins, checkboxes, a signature -----
void PageGenerator::Impl::form(Canvas& c) {
  const int W = c.page.cols, H = c.page.rows;
  const int face = rng.chance(0.6) ? pick(sans_faces, sans_w) : print_face();
  Style label{face, rng.uniform(7, 13), dark_ink()};
  Style fill{rng.chance(0.6) ? pick(mono_faces, mono_w) : print_face(), label.xh * rng.uniform(0.95, 1.2), dark_ink()};
  const double row = label.xh * rng.uniform(3.2, 4.5);
  const int mx = static_cast<int>(rng.uniform(0.05, 0.1) * W);
  double y = rng.uniform(0.04, 0.08) * H;
  const float rule_ink = static_cast<float>(rng.uniform(0, 0.4));
  // Logo and title.
  const int logo_side = static_cast<int>(label.xh * rng.uniform(4, 8));
  const bool logo_left = rng.chance(0.5);
  if (rng.chance(0.7)) logo(c, cv::Rect(logo_left ? mx : W - mx - logo_side, static_cast<int>(y), logo_side, logo_side));
  Style title{bold_of(face), label.xh * rng.uniform(1.6, 2.6), dark_ink()};
  text_line(c, upper_ascii(short_text(30)), title, W / 2.0, y + logo_side / 2.0 + title.xh / 2, Align::Center);
  y += logo_side + row;
  const int kRuledW = W - 2 * mx;
  while (y < H * 0.85) {
    const double u = rng.uniform();
    if (u < 0.3) {  // a grid of boxed fields: small label in the corner, value below
      const int cols = static_cast<int>(rng.integer(1, 4)), rows = static_cast<int>(rng.integer(1, 4));
      const double cell_h = label.xh * rng.uniform(4.5, 6.5);
      Style small = label;
      small.xh = label.xh * rng.uniform(0.7, 0.9);
      const int thick = static_cast<int>(rng.integer(1, 2));
      for (int r = 0; r < rows && y + cell_h < H * 0.9; ++r) {
        for (int k = 0; k < cols; ++k) {
          const cv::Rect cell(mx + k * kRuledW / cols, static_cast<int>(y), kRuledW / cols, static_cast<int>(cell_h));
          box(c, cell, thick, rule_ink);
          text_line(c, capitalized(short_text(18)), small, cell.x + small.xh * rng.uniform(0.5, 1), cell.y + small.xh * 2.2);
          if (rng.chance(0.8)) {
            // Some fill-ins are typed low, their descenders touching the box edge.
            const double by = rng.chance(0.2) ? cell.y + cell.height - 1 - fill.xh * 0.3 : cell.y + cell_h * 0.8;
            text_line(c, rng.chance(0.5) ? number_cell() : word_cell(), fill, cell.x + fill.xh * rng.uniform(1, 3), by);
          }
        }
        y += cell_h;
      }
      y += row;
    } else if (u < 0.6) {  // label then an underscored field with a typed fill-in
      const int fields = static_cast<int>(rng.integer(1, 2));
      for (int k = 0; k < fields; ++k) {
        const double x0 = mx + k * kRuledW / fields, x1 = mx + (k + 1) * kRuledW / fields - label.xh * 2;
        Placed p = text_line(c, capitalized(short_text(16)) + (rng.chance(0.6) ? U":" : U""), label, x0, y);
        if (!p.ok) continue;
        const int rx = p.ink.x + p.ink.width + static_cast<int>(label.xh * rng.uniform(0.5, 1.5));
        if (rx + label.xh * 6 > x1) continue;
        rule(c, {rx, static_cast<int>(y) + 1}, {static_cast<int>(x1), static_cast<int>(y) + 1}, 1, rule_ink);
        if (rng.chance(0.75))  // typed on the line: descenders cross it
          text_line(c, rng.chance(0.5) ? number_cell() : word_cell(), fill, p.ink.x + p.ink.width + label.xh * rng.uniform(3.5, 6), y);
      }
      y += row;
    } else if (u < 0.75) {  // checkboxes with labels
      const int n = static_cast<int>(rng.integer(2, 4));
      const int side = static_cast<int>(label.xh * rng.uniform(1.3, 1.7));
      for (int k = 0; k < n; ++k) {
        const double x = mx + k * kRuledW / n;
        checkbox(c, cv::Point(static_cast<int>(x), static_cast<int>(y - side)), side, rule_ink);
        text_line(c, capitalized(short_text(14)), label, x + side + label.xh * rng.uniform(0.6, 1.2), y);
      }
      y += row;
    } else if (u < 0.85) {  // a label and its value on one row, far apart or as one line
      text_line(c, capitalized(short_text(20)) + U":", label, mx, y);
      text_line(c, rng.chance(0.5) ? number_cell() : word_cell(), fill, mx + kRuledW * rng.uniform(0.35, 0.5), y);
      y += row;
    } else if (u < 0.93 && y + 10 * row < H * 0.9) {  // a table of fields
      const cv::Rect area(mx, static_cast<int>(y), kRuledW, static_cast<int>(row * rng.uniform(4, 8)));
      table_at(c, area, label, false);
      y += area.height + row;
    } else {  // a paragraph of instructions
      y = paragraph(c, label, mx, kRuledW, y, label.xh * 2.4, H * 0.85, false, 0, static_cast<int>(rng.integer(15, 60))) + row * 0.5;
    }
  }
  // Signature over a rule, its label under the rule.
  const int sy = static_cast<int>(std::min(H - 4 * row, y + row));
  const int sx = static_cast<int>(mx + rng.uniform(0, 0.4) * kRuledW), sw = static_cast<int>(kRuledW * rng.uniform(0.3, 0.5));
  if (sy > 0 && free_area(c, cv::Rect(sx, sy - static_cast<int>(3 * label.xh), sw, static_cast<int>(5 * label.xh)))) {
    scribble(c, cv::Rect(sx + sw / 10, sy - static_cast<int>(3.5 * label.xh), sw * 8 / 10, static_cast<int>(4.5 * label.xh)));
    rule(c, {sx, sy + static_cast<int>(label.xh * 1.2)}, {sx + sw, sy + static_cast<int>(label.xh * 1.2)}, 1, rule_ink);
    text_line(c, rng.chance(0.5) ? U"Signature" : capitalized(short_text(16)), label, sx, sy + label.xh * 3.5);
  }
}

// A table in an area: header row (plain, shaded or inverted), rulings none, rows or a grid.
void PageGenerator::Impl::table_at(Canvas& c, cv::Rect area, const Style& st, bool with_title) {
  double y = area.y;
  if (with_title) {
    Style t{bold_of(st.face), st.xh * rng.uniform(1.2, 1.8), st.ink};
    text_line(c, short_text(40), t, area.x, y + t.xh * 2);
    y += t.xh * 4.5;
  }
  const int cols = static_cast<int>(rng.integer(2, 7));
  const double cw = char_width(st), pad = st.xh * rng.uniform(1.1, 2.0);
  // Column kinds and widths from the content they will hold.
  std::vector<int> numeric(static_cast<size_t>(cols));
  std::vector<double> width(static_cast<size_t>(cols));
  double total = 0;
  for (int k = 0; k < cols; ++k) {
    numeric[static_cast<size_t>(k)] = k > 0 && rng.chance(0.6);
    width[static_cast<size_t>(k)] = (numeric[static_cast<size_t>(k)] ? 10 : rng.uniform(10, 24)) * cw + 2 * pad;
    total += width[static_cast<size_t>(k)];
  }
  const double scale = std::min(1.5, area.width / total);
  for (auto& w : width) w *= scale;
  const double row_h = st.xh * rng.uniform(2.4, 3.6);
  const int ruling = static_cast<int>(rng.integer(0, 2));  // 0 none, 1 rows, 2 grid
  const int header = static_cast<int>(rng.integer(0, 2));   // 0 plain, 1 shaded, 2 inverted
  const float line_ink = static_cast<float>(rng.uniform(0, 0.5));
  const int rows = static_cast<int>((area.y + area.height - y) / row_h);
  if (rows < 2) return;
  const double x_end = area.x + std::accumulate(width.begin(), width.end(), 0.0);
  const int y0 = static_cast<int>(y);
  const float header_fill = static_cast<float>(header == 1 ? rng.uniform(0.7, 0.9) : rng.uniform(0.05, 0.3));
  if (header > 0) panel(c, cv::Rect(area.x, y0, static_cast<int>(x_end - area.x), static_cast<int>(row_h)), header_fill);
  // Rulings first: text keeps off them.
  if (ruling > 0)
    for (int r = 0; r <= rows; ++r) {
      if (ruling == 1 && r > 1 && r < rows && rng.chance(0.5)) continue;
      const int ry = static_cast<int>(y0 + r * row_h);
      rule(c, {area.x, ry}, {static_cast<int>(x_end), ry}, r <= 1 || r == rows ? static_cast<int>(rng.integer(1, 2)) : 1, line_ink);
    }
  if (ruling == 2) {
    double x = area.x;
    for (int k = 0; k <= cols; ++k) {
      rule(c, {static_cast<int>(x), y0}, {static_cast<int>(x), static_cast<int>(y0 + rows * row_h)}, 1, line_ink);
      if (k < cols) x += width[static_cast<size_t>(k)];
    }
  }
  for (int r = 0; r < rows; ++r) {
    const double by = y0 + r * row_h + row_h / 2 + st.xh / 2;
    Style cell = st;
    if (r == 0) {
      cell.face = bold_of(st.face);
      if (header > 0) cell.ink = static_cast<float>(header_fill < 0.5f ? rng.uniform(0.9, 1.0) : rng.uniform(0.0, 0.2));
    }
    double x = area.x;
    for (int k = 0; k < cols; ++k) {
      const double w = width[static_cast<size_t>(k)];
      const bool num = numeric[static_cast<size_t>(k)] && r > 0;
      std::u32string s = r == 0 ? capitalized(text->word(rng)) : num ? number_cell() : word_cell();
      // Keep a cell inside its column: drop words until it fits.
      s = drawable(s, cell.face);
      RenderedLine rl = render(s, cell);
      while (rl.ink.width > w - 2 * pad && s.find(U' ') != std::u32string::npos) {
        s = s.substr(0, s.rfind(U' '));
        rl = render(s, cell);
      }
      if (rl.ink.width <= w - 2 * pad && !(r > 0 && rng.chance(0.05)))  // a few cells stay empty
        put(c, rl, s, cell, num ? x + w - pad : x + pad, by, num ? Align::Right : Align::Left);
      x += w;
    }
  }
}

void PageGenerator::Impl::table(Canvas& c) {
  const int W = c.page.cols, H = c.page.rows;
  Style st{rng.chance(0.5) ? pick(sans_faces, sans_w) : print_face(), rng.uniform(7, 14), dark_ink()};
  const int mx = static_cast<int>(rng.uniform(0.04, 0.1) * W), my = static_cast<int>(rng.uniform(0.04, 0.1) * H);
  double y = my;
  if (rng.chance(0.5)) {  // some text above the table
    y = paragraph(c, st, mx, W - 2 * mx, y + st.xh * 2, st.xh * 2.4, H * 0.3, false, 0, static_cast<int>(rng.integer(10, 60)));
  }
  const int h = static_cast<int>((H - my - y) * rng.uniform(0.5, 1.0));
  table_at(c, cv::Rect(mx, static_cast<int>(y), W - 2 * mx, h), st, true);
  if (H - my - (y + h) > st.xh * 8 && rng.chance(0.6)) {
    Style note = st;
    note.xh *= 0.85;
    paragraph(c, note, mx, W - 2 * mx, y + h + st.xh * 3, note.xh * 2.3, H - my, false, 0, static_cast<int>(rng.integer(8, 40)));
  }
}

// ----- receipt: centred header, items with prices at the right, separators, totals, barcode -----
void PageGenerator::Impl::receipt(Canvas& c) {
  const int W = c.page.cols, H = c.page.rows;
  Style st{pick(receipt_faces, receipt_w), rng.uniform(7, 13), static_cast<float>(rng.uniform(0, 0.3))};
  // Some printers space their letters wide: each word a row of separate glyphs with gaps near a
  // word gap's width (the detector split such a receipt's lines into words).
  if (rng.chance(0.15)) st.letter_spacing = rng.uniform(0.15, 0.6) * st.xh;
  const double leading = st.xh * rng.uniform(2.0, 2.6);
  const int mx = static_cast<int>(rng.uniform(0.04, 0.1) * W);
  double by = rng.uniform(0.03, 0.06) * H + st.xh * 3;
  const double bottom = H - st.xh * 4;
  const double cw = char_width(st);
  const int line_chars = std::max(12, static_cast<int>((W - 2 * mx) / cw));
  auto separator = [&] {
    const int y = static_cast<int>(by - st.xh * 0.5);
    const bool stars = rng.chance(0.3);
    const double step = cw * rng.uniform(0.8, 1.2), dash = step * rng.uniform(0.4, 0.8);
    shapes(c, cv::Rect(mx, y - static_cast<int>(st.xh), W - 2 * mx, static_cast<int>(2 * st.xh)), st.ink, [&](cv::Mat& m) {
      const int cy = m.rows / 2, arm = std::max(2, static_cast<int>(st.xh * 0.35));
      for (double x = 0; x + dash < m.cols; x += step) {
        if (stars) {
          const cv::Point ctr(static_cast<int>(x + dash / 2), cy);
          cv::line(m, ctr - cv::Point(arm, 0), ctr + cv::Point(arm, 0), cv::Scalar(255), 1, cv::LINE_AA);
          cv::line(m, ctr - cv::Point(arm / 2, arm), ctr + cv::Point(arm / 2, arm), cv::Scalar(255), 1, cv::LINE_AA);
          cv::line(m, ctr - cv::Point(-arm / 2, arm), ctr + cv::Point(-arm / 2, arm), cv::Scalar(255), 1, cv::LINE_AA);
        } else {
          cv::line(m, cv::Point(static_cast<int>(x), cy), cv::Point(static_cast<int>(x + dash), cy), cv::Scalar(255),
                   std::max(1, static_cast<int>(st.xh * 0.12)), cv::LINE_AA);
        }
      }
    }, true);
    by += leading;
  };
  // Left text and right amount: two lines when far apart, else one.
  auto item = [&](std::u32string left, std::u32string right, const Style& s) {
    left = drawable(left, s.face);
    right = drawable(right, s.face);
    RenderedLine rl = render(left, s), rr = render(right, s);
    if (rl.coverage.empty() || rr.coverage.empty()) return;
    const double gap = (W - 2 * mx) - rl.ink.width - rr.ink.width;
    if (gap > 3.5 * s.xh) {
      put(c, rl, left, s, mx, by);
      put(c, rr, right, s, W - mx, by, Align::Right);
    } else if (gap > s.xh) {
      std::u32string both = left + U" " + right;
      put(c, render(both, s), both, s, mx, by);
    }
  };
  Style big = st;
  big.xh *= rng.uniform(1.2, 2.0);
  if (rng.chance(0.5)) big.face = bold_of(st.face);
  // Headings printed double-wide or letter-spaced (`T O T A L`).
  if (rng.chance(0.2)) big.x_stretch = rng.uniform(1.4, 2.0);
  else if (rng.chance(0.25)) big.letter_spacing = rng.uniform(0.3, 1.0) * big.xh;
  if (rng.chance(0.3)) {
    const int side = static_cast<int>(big.xh * 4);
    logo(c, cv::Rect(W / 2 - side / 2, static_cast<int>(by - big.xh), side, side));
    by += side;
  }
  text_line(c, upper_ascii(short_text(std::min(line_chars / 2, 24))), big, W / 2.0, by + big.xh, Align::Center);
  by += big.xh * 2.5 + leading;
  for (int k = 0, n = static_cast<int>(rng.integer(1, 4)); k < n; ++k, by += leading)
    text_line(c, k == 0 ? upper_ascii(short_text(std::min(line_chars, 30))) : text->generated_line(rng), st, W / 2.0, by, Align::Center);
  if (rng.chance(0.7)) separator();
  item(u32("DATE ") + number_cell(), u32(std::to_string(rng.integer(0, 23)) + ":" + std::to_string(rng.integer(10, 59))), st);
  by += leading;
  if (rng.chance(0.6)) separator();
  const int items = static_cast<int>(rng.integer(3, 25));
  for (int k = 0; k < items && by < bottom - 12 * leading; ++k) {
    std::u32string name = upper_ascii(word_cell());
    if (rng.chance(0.3)) name = u32(std::to_string(rng.integer(1, 5)) + " ") + name;
    item(name, money(), st);
    by += leading;
    if (rng.chance(0.15)) {  // quantity detail under an item
      text_line(c, u32(std::to_string(rng.integer(2, 9)) + " @ ") + money(), st, mx + cw * 2, by);
      by += leading;
    }
  }
  separator();
  Style total = st;
  if (rng.chance(0.4)) total.face = bold_of(st.face);
  if (rng.chance(0.15)) total.x_stretch = rng.uniform(1.4, 2.0);
  else if (rng.chance(0.15)) total.letter_spacing = rng.uniform(0.3, 0.9) * total.xh;
  for (const char* label : {"SUBTOTAL", "TAX", "TOTAL"}) {
    if (by > bottom - 6 * leading) break;
    item(u32(label), money(), std::string(label) == "TOTAL" ? total : st);
    by += leading;
  }
  if (rng.chance(0.5)) {
    item(rng.chance(0.5) ? U"CASH" : U"VISA", money(), st);
    by += leading;
  }
  if (rng.chance(0.6) && by < bottom - 6 * leading) {  // barcode and its number
    const int bw = static_cast<int>((W - 2 * mx) * rng.uniform(0.5, 0.8)), bh = static_cast<int>(st.xh * rng.uniform(3, 6));
    barcode(c, cv::Rect(W / 2 - bw / 2, static_cast<int>(by), bw, bh));
    by += bh + st.xh * 2.5;
    std::string digits;
    for (int k = 0; k < 12; ++k) digits += static_cast<char>('0' + rng.integer(0, 9));
    text_line(c, u32(digits), st, W / 2.0, by, Align::Center);
    by += leading;
  }
  if (by < bottom) text_line(c, upper_ascii(short_text(std::min(line_chars, 28))), st, W / 2.0, by + leading * 0.5, Align::Center);
  // Dot-matrix print: every mark as dots on a grid (the labels keep the glyphs' geometry).
  if (st.xh >= 8 && rng.chance(0.25)) {
    cv::Mat ink = 1.0 - c.page;
    ink = dot_matrix(ink, st.xh / rng.uniform(3.5, 5.0), rng);
    c.page = 1.0 - ink;
  }
}

// ----- letter: letterhead, address block, date, paragraphs, signature, stamp -----
void PageGenerator::Impl::letter(Canvas& c) {
  const int W = c.page.cols, H = c.page.rows;
  const int face = print_face();
  Style body{face, rng.uniform(7, 15), dark_ink()};
  const double leading = body.xh * rng.uniform(2.2, 3.0);
  const int mx = static_cast<int>(rng.uniform(0.08, 0.15) * W);
  double by = rng.uniform(0.04, 0.08) * H;
  // Letterhead.
  Style head{bold_of(rng.chance(0.5) ? face : print_face()), body.xh * rng.uniform(1.5, 2.8), dark_ink()};
  const bool centred = rng.chance(0.5);
  const int logo_side = static_cast<int>(head.xh * 3.5);
  if (rng.chance(0.6)) logo(c, cv::Rect(centred ? W / 2 - logo_side / 2 : W - mx - logo_side, static_cast<int>(by), logo_side, logo_side));
  if (centred) by += logo_side + head.xh;
  by += head.xh * 2;
  text_line(c, upper_ascii(short_text(28)), head, centred ? W / 2.0 : mx, by, centred ? Align::Center : Align::Left);
  Style small{face, body.xh * 0.85, head.ink};
  by += small.xh * 3;
  text_line(c, text->generated_line(rng), small, centred ? W / 2.0 : mx, by, centred ? Align::Center : Align::Left);
  by += small.xh * 2;
  if (rng.chance(0.6)) rule(c, {mx, static_cast<int>(by)}, {W - mx, static_cast<int>(by)}, static_cast<int>(rng.integer(1, 3)), head.ink);
  by += leading * 2.5;
  // Date (right or left), address block.
  static const char* kMonths[] = {"January", "February", "March", "April", "May", "June", "July", "August", "September",
                                  "October", "November", "December"};
  const std::string date = std::string(kMonths[rng.integer(0, 11)]) + " " + std::to_string(rng.integer(1, 28)) + ", " +
                           std::to_string(rng.integer(1950, 2030));
  text_line(c, u32(date), body, rng.chance(0.5) ? W - mx : mx, by, rng.chance(0.5) ? Align::Right : Align::Left);
  by += leading * 2;
  for (int k = 0, n = static_cast<int>(rng.integer(3, 5)); k < n; ++k, by += leading)
    text_line(c, k == 0 ? capitalized(short_text(25)) : text->generated_line(rng), body, mx, by);
  by += leading;
  Style bold = body;
  bold.face = bold_of(face);
  if (rng.chance(0.5)) {
    text_line(c, u32("Re: ") + short_text(40), bold, mx, by);
    by += leading * 1.5;
  }
  text_line(c, u32("Dear ") + capitalized(text->word(rng)) + U",", body, mx, by);
  by += leading * 1.5;
  const bool justify = rng.chance(0.5);
  for (int k = 0, n = static_cast<int>(rng.integer(2, 5)); k < n && by < H * 0.78; ++k)
    by = paragraph(c, body, mx, W - 2 * mx, by, leading, H * 0.78, justify, 0, static_cast<int>(rng.integer(20, 90))) + leading * 0.6;
  text_line(c, rng.chance(0.5) ? U"Yours sincerely," : U"Sincerely,", body, mx, by);
  const int sw = static_cast<int>(body.xh * rng.uniform(12, 22)), sh = static_cast<int>(body.xh * rng.uniform(3, 5));
  const cv::Rect sig(mx, static_cast<int>(by + body.xh), sw, sh);
  if (free_area(c, sig)) scribble(c, sig);
  by += sh + leading * 1.2;
  text_line(c, capitalized(text->word(rng)) + U" " + capitalized(text->word(rng)), body, mx, by);
  // A stamp in free space: a ring or a double frame, sometimes with a word inside.
  if (rng.chance(0.5)) {
    const int sw2 = static_cast<int>(body.xh * rng.uniform(10, 16)), sh2 = static_cast<int>(sw2 * rng.uniform(0.4, 1.0));
    for (int attempt = 0; attempt < 6; ++attempt) {
      const cv::Rect r(static_cast<int>(rng.uniform(mx, W - mx - sw2)), static_cast<int>(rng.uniform(H * 0.5, H - sh2 - 5)), sw2, sh2);
      if (!free_area(c, r)) continue;
      const float level = static_cast<float>(rng.uniform(0.2, 0.6));
      const bool ring = rng.chance(0.5);
      const int thick = static_cast<int>(rng.integer(2, 3));
      shapes(c, r, level, [&](cv::Mat& m) {
        if (ring) {
          cv::ellipse(m, cv::Point(m.cols / 2, m.rows / 2), cv::Size(m.cols / 2 - 2, m.rows / 2 - 2), 0, 0, 360, cv::Scalar(255), thick, cv::LINE_AA);
        } else {
          cv::rectangle(m, cv::Rect(1, 1, m.cols - 3, m.rows - 3), cv::Scalar(255), thick);
          cv::rectangle(m, cv::Rect(thick + 3, thick + 3, m.cols - 2 * thick - 7, m.rows - 2 * thick - 7), cv::Scalar(255), 1);
        }
      });
      if (rng.chance(0.6)) {
        Style st{bold_of(print_face()), body.xh * rng.uniform(0.9, 1.4), level};
        text_line(c, upper_ascii(text->word(rng)), st, r.x + r.width / 2.0, r.y + r.height / 2.0 + st.xh / 2, Align::Center);
      }
      break;
    }
  }
}

// ----- screenshot: 96 dpi UI, hinted small text, bars, buttons, menus, icons -----
void PageGenerator::Impl::screenshot(Canvas& c) {
  const int W = c.page.cols, H = c.page.rows;
  const bool dark = rng.chance(0.3);
  const float bg = static_cast<float>(dark ? rng.uniform(0.08, 0.22) : rng.uniform(0.94, 1.0));
  const float fg = static_cast<float>(dark ? rng.uniform(0.8, 1.0) : rng.uniform(0.0, 0.25));
  c.page.setTo(bg);
  Style st{pick(ui_faces, ui_w), rng.uniform(5, 8), fg, true};
  const double cw = char_width(st);
  auto ui_word = [&] { return capitalized(text->word(rng)); };
  auto icon = [&](cv::Rect r, float level) {
    shapes(c, r, level, [&](cv::Mat& m) {
      const int s = std::min(m.cols, m.rows);
      switch (rng.integer(0, 3)) {
        case 0: cv::circle(m, {m.cols / 2, m.rows / 2}, s / 2 - 1, cv::Scalar(255), cv::FILLED, cv::LINE_AA); break;
        case 1: cv::rectangle(m, cv::Rect(1, 1, m.cols - 2, m.rows - 2), cv::Scalar(255), rng.chance(0.5) ? cv::FILLED : 1); break;
        case 2:
          for (int k = 0; k < 3; ++k) cv::line(m, {1, (k + 1) * m.rows / 4}, {m.cols - 2, (k + 1) * m.rows / 4}, cv::Scalar(255), 1);
          break;
        default: {
          std::vector<cv::Point> tri = {{m.cols / 2, 1}, {m.cols - 2, m.rows - 2}, {1, m.rows - 2}};
          cv::fillConvexPoly(m, tri, cv::Scalar(255), cv::LINE_AA);
        }
      }
    }, true);
  };
  // Title bar.
  const int bar_h = static_cast<int>(st.xh * rng.uniform(3.5, 5));
  const float bar = static_cast<float>(dark ? rng.uniform(0.25, 0.4) : rng.uniform(0.15, 0.85));
  panel(c, cv::Rect(0, 0, W, bar_h), bar);
  Style bar_text = st;
  bar_text.ink = bar < 0.5f ? static_cast<float>(rng.uniform(0.85, 1.0)) : static_cast<float>(rng.uniform(0.0, 0.2));
  text_line(c, short_text(40), bar_text, W / 2.0, bar_h / 2.0 + st.xh / 2, Align::Center);
  const int ib = static_cast<int>(st.xh * 1.6);
  for (int k = 0; k < 3; ++k) icon(cv::Rect(W - (k + 1) * ib * 2, bar_h / 2 - ib / 2, ib, ib), bar_text.ink);
  // Menu bar: items far enough apart to be separate lines.
  int y = bar_h;
  const int menu_h = static_cast<int>(st.xh * 3.2);
  double x = st.xh * 2;
  for (int k = 0, n = static_cast<int>(rng.integer(3, 8)); k < n; ++k) {
    Placed p = text_line(c, ui_word(), st, x, y + menu_h / 2.0 + st.xh / 2);
    x = (p.ok ? p.ink.x + p.ink.width : x + 6 * cw) + st.xh * rng.uniform(3.5, 5);
  }
  y += menu_h;
  // Toolbar of icons and buttons.
  if (rng.chance(0.7)) {
    const int tb_h = static_cast<int>(st.xh * 5);
    panel(c, cv::Rect(0, y, W, tb_h), static_cast<float>(std::clamp(bg + (dark ? 0.08f : -0.06f), 0.0f, 1.0f)));
    double tx = st.xh * 2;
    for (int k = 0, n = static_cast<int>(rng.integer(3, 10)); k < n && tx < W - 20 * st.xh; ++k) {
      if (rng.chance(0.6)) {
        const int s = static_cast<int>(st.xh * 2.5);
        icon(cv::Rect(static_cast<int>(tx), y + tb_h / 2 - s / 2, s, s), fg);
        tx += s + st.xh * 2;
      } else {  // a button: an outline or a filled box with a label
        std::u32string label = drawable(ui_word(), st.face);
        RenderedLine r = render(label, st);
        if (r.coverage.empty()) continue;
        const cv::Rect b(static_cast<int>(tx), y + tb_h / 2 - static_cast<int>(st.xh * 1.6), r.ink.width + static_cast<int>(st.xh * 3),
                         static_cast<int>(st.xh * 3.2));
        Style bs = st;
        if (rng.chance(0.4)) {
          const float fillv = static_cast<float>(rng.uniform(0.1, 0.5));
          panel(c, b, fillv);
          bs.ink = 1.0f;
        } else {
          box(c, b, 1, fg);
        }
        put(c, r, label, bs, b.x + b.width / 2.0, b.y + b.height / 2.0 + st.xh / 2, Align::Center);
        tx += b.width + st.xh * 2;
      }
    }
    y += tb_h;
  }
  // Side bar list, content, status bar.
  const int status_h = static_cast<int>(st.xh * 3.2);
  int content_x = static_cast<int>(st.xh * 3);
  if (rng.chance(0.6)) {
    const int side_w = static_cast<int>(W * rng.uniform(0.15, 0.28));
    panel(c, cv::Rect(0, y, side_w, H - y - status_h), static_cast<float>(std::clamp(bg + (dark ? 0.06f : -0.05f), 0.0f, 1.0f)));
    const double step = st.xh * rng.uniform(3, 4.5);
    for (double by = y + step; by < H - status_h - st.xh; by += step) {
      if (rng.chance(0.5)) icon(cv::Rect(static_cast<int>(st.xh * 1.5), static_cast<int>(by - st.xh * 1.8), static_cast<int>(st.xh * 2),
                                         static_cast<int>(st.xh * 2)), fg);
      std::u32string s = ui_word();
      if (rng.chance(0.4)) s += U" " + text->word(rng);
      text_line(c, s, st, st.xh * 5, by);
    }
    content_x = side_w + static_cast<int>(st.xh * 3);
  }
  const int content_w = W - content_x - static_cast<int>(st.xh * 3);
  double by = y + st.xh * 4;
  Style h1 = st;
  h1.xh *= rng.uniform(1.4, 2.2);
  h1.face = bold_of(st.face);
  while (by < H - status_h - st.xh * 4) {
    const double u = rng.uniform();
    if (u < 0.15) {
      text_line(c, short_text(40), h1, content_x, by + h1.xh);
      by += h1.xh * 4;
    } else if (u < 0.3) {  // an input field with its label
      Placed p = text_line(c, ui_word() + U":", st, content_x, by);
      const double fx = (p.ok ? p.ink.x + p.ink.width : content_x + 8 * cw) + st.xh * 3.5;
      const cv::Rect f(static_cast<int>(fx), static_cast<int>(by - st.xh * 2.2), static_cast<int>(std::min(content_w * 0.5, 40 * cw)),
                       static_cast<int>(st.xh * 3.4));
      box(c, f, 1, static_cast<float>(std::clamp(fg + (dark ? -0.3f : 0.4f), 0.0f, 1.0f)));
      Style ph = st;
      ph.ink = static_cast<float>(dark ? rng.uniform(0.5, 0.8) : rng.uniform(0.3, 0.6));
      if (rng.chance(0.7)) text_line(c, short_text(20), ph, f.x + st.xh, by);
      by += st.xh * 5;
    } else if (u < 0.45 && H - status_h - by > 15 * st.xh) {
      const cv::Rect area(content_x, static_cast<int>(by), content_w, static_cast<int>(std::min(H - status_h - by - st.xh * 2, st.xh * rng.uniform(15, 40))));
      table_at(c, area, st, false);
      by += area.height + st.xh * 3;
    } else {
      by = paragraph(c, st, content_x, content_w * rng.uniform(0.6, 1.0), by, st.xh * rng.uniform(2.3, 3), H - status_h - st.xh * 3, false, 0,
                     static_cast<int>(rng.integer(10, 80))) + st.xh * 2;
    }
  }
  panel(c, cv::Rect(0, H - status_h, W, status_h), bar);
  text_line(c, short_text(30), bar_text, st.xh * 2, H - status_h / 2.0 + st.xh / 2);
}

SyntheticPage PageGenerator::Impl::make(int kind, cv::Mat* non_text) {
  Canvas c;
  cv::Size size;
  switch (kind) {
    case kReceipt: size = cv::Size(static_cast<int>(rng.uniform(360, 700)), static_cast<int>(rng.uniform(900, 1800))); break;
    case kScreenshot: size = cv::Size(static_cast<int>(rng.uniform(800, 1600)), static_cast<int>(rng.uniform(500, 1000))); break;
    default: {
      const int h = static_cast<int>(rng.uniform(1100, 1800));
      size = rng.chance(0.9) ? cv::Size(static_cast<int>(h * rng.uniform(0.68, 0.78)), h)
                             : cv::Size(h, static_cast<int>(h * rng.uniform(0.68, 0.78)));  // landscape
    }
  }
  c.page = cv::Mat(size, CV_32FC1, cv::Scalar(1.0));
  c.core = cv::Mat::zeros(size, CV_8UC1);
  c.non_text = cv::Mat::zeros(size, CV_8UC1);
  switch (kind) {
    case kArticle: article(c); break;
    case kForm: form(c); break;
    case kTable: table(c); break;
    case kReceipt: receipt(c); break;
    case kLetter: letter(c); break;
    default: screenshot(c); break;
  }
  if (kind == kReceipt) {  // the strip ends a little below its last print
    cv::Mat ink = c.page < 0.98f;
    int last = 0;
    for (int y = ink.rows - 1; y >= 0 && last == 0; --y)
      if (cv::countNonZero(ink.row(y)) > 0) last = y;
    const int rows = std::min(c.page.rows, last + static_cast<int>(rng.uniform(40, 150)));
    c.page = c.page.rowRange(0, rows).clone();
    c.core = c.core.rowRange(0, rows).clone();
    c.non_text = c.non_text.rowRange(0, rows).clone();
  }
  SyntheticPage page;
  c.page.convertTo(page.image, CV_8U, 255.0);
  page.core = c.core;
  page.lines = std::move(c.lines);
  page.kind = page_kind_names()[static_cast<size_t>(kind)];
  if (non_text) *non_text = c.non_text;
  return page;
}

PageGenerator::PageGenerator(const PageGeneratorConfig& config) : impl_(std::make_unique<Impl>(config)) {
  auto& m = *impl_;
  const GeneratorConfig& lc = config.lines;
  std::string data_dir;
  auto data = [&](const std::string& name) {
    if (data_dir.empty()) data_dir = default_data_dir();
    return (fs::path(data_dir) / name).string();
  };
  const std::string table = lc.fonts_table.empty() ? data("fonts.tsv") : lc.fonts_table;
  if (lc.alphabet.empty() && !lc.fonts_table.empty()) data_dir = fs::path(lc.fonts_table).parent_path().string();
  m.alphabet = read_alphabet_file(lc.alphabet.empty() ? data("eng.alphabet") : lc.alphabet);
  std::string corpus = lc.corpus;
  if (corpus.empty()) {
    corpus = data("corpus/eng.txt");
    if (!fs::exists(corpus)) corpus = data("corpus-sample.txt");
  }
  if (lc.split != "train" && lc.split != "holdout") throw FormatError("font split must be train or holdout, got '" + lc.split + "'");
  m.text = std::make_unique<TextSource>(corpus, m.alphabet);
  if (!lc.accent_noise) m.text->set_accent_rate(0);
  m.fonts = std::make_unique<FontSet>(table, lc.font_dirs, lc.split);

  m.kind_w = config.kind_weights.empty() ? std::vector<double>(kDefaultKindWeights, kDefaultKindWeights + kKindCount)
                                         : weights_vector(config.kind_weights, page_kind_names(), "page kind");
  for (int k = 0; k < kKindCount; ++k) m.capture_w.push_back(default_captures(k));
  for (const auto& [kind, w] : config.capture_weights)
    m.capture_w[static_cast<size_t>(index_of(page_kind_names(), kind, "page kind"))] = weights_vector(w, kCaptureNames, "capture");

  for (size_t i = 0; i < m.fonts->size(); ++i) {
    const Face& f = (*m.fonts)[i];
    if (f.entry.weight <= 0) continue;
    const int id = static_cast<int>(i);
    const std::string& cls = f.entry.cls;
    if (f.entry.print) {
      if (cls == "courier" || cls == "mono") {
        m.mono_faces.push_back(id);
        m.mono_w.push_back(f.entry.weight);
      } else if (cls == "sans" || cls == "helvetica") {
        m.sans_faces.push_back(id);
        m.sans_w.push_back(f.entry.weight);
      } else if (cls != "ocr") {
        m.serif_faces.push_back(id);
        m.serif_w.push_back(f.entry.weight);
      }
      const bool ui = cls == "sans" || cls == "helvetica" || cls == "mono";
      m.ui_faces.push_back(id);
      m.ui_w.push_back(f.entry.weight * (ui ? 6 : 1));
    }
    if (f.entry.receipt) {
      m.receipt_faces.push_back(id);
      m.receipt_w.push_back(f.entry.weight);
    }
  }
  // A split without some class borrows another's faces.
  std::vector<int>* lists[] = {&m.serif_faces, &m.sans_faces, &m.mono_faces, &m.receipt_faces, &m.ui_faces};
  std::vector<double>* wlists[] = {&m.serif_w, &m.sans_w, &m.mono_w, &m.receipt_w, &m.ui_w};
  for (int k = 0; k < 5; ++k)
    if (lists[k]->empty())
      for (size_t i = 0; i < m.fonts->size(); ++i) {
        lists[k]->push_back(static_cast<int>(i));
        wlists[k]->push_back(1);
      }
  log::info("synth pages: {} '{}' faces, corpus {}", m.fonts->size(), lc.split, corpus);
}

PageGenerator::~PageGenerator() = default;

SyntheticPage PageGenerator::next() {
  return next(page_kind_names()[pick_weighted(impl_->rng, impl_->kind_w)]);
}

SyntheticPage PageGenerator::next(const std::string& kind) {
  const int k = index_of(page_kind_names(), kind, "page kind");
  SyntheticPage page = impl_->make(k, nullptr);
  const PageCapture capture = parse_capture(kCaptureNames[pick_weighted(impl_->rng, impl_->capture_w[static_cast<size_t>(k)])]);
  capture_page(page, capture, impl_->rng);  // appends "+photo" / "+fax" to the kind
  return page;
}

SyntheticPage PageGenerator::render_clean(const std::string& kind, cv::Mat* non_text) {
  return impl_->make(index_of(page_kind_names(), kind, "page kind"), non_text);
}

namespace {
std::string points(const std::vector<cv::Point2f>& pts) {
  std::string s;
  for (const auto& p : pts)
    s += (s.empty() ? "" : " ") + std::to_string(static_cast<int>(std::lround(p.x))) + "," + std::to_string(static_cast<int>(std::lround(p.y)));
  return s;
}
}  // namespace

void write_page_xml(const SyntheticPage& page, const std::string& image_file, const std::string& path) {
  std::string o =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<PcGts xmlns=\"http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15 "
      "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15/pagecontent.xsd\">\n"
      " <Metadata>\n  <Creator>ocr synth --pages</Creator>\n  <Created>1970-01-01T00:00:00</Created>\n"
      "  <LastChange>1970-01-01T00:00:00</LastChange>\n  <Comments>" + xml_escape(page.kind) + "</Comments>\n </Metadata>\n";
  o += " <Page imageFilename=\"" + xml_escape(image_file) + "\" imageWidth=\"" + std::to_string(page.image.cols) +
       "\" imageHeight=\"" + std::to_string(page.image.rows) + "\">\n";
  for (size_t i = 0; i < page.lines.size(); ++i) {
    const PageLine& l = page.lines[i];
    const std::string id = "r" + std::to_string(i + 1);
    o += "  <TextRegion id=\"" + id + "\">\n   <Coords points=\"" + points(l.polygon) + "\"/>\n";
    o += "   <TextLine id=\"" + id + "_l1\" custom=\"x_height:" + std::to_string(l.x_height) + "\">\n    <Coords points=\"" + points(l.polygon) + "\"/>\n";
    o += "    <Baseline points=\"" + points(l.baseline) + "\"/>\n";
    o += "    <TextEquiv><Unicode>" + xml_escape(l.text) + "</Unicode></TextEquiv>\n   </TextLine>\n";
    o += "   <TextEquiv><Unicode>" + xml_escape(l.text) + "</Unicode></TextEquiv>\n  </TextRegion>\n";
  }
  o += " </Page>\n</PcGts>\n";
  std::ofstream f(path, std::ios::binary);
  if (!f) throw IoError("cannot write " + path);
  f << o;
  if (!f) throw IoError("cannot write " + path);
}

}  // namespace ocr::synth
