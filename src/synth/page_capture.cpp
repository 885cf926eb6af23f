#include "ocr/synth/page_capture.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "ocr/core/error.h"
#include "ocr/synth/degrade.h"
#include "ocr/synth/page_generator.h"

namespace ocr::synth {

namespace {

using Polyline = std::vector<cv::Point2f>;
using PointMap = std::function<cv::Point2f(cv::Point2f)>;

double deg(double d) { return d * M_PI / 180.0; }

// The scale of the page's print: blur, strokes and the fax resolution follow it.
double page_x_height(const SyntheticPage& page) {
  std::vector<float> xh;
  for (const auto& l : page.lines)
    if (l.x_height > 0) xh.push_back(l.x_height);
  if (xh.empty()) return 12.0;
  std::nth_element(xh.begin(), xh.begin() + static_cast<long>(xh.size() / 2), xh.end());
  return xh[xh.size() / 2];
}

cv::Mat to_float(const cv::Mat& gray8) {
  cv::Mat f;
  gray8.convertTo(f, CV_32F, 1.0 / 255);
  return f;
}

cv::Mat to8u(const cv::Mat& f) {
  cv::Mat out;
  f.convertTo(out, CV_8U, 255.0);
  return out;
}

// Sensor noise of σ sigma: a 256 x 256 tile of normal noise repeated from a random offset, a
// fraction of the cost of a normal draw per pixel, and invisible as a pattern under the print.
void add_noise(cv::Mat& img, double sigma, Rng& rng) {
  if (sigma <= 0.002) return;
  cv::Mat tile(256, 256, CV_32F);
  cv::RNG local(rng.next_u64());
  local.fill(tile, cv::RNG::NORMAL, 0.0, sigma);
  const int ox = static_cast<int>(rng.integer(0, 255)), oy = static_cast<int>(rng.integer(0, 255));
  for (int y = 0; y < img.rows; ++y) {
    float* r = img.ptr<float>(y);
    const float* t = tile.ptr<float>((y + oy) & 255);
    for (int x = 0; x < img.cols; ++x) r[x] += t[(x + ox) & 255];
  }
}

// Motion blur: a line kernel of `length` px at `angle`.
void motion_blur(cv::Mat& img, double length, double angle) {
  if (length < 1.2) return;
  const int k = static_cast<int>(std::ceil(length)) | 1;
  cv::Mat kernel = cv::Mat::zeros(k, k, CV_32F);
  const cv::Point2d c(k / 2.0, k / 2.0), d(std::cos(angle) * length / 2, std::sin(angle) * length / 2);
  cv::line(kernel, c - d, c + d, cv::Scalar(1.0), 1, cv::LINE_AA);
  kernel /= cv::sum(kernel)[0];
  cv::filter2D(img, img, -1, kernel, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
}

// ---- Geometry -------------------------------------------------------------------------------

// One geometric change of the whole page: for every output pixel the source point it shows (the
// maps cv::remap reads), how much of it lies on the source page (0..1, soft at the page's edge),
// and the forward transform of a source point for the labels. The two directions are exact
// inverses of each other.
struct Warp {
  cv::Size size;
  cv::Mat map_x, map_y, on_page;
  PointMap forward;
  bool straight = true;  // straight lines stay straight, so label points need no densifying
};

// The inverse is evaluated exactly every 4th pixel of a row and linearly in between: the mappings
// are smooth (affine, perspective, a gentle curl), so this is within a hundredth of a pixel and
// saves most of the per-pixel divisions and table lookups.
template <class Inverse>
Warp make_warp(cv::Size out, cv::Size src, Inverse inverse, PointMap forward, bool straight) {
  Warp w{out, cv::Mat(out, CV_32F), cv::Mat(out, CV_32F), cv::Mat(out, CV_32F), std::move(forward), straight};
  constexpr int kStep = 4;
  const float right = src.width - 0.5f, bottom = src.height - 0.5f;
  for (int y = 0; y < out.height; ++y) {
    float* mx = w.map_x.ptr<float>(y);
    float* my = w.map_y.ptr<float>(y);
    float* in = w.on_page.ptr<float>(y);
    cv::Point2f a = inverse(0.f, static_cast<float>(y));
    for (int x0 = 0; x0 < out.width; x0 += kStep) {
      const int x1 = std::min(x0 + kStep, out.width - 1), n = std::max(1, x1 - x0);
      const cv::Point2f b = x1 > x0 ? inverse(static_cast<float>(x1), static_cast<float>(y)) : a;
      const cv::Point2f d = (b - a) * (1.f / n);
      for (int x = x0; x < std::min(x0 + kStep, out.width); ++x) {
        const float px = a.x + d.x * (x - x0), py = a.y + d.y * (x - x0);
        mx[x] = px;
        my[x] = py;
        const float e = std::min(std::min(px + 0.5f, right - px), std::min(py + 0.5f, bottom - py));
        in[x] = std::clamp(e + 0.5f, 0.f, 1.f);
      }
      a = b;
    }
  }
  return w;
}

// Extra points every `step` px along a polyline, so that a curved mapping bends it.
Polyline densify(const Polyline& pts, bool closed, float step) {
  if (pts.size() < 2) return pts;
  Polyline out;
  const size_t n = pts.size(), segments = closed ? n : n - 1;
  for (size_t i = 0; i < segments; ++i) {
    const cv::Point2f a = pts[i], b = pts[(i + 1) % n];
    const int k = std::max(1, static_cast<int>(std::ceil(cv::norm(b - a) / step)));
    for (int j = 0; j < k; ++j) out.push_back(a + (b - a) * (static_cast<float>(j) / k));
  }
  if (!closed) out.push_back(pts.back());
  return out;
}

// Sutherland-Hodgman clipping of a (possibly concave) polygon to the rectangle [0,w] x [0,h].
Polyline clip_polygon(const Polyline& poly, float w, float h) {
  Polyline cur = poly;
  // Each edge of the window as "inside" test and intersection along one coordinate.
  for (int edge = 0; edge < 4 && !cur.empty(); ++edge) {
    auto inside = [&](cv::Point2f p) {
      return edge == 0 ? p.x >= 0 : edge == 1 ? p.x <= w : edge == 2 ? p.y >= 0 : p.y <= h;
    };
    auto cross = [&](cv::Point2f a, cv::Point2f b) {
      const float t = edge == 0 ? (0 - a.x) / (b.x - a.x)
                      : edge == 1 ? (w - a.x) / (b.x - a.x)
                      : edge == 2 ? (0 - a.y) / (b.y - a.y)
                                  : (h - a.y) / (b.y - a.y);
      return a + (b - a) * t;
    };
    Polyline next;
    for (size_t i = 0; i < cur.size(); ++i) {
      const cv::Point2f a = cur[i], b = cur[(i + 1) % cur.size()];
      const bool ia = inside(a), ib = inside(b);
      if (ia) next.push_back(a);
      if (ia != ib) next.push_back(cross(a, b));
    }
    cur = std::move(next);
  }
  return cur;
}

// The longest piece of a polyline inside [0,w] x [0,h] (Liang-Barsky on each segment).
Polyline clip_polyline(const Polyline& line, float w, float h) {
  Polyline best, cur;
  auto flush = [&] {
    if (cur.size() >= 2 && (best.empty() || cv::norm(cur.back() - cur.front()) > cv::norm(best.back() - best.front())))
      best = cur;
    cur.clear();
  };
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    const cv::Point2f a = line[i], d = line[i + 1] - line[i];
    float t0 = 0, t1 = 1;
    bool visible = true;
    const std::array<std::pair<float, float>, 4> pq = {{{-d.x, a.x}, {d.x, w - a.x}, {-d.y, a.y}, {d.y, h - a.y}}};
    for (const auto& [p, q] : pq) {
      if (p == 0) {
        if (q < 0) visible = false;
      } else if (p < 0) {
        t0 = std::max(t0, q / p);
      } else {
        t1 = std::min(t1, q / p);
      }
    }
    if (!visible || t0 > t1) {
      flush();
      continue;
    }
    const cv::Point2f s = a + d * t0, e = a + d * t1;
    if (cur.empty() || t0 > 0) {
      flush();
      cur.push_back(s);
    }
    cur.push_back(e);
    if (t1 < 1) flush();
  }
  flush();
  return best;
}

// Moves every line's polygon, baseline and x-height with `forward` into an image of `size`; lines
// leaving it are clipped, lines mostly outside dropped and their core erased (only where no kept
// line's polygon lies), so that every core pixel belongs to a listed line.
void move_lines(SyntheticPage& page, const PointMap& forward, bool straight) {
  const float w = static_cast<float>(page.image.cols), h = static_cast<float>(page.image.rows);
  const float step = 8.f;
  std::vector<PageLine> kept;
  std::vector<Polyline> dropped;
  for (auto& line : page.lines) {
    Polyline poly = straight ? line.polygon : densify(line.polygon, true, step);
    Polyline base = straight ? line.baseline : densify(line.baseline, false, step);
    // The x-height at the middle of the baseline, measured across it after the move.
    if (line.baseline.size() >= 2 && line.x_height > 0) {
      const cv::Point2f a = line.baseline.front(), b = line.baseline.back(), m = (a + b) * 0.5f;
      cv::Point2f dir = b - a;
      dir /= std::max(1e-3f, static_cast<float>(cv::norm(dir)));
      const cv::Point2f up(dir.y, -dir.x);
      line.x_height = static_cast<float>(cv::norm(forward(m + up * line.x_height) - forward(m)));
    }
    for (auto& p : poly) p = forward(p);
    for (auto& p : base) p = forward(p);
    const double full = std::abs(cv::contourArea(poly));
    Polyline clipped = clip_polygon(poly, w, h);
    Polyline clipped_base = clip_polyline(base, w, h);
    const double area = clipped.size() >= 3 ? std::abs(cv::contourArea(clipped)) : 0.0;
    if (area < 0.5 * full || clipped_base.size() < 2) {
      if (clipped.size() >= 3) dropped.push_back(std::move(clipped));
      continue;
    }
    line.polygon = std::move(clipped);
    line.baseline = std::move(clipped_base);
    kept.push_back(std::move(line));
  }
  page.lines = std::move(kept);
  if (dropped.empty()) return;
  auto fill = [&](const std::vector<Polyline>& polys) {
    cv::Mat mask = cv::Mat::zeros(page.core.size(), CV_8U);
    std::vector<std::vector<cv::Point>> ints;
    for (const auto& poly : polys) {
      ints.emplace_back();
      for (const auto& p : poly) ints.back().emplace_back(cvRound(p.x), cvRound(p.y));
    }
    cv::fillPoly(mask, ints, cv::Scalar(255));
    cv::dilate(mask, mask, cv::Mat(), cv::Point(-1, -1), 2);
    return mask;
  };
  std::vector<Polyline> kept_polys;
  for (const auto& l : page.lines) kept_polys.push_back(l.polygon);
  cv::Mat erase = fill(dropped) & ~fill(kept_polys);
  page.core.setTo(0, erase);
}

// Warps the page image `img` (float) and its labels with `w`; pixels off the page show
// `background` (float, w.size) or, if it is empty, white paper.
void apply_warp(SyntheticPage& page, cv::Mat& img, const Warp& w, const cv::Mat& background) {
  // Fixed-point maps: two remaps from one conversion, each much faster than from float maps.
  cv::Mat fixed_xy, fixed_frac;
  cv::convertMaps(w.map_x, w.map_y, fixed_xy, fixed_frac, CV_16SC2);
  cv::Mat out, core;
  cv::remap(img, out, fixed_xy, fixed_frac, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  for (int y = 0; y < out.rows; ++y) {
    float* o = out.ptr<float>(y);
    const float* a = w.on_page.ptr<float>(y);
    const float* b = background.empty() ? nullptr : background.ptr<float>(y);
    for (int x = 0; x < out.cols; ++x) o[x] = o[x] * a[x] + (b ? b[x] : 1.f) * (1.f - a[x]);
  }
  img = out;
  // The core moves with the image's own mapping, thresholded back to a mask.
  cv::remap(page.core, core, fixed_xy, fixed_frac, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::threshold(core, page.core, 127, 255, cv::THRESH_BINARY);
  page.image = cv::Mat(w.size, CV_8U, cv::Scalar(255));  // the size move_lines clips to
  move_lines(page, w.forward, w.straight);
}

// Resizes an 8-bit page by the factors (sx, sy) with cv::resize and moves its labels by the same
// pixel-centre convention.
void resize_page(SyntheticPage& page, double sx, double sy, int interpolation) {
  const cv::Size size(std::max(1, static_cast<int>(std::lround(page.image.cols * sx))),
                      std::max(1, static_cast<int>(std::lround(page.image.rows * sy))));
  const float fx = static_cast<float>(size.width) / page.image.cols, fy = static_cast<float>(size.height) / page.image.rows;
  cv::Mat img, core;
  cv::resize(page.image, img, size, 0, 0, interpolation);
  cv::resize(page.core, core, size, 0, 0, interpolation == cv::INTER_NEAREST ? cv::INTER_NEAREST : cv::INTER_LINEAR);
  cv::threshold(core, page.core, 127, 255, cv::THRESH_BINARY);
  page.image = img;
  move_lines(page, [fx, fy](cv::Point2f p) { return cv::Point2f((p.x + 0.5f) * fx - 0.5f, (p.y + 0.5f) * fy - 0.5f); },
             true);
}

// Rotation by `angle` about the centre of a page of size `src`, then scale by (sx, sy) (pixel
// centres as cv::resize) and a shift by (dx, dy), into an image of size `out`.
Warp affine_warp(cv::Size src, cv::Size out, double angle, double sx, double sy, double dx, double dy) {
  const float c = static_cast<float>(std::cos(angle)), s = static_cast<float>(std::sin(angle));
  const cv::Point2f centre((src.width - 1) / 2.f, (src.height - 1) / 2.f);
  const float fx = static_cast<float>(sx), fy = static_cast<float>(sy), ox = static_cast<float>(dx), oy = static_cast<float>(dy);
  auto forward = [=](cv::Point2f p) {
    const cv::Point2f d = p - centre;
    const cv::Point2f r(c * d.x - s * d.y + centre.x, s * d.x + c * d.y + centre.y);
    return cv::Point2f((r.x + 0.5f) * fx - 0.5f + ox, (r.y + 0.5f) * fy - 0.5f + oy);
  };
  auto inverse = [=](float x, float y) {
    const cv::Point2f r((x - ox + 0.5f) / fx - 0.5f - centre.x, (y - oy + 0.5f) / fy - 0.5f - centre.y);
    return cv::Point2f(c * r.x + s * r.y + centre.x, -s * r.x + c * r.y + centre.y);
  };
  return make_warp(out, src, inverse, forward, true);
}

// ---- Paper and print ------------------------------------------------------------------------

// Ink coverage 0 (paper) .. 1 (ink) of a page in float grey levels.
cv::Mat coverage_of(const cv::Mat& gray8) {
  cv::Mat c;
  gray8.convertTo(c, CV_32F, -1.0 / 255, 1.0);
  return c;
}

// Paper of level `paper` with texture (fibres, a little shading) under ink of level `ink`.
cv::Mat print_on_paper(const cv::Mat& cov, double paper, double ink, double texture, double shading, double xh, Rng& rng) {
  cv::Mat fibres = smooth_noise(cov.size(), rng.uniform(1.0, 3.0), rng);
  cv::Mat shade = shading > 0 ? smooth_noise(cov.size(), rng.uniform(10, 40) * xh, rng) : cv::Mat();
  cv::Mat out(cov.size(), CV_32F);
  const float p = static_cast<float>(paper), k = static_cast<float>(ink), t = static_cast<float>(texture), s = static_cast<float>(shading);
  for (int y = 0; y < cov.rows; ++y) {
    const float* c = cov.ptr<float>(y);
    const float* f = fibres.ptr<float>(y);
    const float* g = shade.empty() ? nullptr : shade.ptr<float>(y);
    float* o = out.ptr<float>(y);
    for (int x = 0; x < cov.cols; ++x) {
      const float bg = p * (1.f + t * f[x] + (g ? s * g[x] : 0.f));
      o[x] = bg + (k - bg) * c[x];
    }
  }
  return out;
}

// Thermal print faded in patches (old receipts): the ink coverage scaled down by a smooth field.
void fade_thermal(cv::Mat& cov, double xh, Rng& rng) {
  cv::Mat field = smooth_noise(cov.size(), rng.uniform(3, 12) * xh, rng);
  const float a = static_cast<float>(rng.uniform(0.3, 0.8)), cut = static_cast<float>(rng.uniform(-0.5, 1.0));
  field.forEach<float>([&](float& v, const int*) { v = std::clamp(1.f - a * (v - cut), 0.25f, 1.f); });
  cov = cov.mul(field);
}

// Bleed-through: the page's own print seen through the paper, mirrored, blurred and faint.
void bleed_through(cv::Mat& img, const cv::Mat& cov, double xh, Rng& rng) {
  // At half resolution: the copy is blurred anyway, and the mirror and shift are one warp.
  const bool mirror_x = rng.chance(0.8);
  const double dx = rng.uniform(-3, 3) * xh / 2, dy = rng.uniform(-3, 3) * xh / 2;
  cv::Mat half;
  cv::resize(cov, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  const double sx = mirror_x ? -1 : 1, sy = mirror_x ? 1 : -1;
  cv::Mat m = (cv::Mat_<double>(2, 3) << sx, 0, (mirror_x ? half.cols - 1 : 0) + dx, 0, sy, (mirror_x ? 0 : half.rows - 1) + dy);
  cv::Mat back;
  cv::warpAffine(half, back, m, half.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  blur(back, rng.uniform(0.8, 3.0) * xh / 24);
  cv::resize(back, back, img.size(), 0, 0, cv::INTER_LINEAR);
  const float strength = static_cast<float>(rng.uniform(0.03, 0.2));
  for (int y = 0; y < img.rows; ++y) {
    float* o = img.ptr<float>(y);
    const float* b = back.ptr<float>(y);
    for (int x = 0; x < img.cols; ++x) o[x] *= 1.f - strength * b[x];
  }
}

// Rubber stamps in coloured ink, grey on the scan: rings and (double) rectangles, patchy ink.
void stamps(cv::Mat& img, double xh, Rng& rng) {
  const int count = rng.chance(0.7) ? 1 : 2;
  cv::Mat mask = cv::Mat::zeros(img.size(), CV_32F);
  for (int i = 0; i < count; ++i) {
    const cv::Point2f c(static_cast<float>(rng.uniform(0.1, 0.9) * img.cols), static_cast<float>(rng.uniform(0.1, 0.9) * img.rows));
    const double size = rng.uniform(3, 10) * xh;
    const int thick = std::max(1, static_cast<int>(rng.uniform(0.15, 0.5) * xh));
    if (rng.chance(0.5)) {
      cv::circle(mask, c, static_cast<int>(size), cv::Scalar(1.0), thick, cv::LINE_AA);
      if (rng.chance(0.6)) cv::circle(mask, c, static_cast<int>(size * rng.uniform(0.6, 0.8)), cv::Scalar(1.0), std::max(1, thick / 2), cv::LINE_AA);
    } else {
      const cv::RotatedRect box(c, cv::Size2f(static_cast<float>(size * rng.uniform(1.5, 3)), static_cast<float>(size)),
                                static_cast<float>(rng.uniform(-25, 25)));
      cv::Point2f corners[4];
      box.points(corners);
      std::vector<cv::Point> pts;
      for (const auto& p : corners) pts.emplace_back(cvRound(p.x), cvRound(p.y));
      cv::polylines(mask, pts, true, cv::Scalar(1.0), thick, cv::LINE_AA);
    }
  }
  // Stamp ink is uneven: strong and weak patches. Only the stamps' box is touched.
  cv::Mat rows, cols;
  cv::reduce(mask, rows, 1, cv::REDUCE_MAX);
  cv::reduce(mask, cols, 0, cv::REDUCE_MAX);
  cv::Rect box;
  cv::Mat pts;
  cv::findNonZero(rows > 0, pts);
  if (pts.empty()) return;
  const cv::Rect ry = cv::boundingRect(pts);
  cv::findNonZero(cols > 0, pts);
  const cv::Rect rx = cv::boundingRect(pts);
  box = cv::Rect(rx.x, ry.y, rx.width, ry.height);
  cv::Mat patches = smooth_noise(box.size(), rng.uniform(0.5, 2) * xh, rng);
  patches = cv::max(cv::min(patches * 0.4 + 0.8, 1.0), 0.2);
  const double opacity = rng.uniform(0.25, 0.75);
  cv::Mat roi = img(box);
  cv::Mat damped = roi.mul(1.0 - mask(box).mul(patches) * opacity);
  damped.copyTo(roi);
}

// Punch holes near one margin: dark where the scanner lid is black, white where it is not. A
// hole that would cover a line's core is left out, as real holes sit in the margin.
void punch_holes(cv::Mat& img, const cv::Mat& core, Rng& rng) {
  const int side = rng.chance(0.7) ? 0 : static_cast<int>(rng.integer(1, 3));  // left, top, right, bottom
  const bool vertical = side == 0 || side == 2;
  const double length = vertical ? img.rows : img.cols, across = vertical ? img.cols : img.rows;
  const double radius = rng.uniform(0.011, 0.016) * std::min(img.cols, img.rows) * 1.3;
  const double inset = rng.uniform(0.025, 0.05) * across;
  const int count = static_cast<int>(rng.integer(2, 4));
  const double spacing = length * rng.uniform(0.2, 0.3), start = length / 2 - spacing * (count - 1) / 2;
  const bool dark = rng.chance(0.6);
  const double level = dark ? rng.uniform(0.0, 0.25) : 1.0;
  for (int i = 0; i < count; ++i) {
    const double along = start + i * spacing, off = side < 2 ? inset : across - inset;
    const cv::Point2f c = vertical ? cv::Point2f(static_cast<float>(off), static_cast<float>(along))
                                   : cv::Point2f(static_cast<float>(along), static_cast<float>(off));
    const int r = static_cast<int>(std::ceil(radius)) + 2;
    const cv::Rect box = cv::Rect(cvRound(c.x) - r, cvRound(c.y) - r, 2 * r + 1, 2 * r + 1) & cv::Rect(0, 0, img.cols, img.rows);
    if (box.empty() || cv::countNonZero(core(box)) > 0) continue;
    if (!dark) cv::circle(img, c, static_cast<int>(radius + 1), cv::Scalar(0.55), 1, cv::LINE_AA);  // the hole's shadowed rim
    cv::circle(img, c, static_cast<int>(radius), cv::Scalar(level), cv::FILLED, cv::LINE_AA);
  }
}

// A fold across the page: a thin dark crease with a light ridge beside it and shading falling off
// to one side, as the paper bends away from the glass.
void crease(cv::Mat& img, Rng& rng) {
  const bool horizontal = rng.chance(0.6);
  const double angle = (horizontal ? 0.0 : M_PI / 2) + deg(rng.uniform(-3, 3));
  const double nx = -std::sin(angle), ny = std::cos(angle);  // normal of the crease
  const double where = rng.uniform(0.3, 0.7) * (horizontal ? img.rows : img.cols);
  const double offset = horizontal ? where * ny + img.cols / 2.0 * nx : where * nx + img.rows / 2.0 * ny;
  const double dark = rng.uniform(0.1, 0.45), width = rng.uniform(0.8, 2.5);
  const double shade = rng.uniform(0.0, 0.2), falloff = rng.uniform(15, 80), side = rng.chance(0.5) ? 1 : -1;
  // Profile by signed distance, tabulated at 1/4 px: a loop with exp() per pixel would dominate.
  const int reach = static_cast<int>(falloff * 4 + 20);
  std::vector<float> profile(static_cast<size_t>(2 * reach * 4 + 1));
  for (size_t i = 0; i < profile.size(); ++i) {
    const double d = (static_cast<int>(i) - reach * 4) / 4.0;
    double v = 1.0 - dark * std::exp(-d * d / (2 * width * width)) + 0.06 * std::exp(-(d - side * 2.5 * width) * (d - side * 2.5 * width) / (2 * width * width));
    if (d * side > 0) v *= 1.0 - shade * std::exp(-d * side / falloff);
    profile[i] = static_cast<float>(v);
  }
  for (int y = 0; y < img.rows; ++y) {
    float* r = img.ptr<float>(y);
    for (int x = 0; x < img.cols; ++x) {
      const int i = static_cast<int>(std::lround((x * nx + y * ny - offset) * 4)) + reach * 4;
      if (i >= 0 && i < static_cast<int>(profile.size())) r[x] *= profile[static_cast<size_t>(i)];
    }
  }
}

// Random dark specks (and a few white ones in ink) on a binarised page.
void speckle(cv::Mat& bin8, double density, double max_radius, Rng& rng) {
  const int count = static_cast<int>(density * bin8.total());
  for (int i = 0; i < count; ++i) {
    const cv::Point c(static_cast<int>(rng.integer(0, bin8.cols - 1)), static_cast<int>(rng.integer(0, bin8.rows - 1)));
    const int r = static_cast<int>(rng.uniform(0, max_radius));
    cv::circle(bin8, c, r, cv::Scalar(rng.chance(0.85) ? 0 : 255), cv::FILLED);
  }
}

// ---- Backgrounds around a photographed page -------------------------------------------------

cv::Mat wood(cv::Size size, Rng& rng) {
  const double base = rng.uniform(0.2, 0.6), contrast = rng.uniform(0.06, 0.2);
  const double angle = rng.uniform(0, M_PI), period = rng.uniform(6, 30);
  cv::Mat warp = smooth_noise(size, rng.uniform(40, 200), rng) * rng.uniform(2, 8);
  cv::Mat grain = smooth_noise(size, rng.uniform(2, 5), rng);
  const double k = 2 * M_PI / period, c = std::cos(angle) * k, s = std::sin(angle) * k;
  // sin() per pixel through a table: the board is millions of pixels.
  std::array<float, 1024> sine;
  for (size_t i = 0; i < sine.size(); ++i) sine[i] = static_cast<float>(std::sin(2 * M_PI * i / sine.size()));
  const float fs = static_cast<float>(s), turns = static_cast<float>(1 / (2 * M_PI));
  const float fb = static_cast<float>(base), fc = static_cast<float>(contrast);
  cv::Mat out(size, CV_32F);
  for (int y = 0; y < size.height; ++y) {
    const float* w = warp.ptr<float>(y);
    const float* g = grain.ptr<float>(y);
    float* o = out.ptr<float>(y);
    const float row = static_cast<float>(-y * c);
    for (int x = 0; x < size.width; ++x) {
      const float phase = (x * fs + row + w[x]) * turns;
      const int i = static_cast<int>(phase * 1024 + 1024 * 4096) & 1023;
      o[x] = fb * (1 + fc * sine[static_cast<size_t>(i)] + 0.04f * g[x]);
    }
  }
  return out;
}

cv::Mat fabric(cv::Size size, Rng& rng) {
  const double base = rng.uniform(0.15, 0.7), contrast = rng.uniform(0.05, 0.2), period = rng.uniform(2.5, 8);
  cv::Mat rows(size.height, 1, CV_32F), cols(1, size.width, CV_32F);
  for (int y = 0; y < size.height; ++y) rows.at<float>(y) = static_cast<float>(std::sin(2 * M_PI * y / period));
  for (int x = 0; x < size.width; ++x) cols.at<float>(x) = static_cast<float>(std::sin(2 * M_PI * x / period));
  cv::Mat weave = rows * cols;  // a plain weave: the product of two thread waves
  cv::Mat out = base * (1.0 + contrast * weave + 0.08 * smooth_noise(size, rng.uniform(20, 80), rng));
  return out;
}

cv::Mat plain_surface(cv::Size size, double level, double variation, Rng& rng) {
  cv::Mat out = level * (1.0 + variation * smooth_noise(size, rng.uniform(50, 300), rng));
  return out;
}

// Another sheet under the page: light paper with its own straight edge across the table.
cv::Mat other_paper(cv::Size size, Rng& rng) {
  cv::Mat out = plain_surface(size, rng.uniform(0.1, 0.4), 0.1, rng);
  const double level = rng.uniform(0.6, 0.95), angle = rng.uniform(0, 2 * M_PI);
  const double nx = std::cos(angle), ny = std::sin(angle);
  const double cut = (size.width * nx + size.height * ny) / 2 + rng.uniform(-0.3, 0.3) * std::hypot(size.width, size.height);
  for (int y = 0; y < size.height; ++y) {
    float* o = out.ptr<float>(y);
    for (int x = 0; x < size.width; ++x)
      if (x * nx + y * ny < cut) o[x] = static_cast<float>(level);
  }
  return out;
}

// Fingers holding the page: soft, skin-toned blobs centred on the page's outline. They lie under
// the page (only what is beside it shows), so they never hide print.
void hand(cv::Mat& bg, const std::vector<cv::Point2f>& outline, Rng& rng) {
  const cv::Point2f at = outline[static_cast<size_t>(rng.integer(0, static_cast<int64_t>(outline.size()) - 1))];
  const double tone = rng.uniform(0.4, 0.75), finger = rng.uniform(0.015, 0.03) * (bg.cols + bg.rows);
  const double angle = rng.uniform(0, 180);
  const int fingers = static_cast<int>(rng.integer(1, 4));
  cv::Mat mask = cv::Mat::zeros(bg.size(), CV_32F);
  for (int i = 0; i < fingers; ++i) {
    const cv::Point2f c = at + cv::Point2f(static_cast<float>(std::cos(deg(angle + 90)) * finger * 1.1 * i),
                                           static_cast<float>(std::sin(deg(angle + 90)) * finger * 1.1 * i));
    cv::ellipse(mask, c, cv::Size(static_cast<int>(finger * rng.uniform(2.5, 4)), static_cast<int>(finger / 2)), angle, 0, 360,
                cv::Scalar(1.0), cv::FILLED, cv::LINE_AA);
  }
  blur(mask, 2.0);  // soft edges; the skin itself is smooth
  cv::Mat skin = tone * (1.0 + 0.1 * smooth_noise(bg.size(), finger, rng));
  bg = bg.mul(1.0 - mask) + skin.mul(mask);
}

cv::Mat photo_background(cv::Size size, const std::vector<cv::Point2f>& outline, Rng& rng) {
  const double u = rng.uniform();
  cv::Mat bg = u < 0.3 ? wood(size, rng)
               : u < 0.5 ? fabric(size, rng)
               : u < 0.75 ? plain_surface(size, rng.uniform(0.02, 0.25), 0.15, rng)
                          : other_paper(size, rng);
  if (rng.chance(0.2)) hand(bg, outline, rng);
  return bg;
}

// ---- Captures -------------------------------------------------------------------------------

void capture_scan(SyntheticPage& page, Rng& rng) {
  const double xh = page_x_height(page);
  cv::Mat cov = coverage_of(page.image);
  const double paper = rng.chance(0.7) ? rng.uniform(0.88, 1.0) : rng.uniform(0.72, 0.9);
  const double ink = rng.uniform(0.0, 0.25);
  cv::Mat img = print_on_paper(cov, paper, ink, rng.uniform(0, 0.03), rng.uniform(0, 0.04), xh, rng);
  if (rng.chance(0.3)) bleed_through(img, cov, xh, rng);
  if (rng.chance(0.2)) stamps(img, xh, rng);
  if (rng.chance(0.12)) punch_holes(img, page.core, rng);
  if (rng.chance(0.15)) crease(img, rng);

  // Skew and the scanner's window: borders where the glass shows past the page, or the page cut.
  const double angle = deg(rng.chance(0.08) ? rng.uniform(-10, 10) : rng.uniform(-4, 4) * rng.uniform());
  std::array<int, 4> border{};  // left, top, right, bottom
  const int w = page.image.cols, h = page.image.rows;
  if (rng.chance(0.7)) {
    const int sides = static_cast<int>(rng.integer(1, 4));
    for (int i = 0; i < sides; ++i) {
      const int side = static_cast<int>(rng.integer(0, 3));
      border[static_cast<size_t>(side)] = static_cast<int>(rng.uniform(0.005, 0.06) * (side % 2 ? h : w));
    }
  }
  if (rng.chance(0.15)) {
    const int side = static_cast<int>(rng.integer(0, 3));
    border[static_cast<size_t>(side)] = -static_cast<int>(rng.uniform(0.0, 0.03) * (side % 2 ? h : w));
  }
  const cv::Size out(w + border[0] + border[2], h + border[1] + border[3]);
  if (angle != 0 || border != std::array<int, 4>{}) {
    const double glass = rng.chance(0.6) ? rng.uniform(0.0, 0.15) : rng.uniform(0.3, 0.75);
    cv::Mat bg = plain_surface(out, glass, 0.1, rng);
    apply_warp(page, img, affine_warp(page.image.size(), out, angle, 1, 1, border[0], border[1]), bg);
  }

  blur(img, rng.uniform(0.2, 1.0) * xh / 16);
  add_noise(img, rng.uniform(0, 0.04), rng);
  cv::Mat out8 = to8u(img);
  if (rng.chance(0.25)) {
    if (rng.chance(0.4)) {
      cv::threshold(out8, out8, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    } else {
      cv::threshold(out8, out8, (ink + (paper - ink) * rng.uniform(0.35, 0.65)) * 255, 255, cv::THRESH_BINARY);
    }
    speckle(out8, rng.uniform(0, 2e-4), std::max(1.0, xh / 10), rng);
    if (rng.chance(0.1)) out8 = jpeg(out8, static_cast<int>(rng.integer(60, 95)));
  } else if (rng.chance(0.7)) {
    out8 = jpeg(out8, static_cast<int>(rng.integer(30, 95)));
  }
  page.image = out8;
}

void capture_fax(SyntheticPage& page, Rng& rng) {
  const double xh = page_x_height(page), target = rng.uniform(4.5, 8);
  const double f = std::min(1.0, target / xh);
  const bool standard = rng.chance(0.35);  // 204 x 98 dpi: half the rows, doubled by the viewer
  const double fx = f, fy = standard ? f / 2 : f;
  const int header = rng.chance(0.4) ? static_cast<int>(std::lround(rng.uniform(1.5, 2.5) * target * fy / f)) : 0;
  const double angle = rng.chance(0.7) ? deg(rng.uniform(-1.5, 1.5)) : 0.0;

  cv::Mat img = to_float(page.image);
  // Low-pass before the one warp, as the fax's optics do: no aliasing at a third of the size.
  if (fx < 0.9) cv::GaussianBlur(img, img, cv::Size(), 0.45 / fx, 0.45 / fy);
  const cv::Size out(std::max(8, static_cast<int>(std::lround(page.image.cols * fx))),
                     std::max(8, static_cast<int>(std::lround(page.image.rows * fy))) + header);
  apply_warp(page, img, affine_warp(page.image.size(), out, angle, fx, fy, 0, header), cv::Mat());

  // Hard binarisation: a low threshold breaks thin strokes, a high one spreads the ink; uneven
  // toner and sensor gain make it vary over the page.
  cv::Mat field = smooth_noise(img.size(), rng.uniform(2, 8), rng) * rng.uniform(0, 0.12);
  img += field;
  add_noise(img, rng.uniform(0, 0.08), rng);
  if (rng.chance(0.3)) {  // dropouts inside strokes
    cv::Mat holes = smooth_noise(img.size(), rng.uniform(0.8, 1.5), rng);
    cv::Mat lift = cv::max(holes - rng.uniform(1.2, 2.0), 0.0);
    img += lift;
  }
  cv::Mat bin;
  cv::threshold(img, bin, rng.uniform(0.35, 0.75), 1.0, cv::THRESH_BINARY);
  cv::Mat out8 = to8u(bin);

  // The scan bar's streaks: dirt on the glass (dark) or a dead sensor (white), full height or
  // long runs; transmission errors smear a few rows.
  const int streaks = rng.chance(0.3) ? static_cast<int>(rng.integer(1, 3)) : 0;
  for (int i = 0; i < streaks; ++i) {
    const int x = static_cast<int>(rng.integer(0, out8.cols - 1)), y0 = rng.chance(0.6) ? 0 : static_cast<int>(rng.integer(0, out8.rows / 2));
    const bool dark = rng.chance(0.7);
    cv::rectangle(out8, cv::Rect(x, y0, static_cast<int>(rng.integer(1, 2)), out8.rows - y0), cv::Scalar(dark ? 0 : 255), cv::FILLED);
  }
  if (rng.chance(0.2)) {
    const int y = static_cast<int>(rng.integer(0, out8.rows - 3)), rows = static_cast<int>(rng.integer(1, 3));
    cv::Mat band = out8(cv::Rect(0, y, out8.cols, rows));
    cv::Mat noise(band.size(), CV_8U);
    cv::RNG local(rng.next_u64());
    local.fill(noise, cv::RNG::UNIFORM, 0, 256);
    cv::threshold(noise, noise, rng.uniform(100, 230), 255, cv::THRESH_BINARY);
    cv::bitwise_and(band, noise, band);
  }
  speckle(out8, rng.uniform(0, 6e-4), 1.2, rng);
  // The header line's noise: dashes and a rule in the added rows, above the page's own print.
  if (header > 0) {
    const int mid = header / 2;
    for (int x = static_cast<int>(rng.integer(2, 20)); x < out8.cols - 4;) {
      const int len = static_cast<int>(rng.integer(1, 6)), gap = static_cast<int>(rng.integer(1, 8));
      cv::rectangle(out8, cv::Rect(x, std::max(0, mid - 1), len, std::max(1, std::min(2, header - 1))), cv::Scalar(0), cv::FILLED);
      x += len + gap + (rng.chance(0.1) ? static_cast<int>(rng.integer(10, 60)) : 0);
    }
    if (rng.chance(0.5)) cv::line(out8, cv::Point(0, header - 1), cv::Point(out8.cols - 1, header - 1), cv::Scalar(0));
  }
  page.image = out8;
  if (standard) resize_page(page, 1, 2, cv::INTER_NEAREST);
  if (f < 0.75 && rng.chance(0.5)) {  // a viewer's zoom back towards the sent size
    const double s = rng.uniform(1.3, std::min(3.0, 1 / f));
    resize_page(page, s, s, rng.chance(0.5) ? cv::INTER_NEAREST : cv::INTER_LINEAR);
  }
  if (rng.chance(0.15)) page.image = jpeg(page.image, static_cast<int>(rng.integer(40, 90)));
}

// A bend of the sheet seen from above: rows shift and fan out along x, and part of the page
// rolls away around a cylinder (foreshortened in x). Both directions are exact: the x part
// depends on x only, the y part is linear in y.
struct Curl {
  double x0 = 0, radius = 1e9, side = 0;  // cylinder from x0 towards side (+1 right, -1 left, 0 none)
  double wave_amp = 0, wave_k = 0, wave_phase = 0;
  double lift = 0, spread = 0;  // vertical shift and fan of the rolled part, per unit (1 - cos θ)
  double yc = 0;

  double theta(double x) const { return side == 0 ? 0 : std::max(0.0, (x - x0) * side) / radius; }
  double gx(double x) const {
    const double t = theta(x);
    return t > 0 ? x0 + side * radius * std::sin(t) : x;
  }
  double gx_inverse(double x) const {
    if (side == 0 || (x - x0) * side <= 0) return x;
    const double s = (x - x0) * side / radius;
    return s >= 1 ? x0 + side * 1e6 : x0 + side * radius * std::asin(s);
  }
  double shift(double x) const {
    const double t = theta(x);
    return wave_amp * std::sin(wave_k * x + wave_phase) + lift * radius * (1 - std::cos(t));
  }
  double fan(double x) const { return spread * (1 - std::cos(theta(x))); }
  cv::Point2f forward(cv::Point2f p) const {
    return cv::Point2f(static_cast<float>(gx(p.x)), static_cast<float>(yc + (p.y - yc) * (1 + fan(p.x)) + shift(p.x)));
  }
};

void capture_photo(SyntheticPage& page, Rng& rng) {
  const double xh = page_x_height(page);
  const int w = page.image.cols, h = page.image.rows;
  cv::Mat cov = coverage_of(page.image);
  if (page.kind.find("receipt") != std::string::npos && rng.chance(0.5)) fade_thermal(cov, xh, rng);
  // Grey or tinted paper under room light: often little contrast.
  const double paper = rng.uniform(0.55, 0.97), ink = rng.uniform(0.02, std::max(0.05, paper - 0.3));
  cv::Mat img = print_on_paper(cov, paper, ink, rng.uniform(0, 0.02), 0, xh, rng);

  // The page as a quadrilateral on the photo, with the surface showing around it (or the page
  // cut by the frame).
  auto margin = [&] { return rng.chance(0.12) ? -rng.uniform(0, 0.05) : rng.uniform(0, 0.25); };
  const double ml = margin(), mr = margin(), mt = margin(), mb = margin();
  // The camera frames page and surface at its own resolution: the wider the frame, the smaller
  // the page in it (down to 0.8).
  const double scale = std::clamp(1 / std::sqrt((1 + ml + mr) * (1 + mt + mb)), 0.8, 1.0);
  const cv::Size out(std::max(w / 2, static_cast<int>(std::lround(w * scale * (1 + ml + mr)))),
                     std::max(h / 2, static_cast<int>(std::lround(h * scale * (1 + mt + mb)))));
  const double strength = rng.uniform(0, 1) * rng.uniform(0.3, 1);
  const std::array<cv::Point2f, 4> src = {cv::Point2f(-0.5f, -0.5f), cv::Point2f(w - 0.5f, -0.5f), cv::Point2f(w - 0.5f, h - 0.5f),
                                          cv::Point2f(-0.5f, h - 0.5f)};
  std::array<cv::Point2f, 4> dst;
  for (size_t i = 0; i < 4; ++i)
    dst[i] = (src[i] + cv::Point2f(static_cast<float>(ml * w + rng.uniform(-0.15, 0.15) * w * strength),
                                   static_cast<float>(mt * h + rng.uniform(-0.15, 0.15) * h * strength))) *
             static_cast<float>(scale);
  const cv::Matx33d hom = cv::getPerspectiveTransform(src.data(), dst.data()), inv = hom.inv();

  Curl curl;
  curl.yc = h / 2.0;
  if (rng.chance(0.6)) {
    if (rng.chance(0.6)) {
      curl.side = rng.chance(0.5) ? 1 : -1;
      curl.x0 = curl.side > 0 ? rng.uniform(0.4, 0.85) * w : rng.uniform(0.15, 0.6) * w;
      const double span = curl.side > 0 ? w - curl.x0 : curl.x0;
      curl.radius = span / rng.uniform(0.3, 1.0);
      curl.lift = rng.uniform(-0.15, 0.15);
      curl.spread = rng.uniform(-0.1, 0.1);
    }
    curl.wave_amp = rng.uniform(0, 0.6) * xh;
    curl.wave_k = 2 * M_PI / (rng.uniform(0.4, 2.0) * w);
    curl.wave_phase = rng.uniform(0, 2 * M_PI);
  }
  const bool curled = curl.side != 0 || curl.wave_amp > 0;
  // The curl's y terms depend on the source x only: tabulated at 1/2 px, so the map needs no
  // sin/cos per pixel.
  const int table_n = 2 * w + 8;
  std::vector<float> shift_t(static_cast<size_t>(table_n)), fan_t(static_cast<size_t>(table_n));
  for (int i = 0; i < table_n; ++i) {
    const double x = (i - 4) / 2.0;
    shift_t[static_cast<size_t>(i)] = static_cast<float>(curl.shift(x));
    fan_t[static_cast<size_t>(i)] = static_cast<float>(curl.fan(x));
  }
  auto forward = [curl, hom](cv::Point2f p) {
    const cv::Point2f c = curl.forward(p);
    const cv::Vec3d q = hom * cv::Vec3d(c.x, c.y, 1.0);
    return cv::Point2f(static_cast<float>(q[0] / q[2]), static_cast<float>(q[1] / q[2]));
  };
  auto inverse = [&](float x, float y) {
    const double z = inv(2, 0) * x + inv(2, 1) * y + inv(2, 2);
    const double rx = (inv(0, 0) * x + inv(0, 1) * y + inv(0, 2)) / z, ry = (inv(1, 0) * x + inv(1, 1) * y + inv(1, 2)) / z;
    if (!curled) return cv::Point2f(static_cast<float>(rx), static_cast<float>(ry));
    const double sx = curl.gx_inverse(rx);
    const double t = std::clamp(sx * 2 + 4, 0.0, table_n - 1.001);
    const int i = static_cast<int>(t);
    const double a = t - i, sh = shift_t[static_cast<size_t>(i)] * (1 - a) + shift_t[static_cast<size_t>(i) + 1] * a;
    const double fa = fan_t[static_cast<size_t>(i)] * (1 - a) + fan_t[static_cast<size_t>(i) + 1] * a;
    return cv::Point2f(static_cast<float>(sx), static_cast<float>(curl.yc + (ry - curl.yc - sh) / (1 + fa)));
  };
  Warp warp = make_warp(out, page.image.size(), inverse, forward, !curled);
  std::vector<cv::Point2f> outline;
  for (const auto& p : densify(std::vector<cv::Point2f>(src.begin(), src.end()), true, 0.05f * std::min(w, h))) outline.push_back(forward(p));
  cv::Mat bg = photo_background(out, outline, rng);
  apply_warp(page, img, warp, bg);

  // Uneven light: a gradient across the photo, broad patches and sometimes a soft shadow (the
  // phone, a hand, a head), all smooth, so built at 1/8 of the resolution and interpolated up.
  constexpr int kCoarse = 8;
  const cv::Size coarse(out.width / kCoarse + 2, out.height / kCoarse + 2);
  const double g = rng.uniform(0, 0.4), ga = rng.uniform(0, 2 * M_PI), diag = std::hypot(coarse.width, coarse.height);
  const double gcx = coarse.width / 2.0, gcy = coarse.height / 2.0, gc = std::cos(ga) * g / diag, gs = std::sin(ga) * g / diag;
  cv::Mat light = smooth_noise(coarse, rng.uniform(0.2, 0.5) * std::min(coarse.width, coarse.height), rng) * rng.uniform(0, 0.08);
  for (int y = 0; y < coarse.height; ++y)
    for (int x = 0; x < coarse.width; ++x) light.at<float>(y, x) += static_cast<float>(1 + (x - gcx) * gc + (y - gcy) * gs);
  if (rng.chance(0.4)) {
    const double dark = rng.uniform(0.45, 0.85), soft = rng.uniform(0.01, 0.06) * diag;
    cv::Mat shadow(coarse, CV_32F, cv::Scalar(1.0));
    if (rng.chance(0.5)) {  // the edge of a half-plane
      const double a = rng.uniform(0, 2 * M_PI), cx = rng.uniform(0.2, 0.8) * shadow.cols, cy = rng.uniform(0.2, 0.8) * shadow.rows;
      for (int y = 0; y < shadow.rows; ++y)
        for (int x = 0; x < shadow.cols; ++x)
          if ((x - cx) * std::cos(a) + (y - cy) * std::sin(a) > 0) shadow.at<float>(y, x) = static_cast<float>(dark);
    } else {  // a blob
      cv::ellipse(shadow, cv::Point(static_cast<int>(rng.uniform(0, shadow.cols)), static_cast<int>(rng.uniform(0, shadow.rows))),
                  cv::Size(static_cast<int>(rng.uniform(0.1, 0.4) * shadow.cols), static_cast<int>(rng.uniform(0.1, 0.4) * shadow.rows)),
                  rng.uniform(0, 180), 0, 360, cv::Scalar(dark), cv::FILLED);
    }
    blur(shadow, soft);
    light = light.mul(shadow);
  }
  cv::resize(light, light, cv::Size(coarse.width * kCoarse, coarse.height * kCoarse), 0, 0, cv::INTER_LINEAR);
  light = light(cv::Rect(0, 0, out.width, out.height));
  img = img.mul(light);
  // Optics and sensor: defocus, sometimes a hand that moved, noise.
  blur(img, std::min(0.2 * xh, rng.uniform(0.3, 1.8) * xh / 16));
  if (rng.chance(0.25)) motion_blur(img, rng.uniform(1.5, std::max(2.0, 0.25 * xh)), rng.uniform(0, M_PI));
  add_noise(img, rng.uniform(0.005, 0.05), rng);
  page.image = to8u(img);
  if (rng.chance(0.9)) page.image = jpeg(page.image, static_cast<int>(rng.integer(25, 80)));
}

void capture_screen(SyntheticPage& page, Rng& rng) {
  if (rng.chance(0.4)) {
    const double s = rng.chance(0.5) ? rng.uniform(0.7, 1.0) : rng.uniform(1.0, 1.6);
    resize_page(page, s, s, s < 1 ? cv::INTER_AREA : rng.chance(0.5) ? cv::INTER_LINEAR : cv::INTER_CUBIC);
  }
  if (rng.chance(0.4)) page.image = jpeg(page.image, static_cast<int>(rng.integer(50, 95)));
}

void append_kind(SyntheticPage& page, const std::string& suffix) {
  if (page.kind.size() < suffix.size() || page.kind.compare(page.kind.size() - suffix.size(), suffix.size(), suffix) != 0)
    page.kind += suffix;
}

// A line's outline in whole pixels.
std::vector<cv::Point> outline_of(const std::vector<cv::Point2f>& polygon) {
  std::vector<cv::Point> outline;
  for (const cv::Point2f& p : polygon) outline.emplace_back(int(std::lround(p.x)), int(std::lround(p.y)));
  return outline;
}

// How much of a line's outline is ink (pixels well away from the outline's median, whichever the
// polarity: text covers far less than half an outline), and the share of its rows
// and of its columns that ink reaches (a fax's streak crosses a blank line in a column or two, an
// underline in a row or two; letters reach across both).
struct LineInk {
  double pixels = 0, rows = 0, columns = 0;
  bool measured = false;
};

LineInk line_ink(const cv::Mat& image, const std::vector<cv::Point2f>& polygon) {
  constexpr int kContrast = 16;
  LineInk out;
  const std::vector<cv::Point> outline = outline_of(polygon);
  const cv::Rect box = outline.empty() ? cv::Rect() : cv::boundingRect(outline) & cv::Rect(0, 0, image.cols, image.rows);
  if (box.area() < 16) return out;
  cv::Mat mask = cv::Mat::zeros(box.size(), CV_8UC1);
  std::vector<cv::Point> local;
  for (const cv::Point& p : outline) local.push_back(p - box.tl());
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{local}, cv::Scalar(255));
  std::array<int, 256> hist{};
  int n = 0;
  for (int y = 0; y < box.height; ++y) {
    const uint8_t* m = mask.ptr<uint8_t>(y);
    const uint8_t* v = image.ptr<uint8_t>(box.y + y) + box.x;
    for (int x = 0; x < box.width; ++x)
      if (m[x]) ++hist[v[x]], ++n;
  }
  if (n == 0) return out;
  int median = 0;
  for (int seen = 0; median < 255 && (seen += hist[size_t(median)]) * 2 < n;) ++median;
  // Half the line's own contrast (its median against the 1st or 99th percentile, whichever lies
  // farther), 16 levels at least: stroke cores, not an antialiased halo, nor noise on blank paper.
  int p01 = 0, p99 = 255;
  for (int seen = 0; p01 < 255 && (seen += hist[size_t(p01)]) * 100 < n;) ++p01;
  for (int seen = 0; p99 > 0 && (seen += hist[size_t(p99)]) * 100 < n;) --p99;
  const int contrast = std::max({kContrast, (median - p01) / 2, (p99 - median) / 2});
  int ink = 0;
  std::vector<char> ink_row(size_t(box.height), 0), ink_col(size_t(box.width), 0);
  for (int y = 0; y < box.height; ++y) {
    const uint8_t* m = mask.ptr<uint8_t>(y);
    const uint8_t* v = image.ptr<uint8_t>(box.y + y) + box.x;
    for (int x = 0; x < box.width; ++x)
      if (m[x] && std::abs(int(v[x]) - median) >= contrast) ++ink, ink_row[size_t(y)] = 1, ink_col[size_t(x)] = 1;
  }
  out.pixels = double(ink) / n;
  out.rows = double(std::count(ink_row.begin(), ink_row.end(), 1)) / box.height;
  out.columns = double(std::count(ink_col.begin(), ink_col.end(), 1)) / box.width;
  out.measured = true;
  return out;
}

}  // namespace

void measure_clean_ink(SyntheticPage& page) {
  for (PageLine& line : page.lines) {
    const LineInk ink = line_ink(page.image, line.polygon);
    line.clean_ink = ink.measured ? float(ink.pixels) : -1.0f;
  }
}

size_t drop_vanished_lines(SyntheticPage& page) {
  // A binarisation at a threshold darker than grey text, or a hard fax threshold, leaves a blank
  // outline or scattered remnants of strokes: a detector taught to mark them learns to mark paper
  // and specks, and a bench scores text no one can read.
  constexpr double kKept = 0.2, kMinRows = 0.2, kMinColumns = 0.1;
  std::vector<PageLine> kept;
  size_t dropped = 0;
  for (PageLine& line : page.lines) {
    const LineInk ink = line_ink(page.image, line.polygon);
    const double had = line.clean_ink > 0 ? line.clean_ink : 0.0;
    if (!ink.measured || (ink.pixels >= kKept * had && ink.pixels > 0 && ink.rows >= kMinRows && ink.columns >= kMinColumns)) {
      kept.push_back(std::move(line));
      continue;
    }
    cv::fillPoly(page.core, std::vector<std::vector<cv::Point>>{outline_of(line.polygon)}, cv::Scalar(0));
    ++dropped;
  }
  page.lines = std::move(kept);
  return dropped;
}

void capture_page(SyntheticPage& page, PageCapture capture, Rng& rng) {
  if (page.image.empty() || page.image.type() != CV_8UC1)
    throw ShapeError("capture_page: the page image must be a non-empty CV_8UC1 grey image");
  if (page.core.size() != page.image.size() || page.core.type() != CV_8UC1)
    throw ShapeError("capture_page: the core mask must be CV_8UC1 and the size of the page image");
  measure_clean_ink(page);
  switch (capture) {
    case PageCapture::Clean:
      break;
    case PageCapture::Scan:
      capture_scan(page, rng);
      break;
    case PageCapture::Fax:
      capture_fax(page, rng);
      append_kind(page, "+fax");
      break;
    case PageCapture::Photo:
      capture_photo(page, rng);
      append_kind(page, "+photo");
      break;
    case PageCapture::Screen:
      capture_screen(page, rng);
      break;
  }
  drop_vanished_lines(page);
}

PageCapture parse_capture(const std::string& name) {
  for (PageCapture c : {PageCapture::Clean, PageCapture::Scan, PageCapture::Fax, PageCapture::Photo, PageCapture::Screen})
    if (name == capture_name(c)) return c;
  throw FormatError("unknown page capture '" + name + "' (expected clean, scan, fax, photo or screen)");
}

const char* capture_name(PageCapture capture) {
  switch (capture) {
    case PageCapture::Clean: return "clean";
    case PageCapture::Scan: return "scan";
    case PageCapture::Fax: return "fax";
    case PageCapture::Photo: return "photo";
    case PageCapture::Screen: return "screen";
  }
  return "clean";
}

}  // namespace ocr::synth
