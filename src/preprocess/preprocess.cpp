#include "ocr/preprocess/preprocess.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/image/components.h"
#include "ocr/image/morphology.h"
#include "ocr/image/resample.h"

namespace ocr {

// Four histograms in turn: on paper, where neighbours share one value, a single one makes each
// increment wait for the last (a 10-Mpixel page took 21 ms; four are about 4x faster).
void add_to_histogram(const cv::Mat& gray, int64_t (&hist)[256]) {
  int64_t part[4][256] = {};
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* p = gray.ptr<uint8_t>(y);
    int x = 0;
    for (; x + 4 <= gray.cols; x += 4) {
      ++part[0][p[x]];
      ++part[1][p[x + 1]];
      ++part[2][p[x + 2]];
      ++part[3][p[x + 3]];
    }
    for (; x < gray.cols; ++x) ++part[0][p[x]];
  }
  for (int v = 0; v < 256; ++v) hist[v] += part[0][v] + part[1][v] + part[2][v] + part[3][v];
}


namespace {

// Working-image text height: large enough for clean line crops, small enough for fast layout.
constexpr double kDefaultTextHeight = 22;
constexpr double kMinTextHeight = 13;  // below this, upscale
constexpr double kMaxTextHeight = 48;  // above this, downscale
constexpr double kPi = 3.14159265358979323846;
constexpr double kMinSkewDrift = 3;  // px across the image, below which skew is left alone
constexpr double kUsualSkew = 15;    // degrees: scans and most photos; beyond, only on evidence
constexpr long kMinGlyphsForFarTilt = 40;  // glyph-sized marks: a few lines of print

cv::Mat affine3(const cv::Mat& m23) {
  cv::Mat m = cv::Mat::eye(3, 3, CV_64F);
  m23.copyTo(m.rowRange(0, 2));
  return m;
}

// Percentiles of an 8-bit image (each q in [0,1]) from one histogram pass.
std::vector<int> percentiles(const cv::Mat& gray, std::initializer_list<double> qs) {
  int64_t hist[256] = {};
  add_to_histogram(gray, hist);
  const int64_t total = static_cast<int64_t>(gray.total());
  std::vector<int> out;
  for (double q : qs) {
    int64_t target = static_cast<int64_t>(q * total), acc = 0;
    int v = 0;
    for (; v < 255; ++v) {
      acc += hist[v];
      if (acc > target) break;
    }
    out.push_back(v);
  }
  return out;
}

// Fills the cells of `level` under `unknown` from their known neighbours, a ring per step, each
// taking its brightest known neighbour: the nearest paper level, spread outwards.
void spread_into(cv::Mat& level, const cv::Mat& unknown) {
  cv::Mat known = ~unknown;
  level.setTo(0, unknown);
  for (int step = 0; step < level.cols + level.rows && cv::countNonZero(known) < int(known.total()); ++step) {
    cv::Mat grown, grown_known;
    cv::dilate(level, grown, cv::Mat());
    cv::dilate(known, grown_known, cv::Mat());
    const cv::Mat fresh = grown_known & ~known;
    if (cv::countNonZero(fresh) == 0) break;
    grown.copyTo(level, fresh);
    known |= fresh;
  }
}

}  // namespace

cv::Mat flatten_background(const cv::Mat& gray, const cv::Mat& ignore) {
  double f = std::min(1.0, 600.0 / std::max(gray.cols, gray.rows));
  cv::Mat small;
  area_resize(gray, small, f);
  cv::Mat ignored;  // cells of `small` touched by `ignore`
  if (!ignore.empty() && cv::countNonZero(ignore) > 0) {
    area_resize(ignore, ignored, small.size());
    ignored = ignored > 0;
    if (cv::countNonZero(ignored) == int(ignored.total())) ignored.release();
  }
  // The closing must be wider than strokes but narrow enough to follow lighting gradients. On a
  // line image of big print (a phone photo's crop) a twentieth of the image is narrower than a
  // stroke, which the closing would then take for paper, hollowing the letters out: three stroke
  // widths (2 · ink area / outline length, on Otsu's ink) at least.
  int k = std::max(7, (std::min(small.cols, small.rows) / 20) | 1);
  {
    cv::Mat ink;
    cv::threshold(small, ink, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
    cv::Mat inner;
    cv::erode(ink, inner, cv::Mat());
    const double area = cv::countNonZero(ink), outline = area - cv::countNonZero(inner);
    if (outline > 0) k = std::max(k, static_cast<int>(std::ceil(3 * 2 * area / outline)) | 1);
  }
  log::debug("flatten_background: closing of {} px at {}x{}", k, small.cols, small.rows);
  cv::Mat bg;
  if (ignored.empty()) {
    // OpenCV's own dilation by an ellipse grows with its area; a page whose dark surround passes
    // for thick strokes asks for one as wide as the page (359 px: a third of a second).
    dilate_ellipse(small, bg, k);
  } else {
    // The paint around a cut-out document is one bright level, brighter than its paper in shade:
    // taken into the closing, it made the paper near a shaded edge come out dark around its print
    // (a receipt's heading was then flipped as light-on-dark and read as garbage). The closing
    // takes the document's own pixels, and the cells beyond them its nearest level.
    cv::Mat own = small.clone();
    own.setTo(0, ignored);
    dilate_ellipse(own, bg, k);
    spread_into(bg, ignored);
  }
  cv::blur(bg, bg, {k, k});
  cv::resize(bg, bg, gray.size(), 0, 0, cv::INTER_LINEAR);
  cv::Mat out(gray.size(), CV_8UC1);
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* g = gray.ptr<uint8_t>(y);
    const uint8_t* b = bg.ptr<uint8_t>(y);
    uint8_t* o = out.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x)
      o[x] = static_cast<uint8_t>(std::min(255, g[x] * 255 / std::max<int>(b[x], 1)));
  }
  return out;
}

namespace {

cv::Mat stretch_contrast(const cv::Mat& gray) {
  const std::vector<int> p = percentiles(gray, {0.005, 0.99});
  const int lo = p[0], hi = p[1];
  if (hi - lo < 16) return gray;  // blank or nearly blank: nothing to stretch
  cv::Mat out;
  gray.convertTo(out, CV_8U, 255.0 / (hi - lo), -lo * 255.0 / (hi - lo));
  return out;
}

// Bounding boxes and areas of the ink components (Otsu), row 0 being the background: the speckle
// test and the text-height estimate both read them, so a page is labelled once for both.
// Labelled in bands (component_stats): a page's 32-bit labels were its largest buffer.
cv::Mat ink_component_stats(const cv::Mat& gray, cv::Mat* ink_out = nullptr) {
  const cv::Mat ink = binarize_otsu(gray);
  if (ink_out) *ink_out = ink;
  return component_stats(ink);
}

// Component `box` of `ink` (its bounding box, as in the page's stats) as a mask of the box: the
// box's own labelling holds it whole, as the one component filling the box with that area.
cv::Mat component_mask(const cv::Mat& ink, const cv::Rect& box, int area) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink(box), labels, stats, centroids, 8, CV_32S);
  for (int k = 1; k < n; ++k) {
    const int* s = stats.ptr<int>(k);
    if (s[cv::CC_STAT_LEFT] == 0 && s[cv::CC_STAT_TOP] == 0 && s[cv::CC_STAT_WIDTH] == box.width &&
        s[cv::CC_STAT_HEIGHT] == box.height && s[cv::CC_STAT_AREA] == area)
      return labels == k;
  }
  return cv::Mat::zeros(box.size(), CV_8UC1);
}

// Screenshots and forms put light text on dark panels (a dark-mode sidebar, a table header) of an
// otherwise dark-on-light page. Such a panel is one big, solid, rectangular Otsu ink component
// whose holes are text-shaped; inverting it (the component and its holes) gives the layout and the network dark
// text on light paper there too. Returns the boxes of the panels it inverted.
std::vector<cv::Rect> invert_dark_panels(cv::Mat& g, const cv::Mat& ink, const cv::Mat& stats) {
  std::vector<cv::Rect> inverted;
  for (int i = 1; i < stats.rows; ++i) {
    const cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                       stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    // Big and solid: glyphs, rules and frames are small, thin or hollow.
    if (box.height < 12 || box.width < 40 || area < 0.5 * box.area()) continue;
    if (box.width == g.cols && box.height == g.rows) continue;  // the whole image: inversion's job
    // The component plus what it encloses: its pixels, then the non-component pixels that the
    // box's border cannot reach.
    cv::Mat comp = component_mask(ink, box, area), outside;
    // A panel is a rectangle: its outline runs along the whole box (rounded corners aside). A bold
    // word whose letters touch, a blot, a logo touch their box at a few points only.
    const int edge = cv::countNonZero(comp.row(0)) + cv::countNonZero(comp.row(box.height - 1)) +
                     cv::countNonZero(comp.col(0)) + cv::countNonZero(comp.col(box.width - 1));
    if (edge < 0.8 * 2 * (box.width + box.height)) continue;
    cv::copyMakeBorder(~comp, outside, 1, 1, 1, 1, cv::BORDER_CONSTANT, 255);
    cv::floodFill(outside, cv::Point(0, 0), 0);
    cv::Mat holes = outside(cv::Rect(1, 1, box.width, box.height)).clone();
    // Text-shaped holes: at least three of a common height, not more than a few holes' worth of
    // the panel (a photo's highlights and a frame's interior are neither).
    cv::Mat hl, hs, hc;
    const int nh = cv::connectedComponentsWithStats(holes, hl, hs, hc, 8, CV_32S);
    std::vector<int> heights;
    long hole_area = 0;
    for (int j = 1; j < nh; ++j) {
      const int w = hs.at<int>(j, cv::CC_STAT_WIDTH), h = hs.at<int>(j, cv::CC_STAT_HEIGHT);
      hole_area += hs.at<int>(j, cv::CC_STAT_AREA);
      if (h >= 4 && h <= 0.8 * box.height && w <= 4 * h && hs.at<int>(j, cv::CC_STAT_AREA) >= 6) heights.push_back(h);
    }
    if (heights.size() < 3 || hole_area > 0.5 * box.area()) continue;
    std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
    const int median = heights[heights.size() / 2];
    const auto similar = std::count_if(heights.begin(), heights.end(), [&](int h) { return h >= 0.5 * median && h <= 2 * median; });
    if (similar < 3) continue;
    // Panel level to white, text level to black: the panel then reads as paper, not as a grey
    // block on white paper that a page-wide threshold would take for ink again.
    cv::Mat region = g(box);
    const double panel = cv::mean(region, comp)[0];
    const double text = cv::mean(region, holes & (region > (panel + 255) / 2))[0];
    if (text - panel < 40) continue;
    cv::Mat flipped;
    region.convertTo(flipped, CV_8U, -255.0 / (text - panel), 255.0 * text / (text - panel));
    flipped.copyTo(region, comp | holes);
    inverted.push_back(box);
  }
  return inverted;
}

bool is_speckled(const cv::Mat& stats) {
  const int n = stats.rows;
  int tiny = 0;
  for (int i = 1; i < n; ++i)
    if (stats.at<int>(i, cv::CC_STAT_AREA) <= 2) ++tiny;
  return n > 100 && tiny > 0.4 * (n - 1);
}

double text_height_from_stats(const cv::Mat& stats, int image_rows, size_t* glyphs = nullptr) {
  std::vector<int> hs;
  const int max_h = max_glyph_height(image_rows);
  for (int i = 1; i < stats.rows; ++i) {
    int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    int a = stats.at<int>(i, cv::CC_STAT_AREA);
    if (h >= 4 && h <= max_h && w <= 4 * h && w * 8 >= h && a >= 6) hs.push_back(h);
  }
  if (glyphs) *glyphs = hs.size();
  if (hs.size() < 3) return 0;
  std::nth_element(hs.begin(), hs.begin() + hs.size() / 2, hs.end());
  return hs[hs.size() / 2];
}

}  // namespace

cv::Mat find_document(const cv::Mat& gray, cv::Mat* outline_only) {
  if (outline_only) outline_only->release();
  if (gray.empty()) return {};
  auto reject = [](const std::string& why) {
    log::debug("find_document: none ({})", why);
    return cv::Mat();
  };
  // Coarse scale: the text disappears in the blur, leaving paper against background.
  const double f = std::min(1.0, 400.0 / std::max(gray.cols, gray.rows));
  cv::Mat small;
  area_resize(gray, small, f);
  cv::Mat blurred;
  cv::GaussianBlur(small, blurred, {0, 0}, std::max(small.cols, small.rows) / 80.0);
  cv::Mat bright;
  const double split = cv::threshold(blurred, bright, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(bright, labels, stats, centroids, 8, CV_32S);
  int largest = 0;
  for (int i = 1; i < n; ++i)
    if (largest == 0 || stats.at<int>(i, cv::CC_STAT_AREA) > stats.at<int>(largest, cv::CC_STAT_AREA)) largest = i;
  if (largest == 0) return {};
  const double total = double(small.total());
  // Bright regions of the document: the largest and any other at least a third its size.
  cv::Mat doc = cv::Mat::zeros(small.size(), CV_8UC1);
  for (int i = 1; i < n; ++i)
    if (stats.at<int>(i, cv::CC_STAT_AREA) >= stats.at<int>(largest, cv::CC_STAT_AREA) / 3) doc.setTo(255, labels == i);
  const double area = cv::countNonZero(doc) / total;
  if (area < 0.08 || area > 0.9) return reject("bright area " + std::to_string(area));
  // The background must frame the document (a good share of the image's border) and be a
  // photographed surface: textured, not the flat colour of a screenshot's panel or margin.
  int border = 0, border_bg = 0;
  for (int x = 0; x < small.cols; ++x)
    for (int y : {0, small.rows - 1}) ++border, border_bg += doc.at<uint8_t>(y, x) == 0;
  for (int y = 0; y < small.rows; ++y)
    for (int x : {0, small.cols - 1}) ++border, border_bg += doc.at<uint8_t>(y, x) == 0;
  if (border_bg < 0.3 * border) return reject("background on too little of the border");
  const cv::Mat background = doc == 0;
  // Texture is fine detail: the mean deviation from a lightly blurred copy, away from the
  // document's edge. A lighting gradient, a flat panel or a scanner lid has next to none.
  cv::Mat inner_bg, fine, detail;
  cv::erode(background, inner_bg, cv::getStructuringElement(cv::MORPH_RECT, {7, 7}));
  if (cv::countNonZero(inner_bg) < 0.03 * total) return reject("too little background");
  cv::GaussianBlur(small, fine, {0, 0}, 1.5);
  cv::absdiff(small, fine, detail);
  if (cv::mean(detail, inner_bg)[0] < 1.5) return reject("background without texture");
  // A screenshot's dark theme has fine detail too (its text), but on one flat colour: a third of
  // its pixels share a single value, where a photographed surface has sensor noise.
  int hist[256] = {0};
  for (int y = 0; y < small.rows; ++y)
    for (int x = 0; x < small.cols; ++x)
      if (inner_bg.at<uint8_t>(y, x)) ++hist[small.at<uint8_t>(y, x)];
  if (*std::max_element(hist, hist + 256) > 0.3 * cv::countNonZero(inner_bg)) return reject("flat background colour");
  // Paper clearly brighter than what lies around it, with an edge: a step in brightness across
  // its outline (a lighting gradient splits into halves too, but smoothly).
  if (cv::mean(small, doc)[0] - cv::mean(small, background)[0] < 25 || split <= 0) return reject("paper not brighter");
  cv::Mat shrunk, grown;
  const cv::Mat ring_kernel = cv::getStructuringElement(cv::MORPH_RECT, {7, 7});
  cv::erode(doc, shrunk, ring_kernel);
  cv::dilate(doc, grown, ring_kernel);
  const cv::Mat ring_in = doc & ~shrunk, ring_out = grown & ~doc;
  if (cv::countNonZero(ring_in) == 0 || cv::countNonZero(ring_out) == 0) return {};
  const double step = cv::mean(small, ring_in)[0] - cv::mean(small, ring_out)[0];
  if (step < 6) return reject("no edge at the outline: step " + std::to_string(step));
  // The document's outline filled (text, folds and shadows inside it belong to it), grown a
  // little so the print at its edge stays in.
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(doc.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  cv::Mat filled = cv::Mat::zeros(small.size(), CV_8UC1);
  cv::drawContours(filled, contours, -1, cv::Scalar(255), cv::FILLED);
  const int grow = std::max(2, static_cast<int>(std::lround(0.015 * std::max(small.cols, small.rows))));
  cv::dilate(filled, filled, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * grow + 1, 2 * grow + 1}));
  cv::Mat mask;
  cv::resize(filled, mask, gray.size(), 0, 0, cv::INTER_LINEAR);
  cv::threshold(mask, mask, 127, 255, cv::THRESH_BINARY);
  // The print must be on it: strokes (pixels 40 levels darker than their surroundings, at a
  // scale where letters still have strokes) mostly inside. A bright table beside a shaded
  // receipt is a bright region too, and cutting it out would paint the receipt over.
  const double g = std::min(1.0, 1200.0 / std::max(gray.cols, gray.rows));
  cv::Mat mid, mid_mask, strokes;
  area_resize(gray, mid, g);
  cv::resize(mask, mid_mask, mid.size(), 0, 0, cv::INTER_NEAREST);
  cv::adaptiveThreshold(mid, strokes, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY_INV, 31, 40);
  const double inside = cv::countNonZero(strokes & mid_mask), outside = cv::countNonZero(strokes & ~mid_mask);
  if (outside > 0.5 * (inside + outside))
    return reject("most strokes outside: " + std::to_string(int(outside)) + " of " + std::to_string(int(inside + outside)));
  // Print that runs on past the outline belongs to the document: a shadow across part of the
  // paper (a hand, the phone) darkens it to the background's brightness, and painting it over
  // would erase the starts of lines or whole lines. Stroke clusters outside that touch the
  // outline join it, closed over the line gaps so the shaded paper stays whole.
  const int side = std::max(mid.cols, mid.rows);
  const int reach = std::max(3, side / 80);
  cv::Mat clusters;
  cv::dilate(strokes & ~mid_mask, clusters, cv::getStructuringElement(cv::MORPH_RECT, {2 * reach + 1, reach | 1}));
  cv::Mat cluster_labels;
  const int clusters_n = cv::connectedComponents(clusters, cluster_labels, 8, CV_32S);
  cv::Mat touching_mask;
  cv::dilate(mid_mask, touching_mask, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
  std::vector<uint8_t> touches(size_t(std::max(clusters_n, 1)), 0);
  for (int y = 0; y < cluster_labels.rows; ++y) {
    const int* l = cluster_labels.ptr<int>(y);
    const uint8_t* t = touching_mask.ptr<uint8_t>(y);
    for (int x = 0; x < cluster_labels.cols; ++x)
      if (l[x] > 0 && t[x]) touches[size_t(l[x])] = 1;
  }
  cv::Mat joined = mid_mask.clone();
  bool grew = false;
  for (int y = 0; y < cluster_labels.rows; ++y) {
    const int* l = cluster_labels.ptr<int>(y);
    uint8_t* j = joined.ptr<uint8_t>(y);
    for (int x = 0; x < cluster_labels.cols; ++x)
      if (l[x] > 0 && touches[size_t(l[x])]) j[x] = 255, grew = true;
  }
  if (!grew) return mask;
  const int gap = std::max(5, side / 25) | 1;
  close_ellipse(joined, joined, gap);
  contours.clear();
  cv::findContours(joined.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  joined.setTo(0);
  cv::drawContours(joined, contours, -1, cv::Scalar(255), cv::FILLED);
  const int left_outside = cv::countNonZero(strokes & ~joined);
  log::debug("find_document: {} stroke pixels inside the outline, {} outside, {} after joining the print beyond it",
             int(inside), int(outside), left_outside);
  // Print still outside (more than 2 % of what is inside) is paper the outline missed, not the
  // table's grain: a receipt whose ends lie in shade had its first and last lines painted over.
  // Better the whole photo than a cut that erases text (receipt photos word F1 72.3 -> 73.2).
  cv::resize(joined, mask, gray.size(), 0, 0, cv::INTER_LINEAR);
  cv::threshold(mask, mask, 127, 255, cv::THRESH_BINARY);
  if (left_outside > 0.02 * inside) {
    if (outline_only) *outline_only = mask;
    return reject("print outside the outline: " + std::to_string(left_outside) + " stroke pixels");
  }
  return mask;
}

cv::Mat to_gray(const cv::Mat& image) {
  if (image.channels() == 1) return image;
  cv::Mat g;
  cv::cvtColor(image, g, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  return g;
}

bool looks_inverted(const cv::Mat& gray) {
  if (gray.empty()) return false;
  // Pages and lines are told apart as prepare_page does (a line is at most 250 rows, or 4 times
  // as wide as high).
  if (gray.rows > 250 && gray.cols < 4 * gray.rows) {
    // A page: paper is the majority class around the text. Its outer ring proves nothing:
    // scanners leave dark borders around a page. One global split misjudges photos whose
    // surroundings or lighting outweigh the paper (a small receipt on a grey table, paper
    // darkening towards one side), so each tile with contrast votes for the clear majority of its
    // own split; flat tiles (margins, borders, blank paper) and textures split half and half
    // have no say. Without votes, the global split decides.
    const int tile = std::clamp(std::min(gray.rows, gray.cols) / 10, 24, 200);
    int dark_votes = 0, light_votes = 0;
    for (int y0 = 0; y0 + tile / 2 <= gray.rows; y0 += tile)
      for (int x0 = 0; x0 + tile / 2 <= gray.cols; x0 += tile) {
        const cv::Rect r(x0, y0, std::min(tile, gray.cols - x0), std::min(tile, gray.rows - y0));
        // One histogram a tile (a threshold, two masked means and a count read it four times:
        // 3 % of a photo's time).
        const OtsuSplit split = otsu_split(gray(r));
        if (split.light_mean - split.dark_mean < 40) continue;
        const double light = double(split.light) / double(r.area());
        if (light > 0.6) ++light_votes;
        else if (light < 0.4) ++dark_votes;
      }
    if (dark_votes + light_votes >= 4) return dark_votes > light_votes;
    cv::Mat bin;
    cv::threshold(gray, bin, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    return cv::countNonZero(bin) < 0.4 * static_cast<double>(gray.total());
  }
  // A line: paper surrounds the text. The pixels of the image's outer ring vote, each against the
  // Otsu split of its own tile, so that shading across a photo (a dark side of the paper) cannot
  // pose as a dark background, and big bold letters filling a crop cannot pose as paper. Tiles are three
  // times as wide as high; tiles without contrast (blank paper, flat ink) have no say.
  // The ring's top and bottom rows and its two ends vote apart, and weigh alike: in a crop of
  // dense print (a fax's paragraph) the top and bottom rows run through the slices of the lines
  // above and below, outnumber the ends' pixels twenty to one, and made a dark-on-light line
  // look inverted.
  const int tile_h = std::clamp(gray.rows, 16, 256), tile_w = 3 * tile_h;
  const int ring = std::max(1, std::min(gray.rows, gray.cols) / 20);
  long dark_rows = 0, light_rows = 0, dark_ends = 0, light_ends = 0;
  for (int y0 = 0; y0 < gray.rows; y0 += tile_h)
    for (int x0 = 0; x0 < gray.cols; x0 += tile_w) {
      const cv::Rect r(x0, y0, std::min(tile_w, gray.cols - x0), std::min(tile_h, gray.rows - y0));
      const bool on_edge = r.x < ring || r.y < ring || r.br().x > gray.cols - ring || r.br().y > gray.rows - ring;
      if (!on_edge) continue;
      const OtsuSplit split = otsu_split(gray(r));
      const int t = split.threshold;
      if (split.light == 0 || split.light_mean - split.dark_mean < 40) continue;
      for (int y = r.y; y < r.br().y; ++y) {
        const uint8_t* p = gray.ptr<uint8_t>(y);
        const bool row_in_ring = y < ring || y >= gray.rows - ring;
        for (int x = r.x; x < r.br().x; ++x) {
          if (row_in_ring) (p[x] > t ? light_rows : dark_rows) += 1;
          else if (x < ring || x >= gray.cols - ring) (p[x] > t ? light_ends : dark_ends) += 1;
        }
      }
    }
  const long rows = dark_rows + light_rows, ends = dark_ends + light_ends;
  if (rows == 0 || ends == 0) return dark_rows + dark_ends > light_rows + light_ends;
  return double(dark_rows) / double(rows) + double(dark_ends) / double(ends) > 1.0;
}

OtsuSplit otsu_split(const cv::Mat& gray) {
  CV_Assert(gray.type() == CV_8UC1);
  std::array<long, 256> hist{};
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* p = gray.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x) ++hist[p[x]];
  }
  OtsuSplit out;
  const double total = double(gray.total());
  if (total == 0) return out;
  // The between-class variance's maximum, in the order and arithmetic of OpenCV's own search, so
  // that the threshold is its threshold to the level.
  const double scale = 1.0 / total;
  double mu = 0;
  for (int i = 0; i < 256; ++i) mu += i * double(hist[size_t(i)]);
  mu *= scale;
  double mu1 = 0, q1 = 0, max_sigma = 0;
  for (int i = 0; i < 256; ++i) {
    const double p_i = double(hist[size_t(i)]) * scale;
    mu1 *= q1;
    q1 += p_i;
    const double q2 = 1.0 - q1;
    if (std::min(q1, q2) < FLT_EPSILON || std::max(q1, q2) > 1.0 - FLT_EPSILON) continue;
    mu1 = (mu1 + i * p_i) / q1;
    const double mu2 = (mu - q1 * mu1) / q2;
    const double sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
    if (sigma > max_sigma) {
      max_sigma = sigma;
      out.threshold = i;
    }
  }
  double light_sum = 0, dark_sum = 0;
  for (int i = 0; i < 256; ++i) {
    const long n = hist[size_t(i)];
    if (i > out.threshold) out.light += n, light_sum += double(i) * double(n);
    else out.dark += n, dark_sum += double(i) * double(n);
  }
  if (out.light) out.light_mean = light_sum / double(out.light);
  if (out.dark) out.dark_mean = dark_sum / double(out.dark);
  return out;
}

cv::Mat binarize_otsu(const cv::Mat& gray) {
  cv::Mat bin;
  cv::threshold(gray, bin, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  return bin;
}

cv::Mat binarize_sauvola(const cv::Mat& gray, int window, double k) {
  window |= 1;
  const int r = window / 2;
  cv::Mat bin(gray.size(), CV_8UC1);
  // A band of rows at a time, with the window's reach of rows above and below: four maps of the
  // whole page in float were 16 bytes a pixel (1 GB for an 8000 x 8000 scan). The window sums are
  // taken in double, where sums of integers are exact, so a band's thresholds are those of the
  // whole page whatever the band.
  const int band = std::max(64, (1 << 21) / std::max(1, gray.cols));
  cv::Mat f, f2, sum, sq;
  for (int y0 = 0; y0 < gray.rows; y0 += band) {
    const int y1 = std::min(gray.rows, y0 + band);
    const int a = std::max(0, y0 - r), b = std::min(gray.rows, y1 + r);
    gray.rowRange(a, b).convertTo(f, CV_32F);
    cv::multiply(f, f, f2);
    // The band's rows beyond the page replicate its edge rows, as the whole page's border would;
    // rows inside the page come from the context read above.
    const int top = y0 - r < 0 ? r - y0 : 0, bottom = y1 + r > gray.rows ? y1 + r - gray.rows : 0;
    cv::copyMakeBorder(f, f, top, bottom, r, r, cv::BORDER_REPLICATE);
    cv::copyMakeBorder(f2, f2, top, bottom, r, r, cv::BORDER_REPLICATE);
    cv::boxFilter(f, sum, CV_64F, {window, window}, {-1, -1}, false, cv::BORDER_CONSTANT);
    cv::boxFilter(f2, sq, CV_64F, {window, window}, {-1, -1}, false, cv::BORDER_CONSTANT);
    const double area = double(window) * window;
    for (int y = y0; y < y1; ++y) {
      const int row = y - a + top;
      const double* m = sum.ptr<double>(row) + r;
      const double* s = sq.ptr<double>(row) + r;
      const uint8_t* g = gray.ptr<uint8_t>(y);
      uint8_t* o = bin.ptr<uint8_t>(y);
      for (int x = 0; x < gray.cols; ++x) {
        const float mean = float(m[x] / area), var = float(s[x] / area - (m[x] / area) * (m[x] / area));
        const float sd = std::sqrt(std::max(0.0f, var));
        const float t = mean * (1 + static_cast<float>(k) * (sd / 128.0f - 1));
        o[x] = g[x] < t ? 255 : 0;
      }
    }
  }
  return bin;
}

int max_glyph_height(int image_rows) {
  return image_rows < 150 ? image_rows : image_rows / 3;
}

// The text height of a big image is measured at a coarser scale too: the texture of paper or of
// a photo's surroundings, and JPEG noise, break into countless specks a few pixels high that
// outnumber the glyphs and pose as the typical one (a photo of 70 px print measured at 18 px),
// while at a 1600-pixel scale they fall under the glyph size and letters remain.
double page_text_height(const cv::Mat& gray, const cv::Mat& stats) {
  size_t glyphs = 0;
  double full = text_height_from_stats(stats, gray.rows, &glyphs);
  const int longest = std::max(gray.rows, gray.cols);
  // One global split can miss the print altogether: a small photo whose dark surroundings take
  // the dark class leaves 4-5 px letters on the paper's side of it, and a barcode's bars take the
  // dark class from a faint receipt's letters, whose height the bars then set (21 px for 7 px
  // print, read at a third of its size: one word in sixty). Where the split found few glyphs on a
  // page, local thresholds look too, and a far larger count of glyphs outvotes it.
  constexpr size_t kFewGlyphs = 40;
  const bool page = gray.rows > 250 && gray.cols < 4 * gray.rows;
  if (full <= 0 || (page && glyphs < kFewGlyphs)) {
    const cv::Mat local = binarize_sauvola(gray, std::max(15, longest / 40) | 1);
    size_t local_glyphs = 0;
    const double local_height = text_height_from_stats(component_stats(local), gray.rows, &local_glyphs);
    if (full <= 0 || (local_height > 0 && local_glyphs >= 3 * std::max<size_t>(glyphs, 10))) {
      log::debug("preprocess: text height {:.1f}px from local thresholds ({} glyphs) for {:.1f}px from the global one ({})",
                 local_height, local_glyphs, full, glyphs);
      full = local_height;
    }
  }
  if (longest <= 2400) return full;
  const double f = 1600.0 / longest;
  cv::Mat small;
  area_resize(gray, small, f);
  const double coarse = text_height_from_stats(ink_component_stats(small), small.rows) / f;
  // Taller at the coarse scale only when specks were outvoting the glyphs.
  return coarse > 1.5 * full ? coarse : full;
}

double estimate_text_height(const cv::Mat& gray) {
  return text_height_from_stats(ink_component_stats(gray), gray.rows);
}

double estimate_skew(const cv::Mat& gray, double max_degrees) {
  double f = std::min(1.0, 1600.0 / std::max(gray.cols, gray.rows));
  cv::Mat small = gray;
  if (f < 1) area_resize(gray, small, f);
  // Only glyph-sized ink votes: the edges of a filled panel, a photo or a frame would set the
  // angle instead of the text (a screenshot's grey and dark panels read as 14°). Rules stay: they
  // are as level as the text.
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(binarize_otsu(small), labels, stats, centroids, 8, CV_32S);
  const double text_h = text_height_from_stats(stats, small.rows);
  std::vector<uint8_t> votes(static_cast<size_t>(n), 1);
  votes[0] = 0;
  if (text_h > 0)
    for (int i = 1; i < n; ++i) votes[size_t(i)] = stats.at<int>(i, cv::CC_STAT_HEIGHT) <= 3 * text_h;
  std::vector<cv::Point> pts;
  for (int y = 0; y < labels.rows; ++y) {
    const int* row = labels.ptr<int>(y);
    for (int x = 0; x < labels.cols; ++x)
      if (votes[size_t(row[x])]) pts.emplace_back(x, y);
  }
  if (pts.size() < 50) return 0;
  // Subsample: the histogram only needs the overall distribution (82 angles are scored, so this
  // loop dominated the time of reading a single line image). The pick is pseudo-random, not every
  // k-th point: a regular lattice of points in dense ink aliases into peaky profiles at angles
  // like atan(1/4) = 14°.
  const uint32_t keep_below = static_cast<uint32_t>(std::min(1.0, 60000.0 / double(pts.size())) * 4294967295.0);
  const float cx = small.cols / 2.0f, cy = small.rows / 2.0f;
  std::vector<float> xs, ys;
  xs.reserve(std::min<size_t>(pts.size(), 61000));
  ys.reserve(std::min<size_t>(pts.size(), 61000));
  uint32_t state = 2463534242u;  // xorshift32, fixed seed: the same image gives the same angle
  for (const auto& pt : pts) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    if (state > keep_below) continue;
    xs.push_back(float(pt.x) - cx);
    ys.push_back(float(pt.y) - cy);
  }
  const int diag = static_cast<int>(std::hypot(small.cols, small.rows)) + 4;
  std::vector<int> hist(diag);
  std::vector<int> bins(xs.size());
  // Text lines rising to the right by angle a lie on y' = y·cos a + x·sin a = const; the right
  // angle makes the row profile peaky (high sum of squared differences).
  // The coarse sweep, which only has to land within its 0.5° step, scores a quarter of the points
  // (at least 4 000; they are a random sample), the fine one all of them: the histogram's
  // scattered increments are most of the time of reading a line image.
  auto profile_score = [&](const std::vector<float>& px, const std::vector<float>& py, size_t points, double deg) {
    const float a = float(deg * kPi / 180), s = std::sin(a), c = std::cos(a), half = diag / 2.0f;
    for (size_t i = 0; i < points; ++i) bins[i] = static_cast<int>(py[i] * c + px[i] * s + half);
    std::fill(hist.begin(), hist.end(), 0);
    for (size_t i = 0; i < points; ++i)
      if (bins[i] >= 0 && bins[i] < diag) ++hist[size_t(bins[i])];
    double sum = 0;
    for (size_t i = 1; i < hist.size(); ++i) {
      double d = hist[i] - hist[i - 1];
      sum += d * d;
    }
    return sum;
  };
  auto score = [&](double deg, size_t points) { return profile_score(xs, ys, points, deg); };
  double best = 0, best_score = -1;
  const size_t coarse_points = std::min(xs.size(), std::max<size_t>(4000, xs.size() / 4));
  const double usual = std::min(max_degrees, kUsualSkew);
  std::vector<double> usual_scores;
  for (double a = -usual; a <= usual + 1e-9; a += 0.5) {
    double s = score(a, coarse_points);
    usual_scores.push_back(s);
    if (s > best_score) { best_score = s; best = a; }
  }
  std::nth_element(usual_scores.begin(), usual_scores.begin() + long(usual_scores.size() / 2), usual_scores.end());
  const double usual_peak = best_score / std::max(1.0, usual_scores[usual_scores.size() / 2]);
  // Beyond the usual tilts (a phone held at 20-45 degrees: its lines were read as scraps) the
  // profile is flat but for a peak a degree or two wide at the text's angle. Where the usual
  // range has no clear peak (its best under 2.5 times its median: 1.2-2.4 for text tilted
  // further, 3 to 35 for the dev receipt photos and synthetic pages but one, whose far side
  // held no peak), the sweep goes on to max_degrees on a few thousand of the points, each moved
  // by up to half a pixel (the pixel grid alone makes peaks at 45 and 26.6 degrees), and a peak
  // there must beat the usual best 2.5-fold (tilted text: 3 to 24). Print turned sideways has
  // no peak within 45 degrees; the orientation check reads it. A few words have no clear peak
  // at any angle: a line crop's `58.14` was turned 30 degrees and read `i*`.
  const long glyphs = std::count(votes.begin(), votes.end(), uint8_t(1));
  if (max_degrees > usual && usual_peak < 2.5 && glyphs >= kMinGlyphsForFarTilt) {
    const size_t few = std::min<size_t>(xs.size(), 6000);
    std::vector<float> fx(few), fy(few);
    for (size_t i = 0; i < few; ++i) {  // strided: the points are in raster order
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      const size_t k = i * xs.size() / few;
      fx[i] = xs[k] + float(state & 0xFFFF) / 65536.0f - 0.5f;
      fy[i] = ys[k] + float(state >> 16) / 65536.0f - 0.5f;
    }
    auto few_score = [&](double deg) { return profile_score(fx, fy, few, deg); };
    const double inner = few_score(best);
    double far = best, far_score = inner;
    for (double a = usual + 0.5; a <= max_degrees + 1e-9; a += 0.5)
      for (double side : {-1.0, 1.0}) {
        const double s = few_score(side * a);
        if (s > far_score) { far_score = s; far = side * a; }
      }
    if (far_score > 2.5 * inner) best = far;
  }
  double coarse = best;
  best_score = -1;  // the fine sweep's scores count every point: compare only among them
  for (double a = coarse - 0.5; a <= coarse + 0.5 + 1e-9; a += 0.05) {
    double s = score(a, xs.size());
    if (s > best_score) { best_score = s; best = a; }
  }
  // Resampling blurs strokes: a tilt that moves the text by under 3 px across the whole image
  // does not bother the reader, and on a short line it is mostly the estimate's own noise.
  const double drift = std::abs(std::tan(best * kPi / 180)) * small.cols / f;
  return drift < kMinSkewDrift ? 0.0 : best;
}

Binarization parse_binarization(const std::string& s) {
  if (s == "none") return Binarization::None;
  if (s == "otsu") return Binarization::Otsu;
  if (s == "sauvola") return Binarization::Sauvola;
  throw FormatError("unknown binarization '" + s + "' (expected none, otsu or sauvola)");
}

PreprocessedPage preprocess(const cv::Mat& image, const PreprocessOptions& opt, double file_dpi) {
  if (image.empty()) throw ShapeError("preprocess: empty image");
  PreprocessedPage out;
  cv::Mat g = to_gray(image).clone();
  const double target = opt.target_text_height > 0 ? opt.target_text_height : kDefaultTextHeight;

  // A big image of big print (a phone's 12 to 20 megapixels of a receipt) would be shrunk to the
  // working size only after every step below had read it whole (a 20-megapixel photo's
  // preprocessing took 400 ms): when its print, measured at a 1600-pixel scale, is well beyond
  // the size that is shrunk, it is brought to the working size first.
  double early = 1;
  const int longest = std::max(g.rows, g.cols);
  if (opt.rescale && opt.dpi <= 0 && longest > 2400) {
    const double f = 1600.0 / longest;
    cv::Mat small;
    area_resize(g, small, f);
    const double coarse = text_height_from_stats(ink_component_stats(small), small.rows) / f;
    if (coarse > 1.25 * kMaxTextHeight) {
      early = target / coarse;
      area_resize(g, g, early);
      log::debug("preprocess: print of {:.0f}px on a {}x{} image: shrunk by {:.2f} first", coarse, image.cols,
                 image.rows, early);
    }
  }

  // A photographed document: paint its surroundings as paper and cut them off first, so that a
  // dark table neither flips the polarity nor passes for a picture or for text.
  cv::Point2d offset(0, 0);
  cv::Mat skew_outline;  // a document left whole: its outline, where the skew is measured
  cv::Mat surroundings;  // a document cut out: what was painted around it (255), in g
  if (opt.find_document && g.rows > 250 && g.cols < 4 * g.rows) {
    const cv::Mat doc = find_document(g, &skew_outline);
    if (!doc.empty()) {
      const cv::Rect box = cv::boundingRect(doc);
      const int paper = percentiles(g(box), {0.75})[0];
      g.setTo(paper, ~doc);
      g = g(box).clone();
      surroundings = ~doc(box);
      offset = {double(box.x), double(box.y)};
      out.document = early < 1 ? cv::Rect(cv::Point(int(std::floor(box.x / early)), int(std::floor(box.y / early))),
                                          cv::Point(std::min(image.cols, int(std::ceil(box.br().x / early))),
                                                    std::min(image.rows, int(std::ceil(box.br().y / early)))))
                               : box;
    }
  }

  out.inverted = opt.invert == Toggle::On || (opt.invert == Toggle::Auto && looks_inverted(g));
  if (out.inverted) cv::bitwise_not(g, g);
  std::vector<cv::Rect> panels;
  if (opt.invert != Toggle::Off) {  // before flattening, which would lighten a panel's empty parts
    cv::Mat ink, stats = ink_component_stats(g, &ink);
    panels = invert_dark_panels(g, ink, stats);
  }

  if (opt.contrast == ContrastMode::Auto || opt.contrast == ContrastMode::Background)
    g = flatten_background(g, surroundings);
  if (opt.contrast != ContrastMode::None) g = stretch_contrast(g);

  cv::Mat stats = ink_component_stats(g);
  double text_height = -1;  // of g as it stands, once measured (< 0: not yet)
  if (opt.denoise == Denoise::Median || (opt.denoise == Denoise::Auto && is_speckled(stats))) {
    // A 3x3 median takes the specks off print whose strokes are wider than it. Small print (to
    // be scaled up below) has strokes of 1-2 px, and the median takes them with the specks: the
    // 5-6 px letters of a phone photo lose their bars (`Hot` read `Mot`, `Jumlah` `Dualah`).
    // Measured on the dev pages: every page it changed was small print but one, and without it
    // those read better (receipt photos word F1 68.5 -> 71.8, forms 75.1 -> 75.7).
    cv::Mat filtered;
    cv::medianBlur(g, filtered, 3);
    cv::Mat filtered_stats = ink_component_stats(filtered);
    const double height = opt.denoise == Denoise::Median ? -1 : page_text_height(filtered, filtered_stats);
    if (opt.denoise == Denoise::Median || !(height > 0 && height < kMinTextHeight)) {
      g = filtered;
      stats = filtered_stats;
      text_height = height;
    } else {
      log::debug("preprocess: speckled, but the print is small ({:.1f}px): no median", height);
    }
  }

  // Resolution: scale so text has a workable height. An explicit --dpi wins over the estimate.
  out.text_height = text_height >= 0 ? text_height : page_text_height(g, stats);
  out.dpi = opt.dpi > 0 ? opt.dpi : file_dpi;
  if (out.dpi <= 0 && out.text_height > 0) {
    // A median component of ~0.075 in (10–12 pt text), in pixels of the input.
    out.dpi = out.text_height / early / 0.075;
    out.dpi_estimated = true;
  }
  double scale = 1;
  if (opt.rescale) {
    if (opt.dpi > 0 && out.text_height <= 0) {
      if (opt.dpi < 200) scale = 300.0 / opt.dpi;
    } else if (out.text_height > 0 && out.text_height < kMinTextHeight) {
      scale = target / out.text_height;
    } else if (out.text_height > kMaxTextHeight) {
      scale = target / out.text_height;
    }
    // Never blow a page up beyond ~100 Mpixel or shrink it below a line's worth.
    double max_scale = std::sqrt(1e8 / static_cast<double>(g.total()));
    scale = std::clamp(scale, 0.1, std::min(4.0, std::max(1.0, max_scale)));
    if (std::abs(scale - 1) < 0.05) scale = 1;
  }
  // The paper level, the skew and the ink's margins of a turned page are measured on the page
  // before it is enlarged (on a fax enlarged 3.7x they took 50 ms of a page's 400, the skew 8 %
  // of a form's time), and a turned page is enlarged and turned in one resampling.
  if (scale < 1) area_resize(g, g, scale);
  const double enlarge = std::max(1.0, scale);
  const cv::Mat before_enlarging = g;
  const cv::Size enlarged_size = enlarge > 1 ? cv::Size(cvRound(g.cols * scale), cvRound(g.rows * scale)) : g.size();
  out.text_height *= scale;
  cv::Mat fwd = (cv::Mat_<double>(2, 3) << scale, 0, 0, 0, scale, 0);

  if (opt.deskew) {
    if (skew_outline.empty()) {
      out.skew_degrees = estimate_skew(before_enlarging, opt.max_skew_degrees);
    } else {
      cv::Mat inside, outline;
      cv::resize(skew_outline, outline, before_enlarging.size(), 0, 0, cv::INTER_NEAREST);
      before_enlarging.copyTo(inside);
      inside.setTo(percentiles(before_enlarging, {0.75})[0], ~outline);
      out.skew_degrees = estimate_skew(inside, opt.max_skew_degrees);
    }
  }
  if (out.skew_degrees == 0 && enlarge > 1) cv::resize(g, g, enlarged_size, 0, 0, cv::INTER_CUBIC);
  if (out.skew_degrees != 0) {
    // Rotate clockwise by the skew into a canvas big enough to keep the corners.
    cv::Point2f c(enlarged_size.width / 2.0f, enlarged_size.height / 2.0f);
    cv::Mat r = cv::getRotationMatrix2D(c, -out.skew_degrees, 1.0);
    double a = std::abs(out.skew_degrees) * kPi / 180;
    const int gw = enlarged_size.width, gh = enlarged_size.height;
    int nw = static_cast<int>(std::ceil(gw * std::cos(a) + gh * std::sin(a)));
    int nh = static_cast<int>(std::ceil(gw * std::sin(a) + gh * std::cos(a)));
    r.at<double>(0, 2) += (nw - gw) / 2.0;
    r.at<double>(1, 2) += (nh - gh) / 2.0;
    // The corners the rotation uncovers get the paper's level (the median: paper is the
    // majority), not white: on a grey photo, white wedges beside the text are ink-like edges.
    const int paper = percentiles(before_enlarging, {0.5})[0];
    // The canvas grows to keep the corners; only the margins the image had around its ink are
    // kept. A line crop read with a band of blank paper above and below would reach the network
    // with its text shrunk, unlike any line it was trained on. The ink's box after the turn is
    // where its pixels' corners land.
    const cv::Mat ink = binarize_otsu(before_enlarging);
    const cv::Rect ink_before = cv::boundingRect(ink);
    cv::Rect keep(0, 0, nw, nh);
    cv::Mat from_small = r.clone();  // before_enlarging -> turned, in one resampling
    from_small.col(0) *= enlarge;
    from_small.col(1) *= enlarge;
    if (!ink_before.empty()) {
      const double* m = from_small.ptr<double>(0);
      const double* n = from_small.ptr<double>(1);
      double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
      for (int y = 0; y < ink.rows; ++y) {
        const uint8_t* row = ink.ptr<uint8_t>(y);
        int first = 0, last = ink.cols - 1;
        while (first < ink.cols && !row[first]) ++first;
        if (first == ink.cols) continue;
        while (!row[last]) --last;
        // An affine map takes a row's extremes to its first and last ink pixels' corners.
        for (int x : {first, last})
          for (int corner = 0; corner < 4; ++corner) {
            const double px = x + (corner & 1), py = y + (corner >> 1);
            const double u = m[0] * px + m[1] * py + m[2], v = n[0] * px + n[1] * py + n[2];
            x0 = std::min(x0, u);
            x1 = std::max(x1, u);
            y0 = std::min(y0, v);
            y1 = std::max(y1, v);
          }
      }
      const double left = ink_before.x * enlarge, top = ink_before.y * enlarge;
      const double right = (before_enlarging.cols - ink_before.br().x) * enlarge;
      const double bottom = (before_enlarging.rows - ink_before.br().y) * enlarge;
      const int kx = static_cast<int>(std::lround(x0 - left)), ky = static_cast<int>(std::lround(y0 - top));
      keep = cv::Rect(kx, ky, static_cast<int>(std::lround(x1 + right)) - kx,
                      static_cast<int>(std::lround(y1 + bottom)) - ky) &
             cv::Rect(0, 0, nw, nh);
    }
    r.at<double>(0, 2) -= keep.x;
    r.at<double>(1, 2) -= keep.y;
    from_small.at<double>(0, 2) -= keep.x;
    from_small.at<double>(1, 2) -= keep.y;
    cv::Mat rotated;
    // Enlarging wants the cubic kernel (linear cost forms 0.8 points of CER); ours runs it in two
    // vector passes, 4x faster than OpenCV's (a fax enlarged 3.7 times: 15-19 ms against 66-70).
    if (enlarge > 1) warp_affine_cubic(before_enlarging, rotated, from_small, keep.size(), uint8_t(paper));
    else cv::warpAffine(before_enlarging, rotated, from_small, keep.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, paper);
    g = rotated;
    cv::Mat m = affine3(r) * affine3(fwd);
    fwd = m.rowRange(0, 2).clone();
  }

  if (opt.binarize == Binarization::Otsu) {
    cv::bitwise_not(binarize_otsu(g), g);
  } else if (opt.binarize == Binarization::Sauvola) {
    int win = std::max(15, static_cast<int>(out.text_height * 2) | 1);
    cv::bitwise_not(binarize_sauvola(g, win), g);
  }

  // Panels in working coordinates: the box around their corners after scaling and rotation.
  for (const cv::Rect& b : panels) {
    std::vector<cv::Point2d> corners = {{double(b.x), double(b.y)}, {double(b.br().x), double(b.y)},
                                        {double(b.x), double(b.br().y)}, {double(b.br().x), double(b.br().y)}}, mapped;
    cv::transform(corners, mapped, fwd);
    std::vector<cv::Point2f> pts(mapped.begin(), mapped.end());
    const cv::Rect w = cv::boundingRect(pts) & cv::Rect(0, 0, g.cols, g.rows);
    if (!w.empty()) out.panels.push_back(w);
  }
  out.gray = g;
  out.scale = scale * early;
  cv::invertAffineTransform(fwd, out.to_original);
  out.to_original.at<double>(0, 2) += offset.x;
  out.to_original.at<double>(1, 2) += offset.y;
  out.to_original /= early;
  log::debug("preprocess: scale {:.2f}, skew {:.2f}°, inverted {}, text height {:.1f}px", out.scale,
             out.skew_degrees, out.inverted, out.text_height);
  return out;
}

}  // namespace ocr
