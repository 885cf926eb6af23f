#include "ocr/preprocess/scene.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace ocr {

namespace {

// Rows looked at: a page of more pixels than this is read in bands of kBand rows spread over it.
constexpr double kMaxPixels = 0.6e6;
constexpr int kBand = 24;

// The shared histogram's counts added to a double one (level_at's).
void add_to_histogram(const cv::Mat& g, double (&hist)[256]) {
  int64_t counts[256] = {};
  ocr::add_to_histogram(g, counts);
  for (int v = 0; v < 256; ++v) hist[v] += double(counts[v]);
}

int level_at(const double (&hist)[256], double total, double q) {
  double acc = 0;
  for (int v = 0; v < 256; ++v)
    if ((acc += hist[v]) > q * total) return v;
  return 255;
}

}  // namespace

const char* scene_name(Scene s) {
  switch (s) {
    case Scene::Scan: return "scan";
    case Scene::Fax: return "fax";
    case Scene::Receipt: return "receipt";
    case Scene::Photo: return "photo";
    case Scene::Screen: return "screen";
  }
  return "?";
}

ColourSample sample_colours(const cv::Mat& image) {
  ColourSample c;
  // Colour is counted on 3-channel pages only, as measure_scene counts it.
  if (image.empty() || image.depth() != CV_8U || image.channels() != 3) return c;
  const double pixels = double(image.total());
  c.stride = std::max(1, int(std::ceil(std::sqrt(pixels / kColourSamplePixels))));
  const cv::Mat& bgr = image;
  if (c.stride == 1) {
    c.bgr = bgr;
    return c;
  }
  c.bgr.create((image.rows + c.stride - 1) / c.stride, (image.cols + c.stride - 1) / c.stride, CV_8UC3);
  for (int y = 0; y < c.bgr.rows; ++y) {
    const cv::Vec3b* in = bgr.ptr<cv::Vec3b>(y * c.stride);
    cv::Vec3b* out = c.bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < c.bgr.cols; ++x) out[x] = in[x * c.stride];
  }
  return c;
}

namespace {

// Pixels whose channels differ by more than 32 levels, in r (image coordinates) of the sample.
double colourful_pixels(const ColourSample& colours, const cv::Rect& r, double* looked_at) {
  const int s = colours.stride;
  const int y0 = (r.y + s - 1) / s, y1 = std::min(colours.bgr.rows, (r.y + r.height + s - 1) / s);
  const int x0 = (r.x + s - 1) / s, x1 = std::min(colours.bgr.cols, (r.x + r.width + s - 1) / s);
  double n = 0;
  for (int y = y0; y < y1; ++y) {
    const uint8_t* p = colours.bgr.ptr<uint8_t>(y) + 3 * x0;
    for (int x = x0; x < x1; ++x, p += 3) n += std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]}) > 32;
  }
  *looked_at += double(std::max(0, y1 - y0)) * std::max(0, x1 - x0);
  return n;
}

}  // namespace

SceneStats measure_scene(const cv::Mat& image, const PreprocessedPage& pre, const ColourSample* colours) {
  SceneStats s;
  // Decoded pages are 8-bit; anything else says nothing here and reads as a scan.
  if (image.empty() || image.depth() != CV_8U) return s;
  s.document = !pre.document.empty();
  const cv::Rect whole(0, 0, image.cols, image.rows);
  const cv::Rect full = s.document ? (pre.document & whole) : whole;
  s.aspect = full.width > 0 ? double(full.height) / full.width : 0;
  s.text_px = pre.text_height > 0 && pre.scale > 0 ? pre.text_height / pre.scale : 0;
  s.rows = image.rows;
  s.line_image = s.text_px > 0 ? image.rows < 6 * s.text_px : image.rows <= 120;

  // Inside the document when one was found; a page inside a tenth of margin on each side, where
  // a scanner's dark borders and lid shadow lie, while a camera's uneven light and grain cover
  // the middle too. A large one is looked at in bands of rows spread over it.
  cv::Rect area = full;
  if (!s.line_image) area = cv::Rect(full.x + full.width / 10, full.y + full.height / 10,
                                     full.width - full.width / 5, full.height - full.height / 5);
  if (area.empty()) return s;
  std::vector<cv::Rect> bands;
  const double pixels = double(area.area());
  if (pixels <= kMaxPixels || area.height <= 2 * kBand) {
    bands.push_back(area);
  } else {
    const int n = std::max(1, int(kMaxPixels / (double(area.width) * kBand)));
    const double step = double(area.height - kBand) / n;
    for (int i = 0; i < n; ++i) bands.emplace_back(area.x, area.y + int(i * step), area.width, kBand);
  }

  double hist[256] = {0}, total = 0, colour = 0, colour_looked_at = 0;
  const bool sampled_colours = colours && !colours->bgr.empty() && image.channels() == 1;
  std::vector<cv::Mat> greys;
  for (const cv::Rect& b : bands) {
    cv::Mat g;
    if (sampled_colours) colour += colourful_pixels(*colours, b, &colour_looked_at);
    if (image.channels() == 3) {
      const cv::Mat c = image(b);
      for (int y = 0; y < c.rows; ++y) {
        const uint8_t* p = c.ptr<uint8_t>(y);
        for (int x = 0; x < c.cols; ++x, p += 3)
          colour += std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]}) > 32;
      }
      cv::cvtColor(c, g, cv::COLOR_BGR2GRAY);
    } else if (image.channels() == 4) {
      cv::cvtColor(image(b), g, cv::COLOR_BGRA2GRAY);
    } else {
      g = image(b);
    }
    add_to_histogram(g, hist);
    total += double(g.total());
    greys.push_back(g);
  }
  if (total <= 0) return s;
  s.colour = sampled_colours ? (colour_looked_at > 0 ? colour / colour_looked_at : 0) : colour / total;
  int first = 0;
  for (int v = 1; v < 256; ++v)
    if (hist[v] > hist[first]) first = v;
  int second = first == 0 ? 1 : 0;
  for (int v = 0; v < 256; ++v)
    if (v != first && hist[v] > hist[second]) second = v;
  // Light text on a flat dark fill (a dark-mode screen) is measured as its negative: paper,
  // ink and grain then mean what they mean for dark on light. Only a flat fill is turned: a
  // camera's dark table is never one exact level over a third of the image.
  if (first < 128 && hist[first] / total >= 0.3) {
    std::reverse(hist, hist + 256);
    for (cv::Mat& g : greys) g = 255 - g;
    first = 255 - first, second = 255 - second;
  }
  s.fill = first;
  s.top_level = hist[first] / total;
  s.two_levels = (hist[first] + hist[second]) / total;
  const int ink = level_at(hist, total, 0.01), bright = level_at(hist, total, 0.99);
  s.ink = ink;
  s.paper = level_at(hist, total, 0.90);
  {
    double near = 0;
    for (int v = 0; v < 256; ++v)
      if (v <= ink + 24 || v >= bright - 24) near += hist[v];
    s.near_two = near / total;
  }
  const double contrast = s.paper - s.ink;
  if (contrast < 16) return s;  // blank: no paper and ink to tell apart

  // Paper grain along rows: how far a paper pixel between two paper pixels lies from their mean.
  // In whole numbers (twice the distance; a level above the threshold is one above its floor),
  // branch-free so that the loop vectorises: the same sums as in halves.
  const int paperish = int(std::floor(s.paper - 0.25 * contrast));
  int64_t grain2 = 0, grain_n = 0;
  for (const cv::Mat& g : greys) {
    for (int y = 0; y < g.rows; ++y) {
      const uint8_t* p = g.ptr<uint8_t>(y);
      int32_t row_sum = 0, row_n = 0;  // a row is at most a few thousand pixels
      for (int x = 1; x + 1 < g.cols; ++x) {
        const int32_t a = p[x - 1], b = p[x], c = p[x + 1];
        const int32_t paper = (a > paperish) & (b > paperish) & (c > paperish);
        const int32_t d = 2 * b - a - c;
        row_sum += paper * (d < 0 ? -d : d);
        row_n += paper;
      }
      grain2 += row_sum;
      grain_n += row_n;
    }
  }
  s.noise = grain_n > 0 ? 0.5 * double(grain2) / double(grain_n) : 0;

  // Uneven light: the paper level (90th percentile) of a coarse grid of cells (a row of cells
  // per band of a sampled page), its range over the contrast.
  {
    double lo = 255, hi = 0;
    int cells = 0;
    for (const cv::Mat& g : greys) {
      const int cells_x = std::clamp(g.cols / 48, 1, 6), cells_y = std::clamp(g.rows / 48, 1, 6);
      for (int cy = 0; cy < cells_y; ++cy)
        for (int cx = 0; cx < cells_x; ++cx) {
          const cv::Rect r(cx * g.cols / cells_x, cy * g.rows / cells_y, g.cols / cells_x, g.rows / cells_y);
          double h[256] = {0};
          const cv::Mat c = g(r);
          add_to_histogram(c, h);
          const double level = level_at(h, double(c.total()), 0.9);
          lo = std::min(lo, level);
          hi = std::max(hi, level);
          ++cells;
        }
    }
    if (cells > 1) s.shading = (hi - lo) / contrast;
  }
  return s;
}

Scene classify_scene(const SceneStats& s) {
  // A median glyph of body text is about 0.075 in: under 14 px it was scanned below ~190 dpi, a
  // fax's resolution (98 or 196 dpi), not a book scanner's 300. A line crop too short for the
  // text height to be measured holds its glyphs in about 0.45 of its height.
  const double text = s.text_px > 0 ? s.text_px : s.line_image ? 0.45 * s.rows : 0;
  const bool small_text = text > 0 && text < 14;
  // Colour flat fills without grain are rendered pixels: paper under a lamp or a camera is never
  // one exact colour over a third of the image.
  if (s.colour >= 0.02 && s.top_level >= 0.3 && s.noise < 1.5) return Scene::Screen;
  // Bitonal: two exact levels, or pure black ink on pure white paper with little between (a
  // bitonal scan that was rescaled or compressed). Only a threshold gives both extremes; a fax
  // is bitonal at a low resolution.
  const bool bitonal = s.two_levels >= 0.97 || (s.ink <= 12 && s.paper >= 250 && s.near_two >= 0.7);
  if (bitonal) return small_text ? Scene::Fax : Scene::Scan;
  // Half a page at one exact grey level, a second flat fill (a panel, a bar, a button) or a fill
  // that is not white (a dark-mode background, measured as its negative), and no grain:
  // rendered pixels. A scan clipped to white has one flat level, white, its ink spread over many
  // (the shared form pages: 0.3-0.7 % of pixels at their second level); a line crop that flat
  // proves nothing (a receipt's white gaps are that flat too).
  const bool second_fill = s.two_levels - s.top_level >= 0.02, grey_fill = s.fill < 250;
  if (!s.line_image && s.top_level >= 0.5 && (second_fill || grey_fill) && s.noise < 2)
    return Scene::Screen;
  // A tall narrow strip of paper (the page, or the document cut out of a photo) is a receipt.
  if (s.aspect > 2.2 && (s.document || !s.line_image)) return Scene::Receipt;
  // A camera's signs: grey paper (exposure is set for the scene, a scanner's lamp makes paper
  // white), light falling unevenly, few pixels near the ink and paper levels (blur, low
  // contrast), a document found on a background. Light falls off across a photographed page by
  // a third of the contrast and more, while a scan's paper tone, bleed-through and stamps vary
  // less; along one line a scanner's paper is even (scanned receipt lines: 0.01 of the contrast
  // at the 99th percentile) where a phone's shows shadows.
  const double uneven = s.line_image ? 0.08 : 0.3;
  if (s.paper < 225 || s.shading >= uneven || s.near_two < 0.5 || s.document) return Scene::Photo;
  // Thermal print is grey, never toner-black, on white paper.
  if (s.ink >= 40 && s.paper >= 235) return Scene::Receipt;
  // Grey text that small was scanned at a fax's resolution too (a form at 100 dpi, a field
  // cropped from one), which the rough model was trained on.
  if (small_text) return Scene::Fax;
  return Scene::Scan;
}

}  // namespace ocr
