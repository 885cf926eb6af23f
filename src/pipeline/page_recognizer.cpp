#include "ocr/pipeline/page_recognizer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/detect/detected_layout.h"
#include "ocr/image/opencv_threads.h"

namespace ocr {

namespace {

// Milliseconds since `start`, for the stage times `-vv` logs (where a page's time goes).
double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::array<int, 256> grey_histogram(const cv::Mat& gray) {
  std::array<int, 256> hist{};
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* row = gray.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x) ++hist[row[x]];
  }
  return hist;
}

// The median grey of an 8-bit image: the paper's level, paper being the majority.
int median_level(const cv::Mat& gray) {
  const std::array<int, 256> hist = grey_histogram(gray);
  const size_t half = gray.total() / 2;
  size_t seen = 0;
  for (int v = 0; v < 256; ++v)
    if ((seen += size_t(hist[v])) > half) return v;
  return 255;
}

// No ink: the darkest and lightest half percent of the pixels lie within a few grey levels (the
// preprocessing stretches any print to the full range).
bool blank_image(const cv::Mat& gray) {
  if (gray.empty()) return true;
  const std::array<int, 256> hist = grey_histogram(gray);
  const size_t tail = gray.total() / 200;
  int lo = 0, hi = 255;
  for (size_t seen = 0; lo < 255 && (seen += size_t(hist[lo])) <= tail;) ++lo;
  for (size_t seen = 0; hi > 0 && (seen += size_t(hist[hi])) <= tail;) --hi;
  return hi - lo < 24;
}

// The tallest image read as a crop of a few words, and as one line in any case (prepare_page).
constexpr int kCropMaxHeight = 120;
constexpr int kOneLineMaxHeight = 48;

struct Affine {
  double a, b, c, d, e, f;  // x' = a x + b y + c, y' = d x + e y + f
  explicit Affine(const cv::Mat& m)
      : a(m.at<double>(0, 0)), b(m.at<double>(0, 1)), c(m.at<double>(0, 2)),
        d(m.at<double>(1, 0)), e(m.at<double>(1, 1)), f(m.at<double>(1, 2)) {}
  cv::Point2d operator()(double x, double y) const { return {a * x + b * y + c, d * x + e * y + f}; }
};

// Working-image rectangle → axis-aligned box in input pixels, clipped to the page.
Box map_box(const Affine& t, double x0, double y0, double x1, double y1, int w, int h) {
  cv::Point2d p[4] = {t(x0, y0), t(x1, y0), t(x0, y1), t(x1, y1)};
  double mx0 = p[0].x, my0 = p[0].y, mx1 = p[0].x, my1 = p[0].y;
  for (const auto& q : p) {
    mx0 = std::min(mx0, q.x);
    my0 = std::min(my0, q.y);
    mx1 = std::max(mx1, q.x);
    my1 = std::max(my1, q.y);
  }
  Box b{static_cast<int>(std::floor(mx0)), static_cast<int>(std::floor(my0)),
        static_cast<int>(std::ceil(mx1)), static_cast<int>(std::ceil(my1))};
  b.x0 = std::clamp(b.x0, 0, w);
  b.x1 = std::clamp(b.x1, 0, w);
  b.y0 = std::clamp(b.y0, 0, h);
  b.y1 = std::clamp(b.y1, 0, h);
  return b;
}

// Ink mask of a line crop (dark on light): Otsu, or nothing on a blank crop.
cv::Mat crop_ink(const cv::Mat& crop) {
  double mn, mx;
  cv::minMaxLoc(crop, &mn, &mx);
  if (mx - mn < 24) return cv::Mat::zeros(crop.size(), CV_8UC1);
  cv::Mat ink;
  cv::threshold(crop, ink, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  return ink;
}

// Below this mean confidence a line of symbols only (no letter, digit or mark) is dropped.
constexpr float kSymbolLineConfidence = 0.5f;

// The band the line layout keeps, when it holds several detected lines one above another, did
// not isolate a line: a loose crop of a slanted or curved line holds whole pieces of the lines
// beside it, which no horizontal band leaves out. Such an image gets a second cut, through the
// detector: its main line cut along its own centreline; both are read and the surer reading
// stays (the detector misjudges text far off its scale, and its cut keeps box edges and rulings
// the band leaves out). Where the band holds one line, the band stays unread twice.
void read_line_image_through_detector(PreparedPage& p, const TextLineDetector& detector) {
  const cv::Mat& g = p.pre.gray;
  cv::Rect band(0, 0, g.cols, g.rows);
  if (!p.layout.blocks.empty() && !p.layout.blocks[0].paragraphs.empty() &&
      !p.layout.blocks[0].paragraphs[0].lines.empty())
    band = p.layout.blocks[0].paragraphs[0].lines[0].box;
  // A band no taller than one line's ascenders and descenders (2.2 x-heights: 96 % of UW-III's
  // lines, 85 % of receipt photos') holds no second line; the detector would cost a third more
  // time for nothing. (41 of the 44 receipt-photo crops whose band held several lines, and 41
  // of 46 form crops, are taller.)
  if (!p.lines.empty() && p.pre.text_height > 0 && band.height <= 2.2 * p.pre.text_height) return;
  // A margin of paper, as the pages the detector learned from have.
  const int m = std::max(8, int(std::lround(2 * p.pre.text_height)));
  cv::Mat padded;
  cv::copyMakeBorder(g, padded, m, m, m, m, cv::BORDER_CONSTANT, cv::Scalar(median_level(g)));
  const std::vector<DetectedLine> found = detector.detect(padded, p.pre.text_height);
  if (found.empty()) return;
  band += cv::Point(m, m);
  std::vector<double> centres;  // of the detected lines in the band
  double xh = 0;
  for (const DetectedLine& l : found) {
    if (l.centerline.empty()) continue;
    const cv::Point2f c = l.centerline[l.centerline.size() / 2];
    if (c.y < band.y || c.y > band.br().y || l.box.br().x <= band.x || l.box.x >= band.br().x) continue;
    centres.push_back(c.y);
    xh = std::max(xh, l.x_height);
  }
  std::sort(centres.begin(), centres.end());
  int stacked = centres.empty() ? 0 : 1;
  for (size_t i = 1; i < centres.size(); ++i) stacked += centres[i] - centres[i - 1] > 0.8 * xh;
  if (stacked < 2 && !p.lines.empty()) return;
  DetectedPage d = layout_detected_line_image(padded, found, cv::Rect(m, m, g.cols, g.rows));
  if (d.lines.empty()) return;
  // The detector's line must run along most of the band and fill a fair part of its height:
  // a row of letter parts of a line set far larger than the detector's scale, or a slice of a
  // neighbour beside a short field, is no main line.
  cv::Rect kept;
  for (const auto& b : d.layout.blocks)
    for (const auto& par : b.paragraphs)
      for (const auto& l : par.lines) kept |= l.box;
  band -= cv::Point(m, m);
  if (!p.lines.empty() && (kept.width < 0.6 * band.width || kept.height < 0.25 * band.height)) return;
  const cv::Rect image(0, 0, g.cols, g.rows);
  for (auto& b : d.layout.blocks)
    for (auto& par : b.paragraphs)
      for (auto& l : par.lines) {
        l.box = (l.box - cv::Point(m, m)) & image;
        l.crop = (l.crop - cv::Point(m, m)) & image;
        l.baseline -= m;
        if (l.box.empty()) l.box = image;
        if (l.crop.empty()) l.crop = l.box;
      }
  if (p.lines.empty()) {
    p.layout = std::move(d.layout);
    p.lines = std::move(d.lines);
  } else {
    p.alternative = LayoutAlternative{std::move(d.layout), std::move(d.lines)};
  }
}

// How sure a reading of a line image is: its mean character confidence, nothing read counting
// as unsure (an empty line's confidence is 1 by convention).
double line_image_confidence(const std::vector<RecognizedLine>& lines) {
  double sum = 0, n = 0;
  for (const auto& l : lines) {
    const double chars = double(l.chars.size());
    sum += double(l.confidence) * chars;
    n += chars;
  }
  return n > 0 ? sum / n : 0.0;
}

}  // namespace

bool is_mark_line(const RecognizedLine& line) {
  static const std::string kMarks = "-_=~|!.,:;'`\"*^+/\\()[]{}<>";
  static const char* const kWideMarks[] = {"\u2013", "\u2014", "\u2022", "\u2026", "\u2018",
                                           "\u2019", "\u201c", "\u201d", "\u00b0"};
  bool marks_only = true, any = false;
  for (const auto& c : line.chars) {
    const std::string& t = c.text;
    if (t.empty() || t == " ") continue;
    any = true;
    if (t.size() == 1) {
      unsigned char ch = static_cast<unsigned char>(t[0]);
      if (std::isalnum(ch)) return false;
      if (kMarks.find(t[0]) == std::string::npos) marks_only = false;
    } else {
      bool mark = false;
      for (const char* m : kWideMarks) mark = mark || t == m;
      if (!mark) {
        // Any other non-ASCII character (a letter with an accent, a currency sign) is content.
        return false;
      }
    }
  }
  if (!any) return false;  // empty lines are dropped anyway (no words)
  return marks_only || line.confidence < kSymbolLineConfidence;
}

// Why a page came out without text, in words a user can act on. A blank page is said too: in a
// batch's log "blank" tells an empty scan from a page whose text was missed.
std::string explain_empty(const PreparedPage& prep, const std::vector<RecognizedLine>& lines,
                          const PageRecognizerOptions& options) {
  if (prep.no_line_detected && prep.lines.empty())
    return "the line detector found no text line among the marks of the page (noise, grain, pictures?); "
           "--detector heuristic cuts lines from them all the same";
  if (prep.lines.empty()) {
    const size_t pictures = prep.layout.pictures.size(), rules = prep.layout.rules.size();
    if (pictures + rules == 0) return "the page is blank (no ink to read)";
    return "no text lines found; the ink was taken for " + std::to_string(pictures) + " picture(s) and " +
           std::to_string(rules) + " rule(s) (try --layout block or line)";
  }
  size_t marks = 0, implausible = 0, blank = 0;
  for (const auto& l : lines) {
    if (l.implausible) ++implausible;
    else if (is_mark_line(l)) ++marks;
    else if (l.text.find_first_not_of(' ') == std::string::npos) ++blank;
  }
  std::string why = std::to_string(lines.size()) + " line(s) found, none read as text: " + std::to_string(blank) +
                    " empty, " + std::to_string(marks) + " only marks, " + std::to_string(implausible) + " noise";
  if (options.min_word_confidence > 0) why += ", words under --min-confidence left out";
  return why;
}

void keep_surer_alternative(PreparedPage& prep, std::vector<RecognizedLine>& lines, const LineReader& reader) {
  if (!prep.alternative) return;
  LayoutAlternative alt = std::move(*prep.alternative);
  prep.alternative.reset();
  if (alt.lines.empty()) return;
  std::vector<RecognizedLine> read = reader(alt.lines);
  if (read.size() != alt.lines.size()) return;
  // The band's reading stays unless the other is clearly surer.
  constexpr double kMargin = 0.02;
  if (line_image_confidence(read) < line_image_confidence(lines) + kMargin) return;
  prep.layout = std::move(alt.layout);
  prep.lines = std::move(alt.lines);
  lines = std::move(read);
}

PageRecognizer::PageRecognizer(std::shared_ptr<const LineRecognizer> recognizer,
                               PageRecognizerOptions options)
    : options_(std::move(options)) {
  if (!recognizer) throw Error("PageRecognizer: null line recognizer");
  reader_ = [recognizer](const std::vector<cv::Mat>& lines) { return recognizer->recognize(lines); };
}

PageRecognizer::PageRecognizer(LineReader reader, PageRecognizerOptions options)
    : reader_(std::move(reader)), options_(std::move(options)) {
  if (!reader_) throw Error("PageRecognizer: no line reader");
}

PreparedPage PageRecognizer::prepare(cv::Mat image, const std::string& source,
                                     int page_index, double dpi) const {
  PreparedPage p = prepare_page(std::move(image), options_, source, page_index, dpi);
  // prepare_page measured its scene (it does when there is a choice to make): the grey page serves.
  if (options_.choice) p.reader_key = options_.choice->choose(p.original_gray, p);
  return p;
}

LineReader PageRecognizer::reader_for(const PreparedPage& page) const {
  return options_.choice && !page.reader_key.empty() ? options_.choice->reader(page.reader_key) : reader_;
}

cv::Mat prepare_line_image(const cv::Mat& image, const PreprocessOptions& preprocess, double dpi) {
  PageRecognizerOptions options;
  options.preprocess = preprocess;
  options.layout.mode = LayoutMode::Line;
  PreparedPage p = prepare_page(image, options, "", 0, dpi);
  return p.lines.empty() ? cv::Mat() : p.lines.front();
}

PreparedPage prepare_page(cv::Mat image, const PageRecognizerOptions& options,
                          const std::string& source, int page_index, double dpi) {
  if (image.empty()) throw FormatError(source + ": empty image");
  PreparedPage p;
  p.page.source = source;
  p.page.page_index = page_index;
  p.page.width = image.cols;
  p.page.height = image.rows;
  auto start = std::chrono::steady_clock::now();
  // From here on the grey page serves, and a sample of the colours for the scene: a colour page
  // moved in is freed before its preprocessing.
  p.original_gray = to_gray(image);
  ColourSample colours = sample_colours(image);
  image = p.original_gray;
  p.pre = preprocess(p.original_gray, options.preprocess, dpi);
  log::debug("{}: preprocessing {:.0f} ms ({}x{} -> {}x{})", source, ms_since(start), image.cols, image.rows,
             p.pre.gray.cols, p.pre.gray.rows);
  if (options.fax_detector || options.choice) p.scene = classify_scene(image, p.pre, &colours);
  colours = ColourSample();
  start = std::chrono::steady_clock::now();
  p.page.dpi = p.pre.dpi;
  p.page.skew_degrees = p.pre.skew_degrees;
  p.page.inverted = p.pre.inverted;
  // A whole image much wider than high and no taller than a few text lines is a line image
  // (a crop, a screenshot of one line): reading it as a page would cut it at its word gaps. So
  // is any image too low for two lines of readable print (a form field's `0/6`, 39 × 24): as a
  // page, the detector and the layout cut its few marks apart and read them as noise.
  LayoutOptions layout = options.layout;
  if (layout.mode == LayoutMode::Auto &&
      ((image.cols >= 4 * image.rows && image.rows <= 250) || image.rows <= kOneLineMaxHeight))
    layout.mode = LayoutMode::Line;
  layout.panels = p.pre.panels;
  bool detected = false;
  // Without a single glyph-sized mark, even under local thresholds (a blank page, the back of a
  // duplex scan), the detector would run twice at full size to find nothing.
  const bool glyphs_seen = p.pre.text_height > 0;
  if (options.detector && glyphs_seen && (layout.mode == LayoutMode::Page || layout.mode == LayoutMode::Auto)) {
    const TextLineDetector* detector = options.detector.get();
    if (options.fax_detector && *p.scene == Scene::Fax) detector = options.fax_detector.get();
    std::vector<DetectedLine> found = detector->detect(p.pre.gray, p.pre.text_height);
    log::debug("{}: {} {:.0f} ms", source, detector == options.fax_detector.get() ? "fax detector" : "detector",
               ms_since(start));
    if (!found.empty()) {
      DetectedPage d = layout_detected_lines(p.pre.gray, found, p.pre.panels);
      p.layout = std::move(d.layout);
      p.lines = std::move(d.lines);
      detected = !p.lines.empty();
      if (detected) p.detector = detector;
    } else {
      p.no_line_detected = true;
    }
  }
  // An image no taller than a few lines of print: a word's or a field's crop, whose marks are
  // too few for the page's statistics (a 61 × 25 `Kapuler` measured no glyph height at all).
  const bool crop_sized = image.rows <= kCropMaxHeight;
  if (p.no_line_detected && !crop_sized) {
    // The detector, at the page's scale and at half of it, found no line: the page's marks are
    // paper grain, noise, pictures or shapes. Cut by connected components, a blank scan's grain
    // was read as 3 000 words of garbage at a confidence of 0.8, so the page stays without text
    // (explain_empty says why; --detector heuristic reads it that way all the same).
    p.layout = PageLayout();
    p.layout.mode = layout.mode;
    p.lines.clear();
  } else if (!detected) {
    p.layout = analyze_layout(p.pre.gray, layout);
    p.lines = extract_line_images(p.pre.gray, p.layout);
    if (p.lines.empty() && crop_sized && layout.mode == LayoutMode::Auto && !blank_image(p.pre.gray)) {
      layout.mode = LayoutMode::Line;  // read whole, as one line, rather than not at all
      p.layout = analyze_layout(p.pre.gray, layout);
      p.lines = extract_line_images(p.pre.gray, p.layout);
    }
  }
  // A line image without ink (a blank crop) holds no line: read, it gave a lone `*`.
  if (layout.mode == LayoutMode::Line && blank_image(p.pre.gray)) {
    p.layout.blocks.clear();
    p.lines.clear();
  }
  if (options.detector && layout.mode == LayoutMode::Line) read_line_image_through_detector(p, *options.detector);
  log::debug("{}: layout {:.0f} ms ({} lines, {})", source, ms_since(start), p.lines.size(),
             detected ? "detector" : "heuristic");
  p.page.layout = layout_name(p.layout.mode);
  // A line that is still light-on-dark (a dark bar on a light page) is flipped for the reader.
  // A light class under a third of the line is not proof alone: a faint, blurred line on shaded
  // paper splits inside its own paper (a phone photo's `1 Sop Buntut` was flipped and dropped);
  // the line's outer ring must be dark too.
  for (auto& l : p.lines) {
    if (l.empty()) continue;
    cv::Mat tmp;
    cv::threshold(l, tmp, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    if (cv::countNonZero(tmp) < 0.35 * static_cast<double>(l.total()) && looks_inverted(l)) cv::bitwise_not(l, l);
  }
  return p;
}

PageResult PageRecognizer::finish(PreparedPage&& prep, const std::vector<RecognizedLine>& lines) const {
  if (lines.size() != prep.lines.size())
    throw ShapeError(prep.page.source + ": line reader returned " + std::to_string(lines.size()) +
                     " results for " + std::to_string(prep.lines.size()) + " lines");
  PageResult page = std::move(prep.page);
  Affine t(prep.pre.to_original);
  int W = page.width, H = page.height;
  size_t li = 0;
  for (const auto& block : prep.layout.blocks) {
    BlockResult br;
    for (const auto& par : block.paragraphs) {
      ParagraphResult pr;
      for (const auto& region : par.lines) {
        const RecognizedLine& rl = lines[li];
        const cv::Mat& crop = prep.lines[li];
        ++li;
        if (options_.drop_mark_lines && prep.layout.mode != LayoutMode::Line && (is_mark_line(rl) || rl.implausible))
          continue;
        cv::Rect c = region.crop;
        cv::Mat ink = crop_ink(crop);
        // Ink per column, once per line: word boxes below look up spans in it.
        std::vector<int> ink_cols(size_t(ink.cols), 0);
        for (int y = 0; y < ink.rows; ++y) {
          const uint8_t* row = ink.ptr<uint8_t>(y);
          for (int x = 0; x < ink.cols; ++x) ink_cols[size_t(x)] += row[x] != 0;
        }
        // Characters in working coordinates, vertical extent from the line box.
        std::vector<CharResult> chars;
        std::vector<std::pair<int, int>> xs;  // crop-relative spans, parallel to chars
        for (const auto& rc : rl.chars) {
          CharResult ch;
          ch.text = rc.text;
          ch.confidence = rc.confidence;
          int x0 = std::clamp(rc.x0, 0, crop.cols), x1 = std::clamp(std::max(rc.x1, rc.x0 + 1), 0, crop.cols);
          xs.push_back({x0, x1});
          ch.box = {c.x + x0, region.box.y, c.x + x1, region.box.y + region.box.height};
          chars.push_back(ch);
        }
        std::vector<WordResult> words = split_words(chars);
        if (options_.min_word_confidence > 0)
          words.erase(std::remove_if(words.begin(), words.end(),
                                     [&](const WordResult& w) { return w.confidence < options_.min_word_confidence; }),
                      words.end());
        if (words.empty()) continue;
        // Snap each word to the ink between its neighbours: CTC spans mark where a character
        // was emitted, not where its ink starts and ends.
        for (size_t wi = 0; wi < words.size(); ++wi) {
          auto& w = words[wi];
          int a = w.box.x0 - c.x, b = w.box.x1 - c.x;
          int lo = wi > 0 ? (words[wi - 1].box.x1 - c.x + a) / 2 : 0;
          int hi = wi + 1 < words.size() ? (b + words[wi + 1].box.x0 - c.x) / 2 : crop.cols;
          lo = std::clamp(lo, 0, crop.cols);
          hi = std::clamp(hi, lo, crop.cols);
          int first = -1, last = -1, top = -1, bottom = -1;
          for (int x = lo; x < hi; ++x)
            if (ink_cols[size_t(x)] > 0) {
              if (first < 0) first = x;
              last = x;
            }
          if (first >= 0) {
            for (int y = 0; y < ink.rows; ++y) {
              const uint8_t* row = ink.ptr<uint8_t>(y);
              if (std::any_of(row + first, row + last + 1, [](uint8_t v) { return v != 0; })) {
                if (top < 0) top = y;
                bottom = y;
              }
            }
            w.box = {c.x + first, c.y + top, c.x + last + 1, c.y + bottom + 1};
          }
          for (auto& ch : w.chars) {
            ch.box.x0 = std::clamp(ch.box.x0, w.box.x0, w.box.x1);
            ch.box.x1 = std::clamp(ch.box.x1, ch.box.x0, w.box.x1);
            ch.box.y0 = w.box.y0;
            ch.box.y1 = w.box.y1;
          }
          if (!w.chars.empty()) {  // the first and last characters reach the word's ink edges
            w.chars.front().box.x0 = w.box.x0;
            w.chars.back().box.x1 = w.box.x1;
          }
        }
        // Map everything back to input coordinates.
        LineResult lr;
        for (auto& w : words) {
          for (auto& ch : w.chars)
            ch.box = map_box(t, ch.box.x0, ch.box.y0, ch.box.x1, ch.box.y1, W, H);
          w.box = map_box(t, w.box.x0, w.box.y0, w.box.x1, w.box.y1, W, H);
        }
        lr.words = std::move(words);
        Box wb;
        for (const auto& w : lr.words) wb = wb.united(w.box);
        Box rb = map_box(t, region.box.x, region.box.y, region.box.x + region.box.width,
                         region.box.y + region.box.height, W, H);
        lr.box = rb.united(wb);
        cv::Point2d b0 = t(region.box.x, region.baseline);
        cv::Point2d b1 = t(region.box.x + region.box.width, region.baseline);
        lr.baseline_slope = std::abs(b1.x - b0.x) > 1e-6 ? (b1.y - b0.y) / (b1.x - b0.x) : 0;
        lr.baseline_offset = b0.y + lr.baseline_slope * (lr.box.x0 - b0.x) - lr.box.y1;
        lr.angle_degrees = page.skew_degrees;
        finalize_line(lr);
        pr.lines.push_back(std::move(lr));
      }
      if (!pr.lines.empty()) br.paragraphs.push_back(std::move(pr));
    }
    if (!br.paragraphs.empty()) page.blocks.push_back(std::move(br));
  }
  finalize_boxes(page);
  if (page.blocks.empty()) page.empty_reason = explain_empty(prep, lines, options_);
  return page;
}

PreparedPage PageRecognizer::prepare_turned(cv::Mat image, int degrees, const std::string& source,
                                            int page_index, double dpi) const {
  degrees = ((degrees % 360) + 360) % 360;
  if (degrees == 0) return prepare(std::move(image), source, page_index, dpi);
  if (degrees % 90) throw Error("rotation must be a multiple of 90 degrees, not " + std::to_string(degrees));
  cv::Mat turned;
  cv::rotate(image, turned, degrees == 90 ? cv::ROTATE_90_CLOCKWISE
                            : degrees == 180 ? cv::ROTATE_180 : cv::ROTATE_90_COUNTERCLOCKWISE);
  const double W = image.cols, H = image.rows;
  image.release();
  PreparedPage p = prepare(std::move(turned), source, page_index, dpi);
  // Turned-image coordinates back to the input's: x = W - u, y = H - v for 180 degrees, etc.
  cv::Mat back = degrees == 90    ? (cv::Mat_<double>(3, 3) << 0, 1, 0, -1, 0, H, 0, 0, 1)
                 : degrees == 180 ? (cv::Mat_<double>(3, 3) << -1, 0, W, 0, -1, H, 0, 0, 1)
                                  : (cv::Mat_<double>(3, 3) << 0, -1, W, 1, 0, 0, 0, 0, 1);
  cv::Mat to3 = cv::Mat::eye(3, 3, CV_64F);
  p.pre.to_original.copyTo(to3.rowRange(0, 2));
  p.pre.to_original = cv::Mat(back * to3).rowRange(0, 2).clone();
  p.page.width = int(W);
  p.page.height = int(H);
  p.page.orientation = degrees;
  return p;
}

namespace {

// How sure a page's reading is: the character-weighted mean of its line confidences.
double reading_confidence(const PageResult& page, size_t* characters = nullptr) {
  double sum = 0;
  size_t n = 0;
  for (const auto& b : page.blocks)
    for (const auto& par : b.paragraphs)
      for (const auto& l : par.lines) {
        sum += double(l.confidence) * double(l.text.size());
        n += l.text.size();
      }
  if (characters) *characters = n;
  return n ? sum / double(n) : 0;
}

// A reading of mostly symbols (a receipt's row of asterisks or dashes), which reads poorly either
// way up and says nothing of which way up the page is.
bool mostly_symbols(const std::string& text) {
  size_t alnum = 0, other = 0;
  for (unsigned char c : text) {
    if (c == ' ') continue;
    (std::isalnum(c) || c >= 0x80 ? alnum : other) += 1;
  }
  return other > alnum;
}

// Whether the page's ink runs in columns rather than rows (text turned by 90 degrees): text rows
// leave blank rows between them and few blank columns, a turned page the reverse.
bool ink_in_columns(const cv::Mat& gray) {
  cv::Mat ink;
  cv::threshold(gray, ink, 0, 1, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  const cv::Rect box = cv::boundingRect(ink);
  if (box.width < 16 || box.height < 16) return false;
  cv::Mat rows, cols;
  cv::reduce(ink(box), rows, 1, cv::REDUCE_SUM, CV_32S);
  cv::reduce(ink(box), cols, 0, cv::REDUCE_SUM, CV_32S);
  const double blank_rows = double(cv::countNonZero(rows == 0)) / box.height;
  const double blank_cols = double(cv::countNonZero(cols == 0)) / box.width;
  return blank_cols > 0.05 && blank_cols > 2 * blank_rows;
}

}  // namespace

PageResult PageRecognizer::orient(const cv::Mat& image, PageResult upright, const std::string& source,
                                  int page_index, double dpi, const cv::Mat& working_gray,
                                  const std::vector<cv::Mat>& upright_lines,
                                  const std::vector<RecognizedLine>& upright_readings, const LineReader* reader) const {
  // A turned page is read with the upright page's model: its scene is the same page's.
  const LineReader& read = reader ? *reader : reader_;
  // Upright pages of print read at 0.99 and more; upside-down print reads near 0.91 (turned
  // letters look like letters) and sideways near 0.75. Only unsure readings are tried turned, and
  // a turn must beat the reading as it was clearly: a hard upright page is never turned for a
  // reading of garbage that happens to score alike.
  constexpr double kSure = 0.97, kMargin = 0.04;
  constexpr size_t kSample = 12;
  // And a turn must read well in itself: a poor photo that reads at 0.7 upright is not turned
  // for garbage reading at 0.76.
  constexpr double kTurnedAtLeast = 0.9;
  size_t chars = 0;
  const double conf = reading_confidence(upright, &chars);
  // An image far taller than wide and no wider than a few lines is a line image turned sideways
  // (a vertical label, a book's spine): upright, the detector cuts it into scraps (`Q Q C`).
  const bool sideways_strip = image.rows >= 4 * image.cols && image.cols <= 250;
  if (options_.rotate != -1 || upright.layout == "line" || (chars < 20 && !sideways_strip) || conf >= kSure)
    return upright;
  // The widest lines, by index into `lines`. With their upright readings (upright_lines'), lines
  // read as mostly symbols come last: a receipt's rows of asterisks read poorly either way up and
  // made an upside-down photo's turned sample read 0.51, its text lines 0.95.
  auto widest = [&](const std::vector<cv::Mat>& lines, const std::vector<RecognizedLine>* readings = nullptr) {
    std::vector<size_t> order(lines.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::vector<char> symbols(lines.size(), 0);
    if (readings && readings->size() == lines.size())
      for (size_t i = 0; i < lines.size(); ++i) symbols[i] = mostly_symbols((*readings)[i].text);
    const size_t k = std::min(kSample, lines.size());
    std::partial_sort(order.begin(), order.begin() + long(k), order.end(), [&](size_t a, size_t b) {
      return symbols[a] != symbols[b] ? symbols[a] < symbols[b] : lines[a].cols > lines[b].cols;
    });
    order.resize(k);
    return order;
  };
  // A turn is judged on the widest lines, and when the first few of them already read surely
  // upright no turn can win: upside down, the widest four lines of the 83 dev pages read 0.925 at
  // most, sideways lower. A fax or a photo whose reading is unsure for its short scraps (stamps,
  // logos, fields) is spared the turned reading (10 of 14 unsure forms, 4 of 22 photos).
  constexpr size_t kFirstLook = 4;
  if (upright_readings.size() == upright_lines.size() && !upright_lines.empty()) {
    const std::vector<size_t> first = widest(upright_lines, &upright_readings);
    double sum = 0, n = 0;
    for (size_t i = 0; i < std::min(kFirstLook, first.size()); ++i) {
      const RecognizedLine& l = upright_readings[first[i]];
      sum += double(l.confidence) * double(l.text.size());
      n += double(l.text.size());
    }
    if (n >= 20 && sum / n >= kSure) return upright;
  }
  // Sideways print reads near 0.75: a reading that poor is tried sideways even when its ink
  // does not run in columns (a sparse receipt leaves blank columns and rows alike).
  constexpr double kSideways = 0.85;
  std::vector<int> turns = {180};
  // The detector finds upright lines only: a page where it found many long, flat lines is not
  // sideways, however poor its reading (a fax), and is spared two turned readings. Nor is one
  // where it found many lines that read fairly well, however short: a receipt's two columns of
  // short fields leave blank columns as turned text does, and its two sideways readings, of a
  // page enlarged for the small text the turned ink seemed to be, took 0.5 s.
  size_t flat_lines = 0, lines = 0;
  for (const auto& b : upright.blocks)
    for (const auto& p : b.paragraphs)
      for (const auto& l : p.lines) {
        flat_lines += l.box.x1 - l.box.x0 >= 4 * (l.box.y1 - l.box.y0);
        ++lines;
      }
  // But a reading poorer than sideways print's is tried turned all the same: the detector finds
  // flat "lines" across the rows of characters of a receipt photographed sideways (read at 0.65).
  constexpr double kWorseThanSideways = 0.7;
  const bool rows_of_text = options_.detector && ((flat_lines >= 8 && conf >= kWorseThanSideways) ||
                                                  (lines >= 16 && conf >= kSideways));
  if (rows_of_text) turns = {180};
  else if (ink_in_columns(working_gray)) turns = {90, 270, 180};
  else if (conf < kSideways) turns = {180, 90, 270};
  if (sideways_strip) turns = {90, 270};
  PageResult best = std::move(upright);
  double best_conf = conf;
  auto widest_crops = [&](const std::vector<cv::Mat>& lines, const std::vector<RecognizedLine>* readings = nullptr) {
    std::vector<cv::Mat> sample;
    for (size_t i : widest(lines, readings)) sample.push_back(lines[i]);
    return sample;
  };
  // The character-weighted confidence of reading a sample. Its widest few lines are read first,
  // and the rest only when those come close to `needed`: an upright page's turned lines read
  // well below it (0.92 at most against the 0.98 needed, on the dev forms and photos), and its
  // unsure upright reading (every fax) cost a dozen turned lines.
  constexpr double kFirstLookSlack = 0.05;
  // Readings of mostly symbols count only when nothing else was read: a sideways receipt
  // photo's widest turned lines were its rows of asterisks (0.50 against the 0.9 needed).
  auto sample_confidence = [&](const std::vector<cv::Mat>& sample, double needed) {
    double sum = 0, n = 0, symbol_sum = 0, symbol_n = 0;
    auto add = [&](const std::vector<RecognizedLine>& lines) {
      for (const auto& l : lines) {
        const double chars = double(l.text.size());
        const bool symbols = mostly_symbols(l.text);
        (symbols ? symbol_sum : sum) += double(l.confidence) * chars;
        (symbols ? symbol_n : n) += chars;
      }
    };
    auto mean = [&] { return n > 0 ? sum / n : symbol_n > 0 ? symbol_sum / symbol_n : 0.0; };
    const size_t first = std::min(kFirstLook, sample.size());
    add(read(std::vector<cv::Mat>(sample.begin(), sample.begin() + long(first))));
    if (first == sample.size() || (n + symbol_n > 0 && mean() < needed - kFirstLookSlack)) return mean();
    add(read(std::vector<cv::Mat>(sample.begin() + long(first), sample.end())));
    return mean();
  };
  for (int degrees : turns) {
    const double needed = std::max(best_conf + kMargin, kTurnedAtLeast);
    // Upside down, the page's lines are its upright lines turned: a dozen crops turned in place
    // say whether the turned page is worth a second preprocessing and layout.
    if (degrees == 180 && !upright_lines.empty()) {
      std::vector<cv::Mat> turned = widest_crops(upright_lines, &upright_readings);
      for (auto& l : turned) cv::rotate(l, l, cv::ROTATE_180);
      const double turned_conf = sample_confidence(turned, needed);
      log::debug("{}: page {} lines turned in place read {:.3f} ({:.3f} needed)", source, page_index + 1, turned_conf,
                 needed);
      if (turned_conf < needed) continue;
    }
    PreparedPage p = prepare_turned(image, degrees, source, page_index, dpi);
    if (p.lines.empty()) continue;
    // A turn that loses is judged on its widest lines only: a receipt that reads unsure upright
    // costs a layout and a dozen lines more, not a second reading.
    // Upside down, the turned crops have just read well: the page is read whole. (Its own widest
    // lines may be scraps the reading drops, a receipt photo's table edge: 0.68 against the 0.96
    // its text lines read turned in place, and the page stayed upside down.)
    const bool turned_in_place = degrees == 180 && !upright_lines.empty();
    if (p.lines.size() > kSample && !turned_in_place) {
      const double sample_conf = sample_confidence(widest_crops(p.lines), needed);
      log::debug("{}: page {} turned by {} degrees: its widest lines read {:.3f} ({:.3f} needed)", source,
                 page_index + 1, degrees, sample_conf, needed);
      if (sample_conf < needed) continue;
    }
    std::vector<RecognizedLine> lines = read(p.lines);
    PageResult r = finish(std::move(p), lines);
    r.scene = best.scene;
    r.models = best.models;
    const double c = reading_confidence(r);
    if (c >= best_conf + kMargin && c >= kTurnedAtLeast) {
      log::debug("{}: page {} read turned by {} degrees ({:.3f} against {:.3f})", source, page_index + 1, degrees,
                 c, best_conf);
      best = std::move(r);
      best_conf = c;
    }
  }
  if (best.orientation != 0)
    log::info("{}: page {} was turned by {} degrees to be read", source, page_index + 1, best.orientation);
  return best;
}

PageResult PageRecognizer::recognize(const cv::Mat& image, const std::string& source,
                                     int page_index, double dpi) const {
  const int turn = options_.rotate > 0 ? options_.rotate : 0;
  PreparedPage p = prepare_turned(image, turn, source, page_index, dpi);
  const cv::Mat gray = p.pre.gray;  // shared, for orient after finish() takes p
  const LineReader read = reader_for(p);
  auto start = std::chrono::steady_clock::now();
  std::vector<RecognizedLine> lines = p.lines.empty() ? std::vector<RecognizedLine>{} : read(p.lines);
  keep_surer_alternative(p, lines, read);
  log::debug("{}: reading {:.0f} ms ({} lines)", source, ms_since(start), lines.size());
  const std::vector<cv::Mat> crops = p.lines;
  start = std::chrono::steady_clock::now();
  PageResult result = orient(image, finish(std::move(p), lines), source, page_index, dpi, gray, crops, lines, &read);
  log::debug("{}: orientation check {:.0f} ms", source, ms_since(start));
  return result;
}

std::vector<PageOutcome> PageRecognizer::recognize_pages(
    int n, const std::function<std::optional<PageSource>(int)>& load, int threads) const {
  std::vector<PageOutcome> out(static_cast<size_t>(std::max(n, 0)));
  std::vector<std::optional<PreparedPage>> prepared(out.size());
  std::vector<std::string> sources(out.size());
  std::vector<PageSource> kept(out.size());  // the images, for a second reading turned
  const int turn = options_.rotate > 0 ? options_.rotate : 0;
  {
    // One thread means one core; several pages at once means OpenMP owns the cores. Only a lone
    // page on several cores leaves OpenCV's pool to spread its filters.
    const OpenCvSingleThread one_per_page(threads <= 1 || n > 1);
#pragma omp parallel for schedule(dynamic) num_threads(std::max(1, std::min(n, threads))) if (n > 1 && threads > 1)
    for (int k = 0; k < n; ++k) {
      try {
        std::optional<PageSource> page = load(k);
        if (!page) continue;
        sources[size_t(k)] = page->source;
        // The image is handed over: a colour page is freed once its grey copy is made, and the
        // orientation check turns the grey page (turn is 0 whenever it runs).
        prepared[size_t(k)] = prepare_turned(std::move(page->image), turn, page->source, page->page_index, page->dpi);
        if (options_.rotate == -1) {
          kept[size_t(k)] = *page;
          kept[size_t(k)].image = prepared[size_t(k)]->original_gray;
        }
      } catch (const std::exception& e) {
        out[size_t(k)].error = e.what();
      }
    }
  }
  // The lines of all pages that share a reader go to it in one call (pages of different models,
  // under --engines auto, make one call per model).
  std::vector<std::string> keys;  // in order of first use
  for (const auto& p : prepared)
    if (p && std::find(keys.begin(), keys.end(), p->reader_key) == keys.end()) keys.push_back(p->reader_key);
  std::vector<std::vector<RecognizedLine>> read_by_page(out.size());
  std::vector<char> pooled_ok(out.size(), 0);
  for (const std::string& key : keys) {
    std::vector<cv::Mat> lines;
    std::vector<size_t> pages;
    for (size_t k = 0; k < out.size(); ++k)
      if (prepared[k] && prepared[k]->reader_key == key) {
        lines.insert(lines.end(), prepared[k]->lines.begin(), prepared[k]->lines.end());
        pages.push_back(k);
      }
    std::vector<RecognizedLine> read;
    bool ok = true;
    const auto start = std::chrono::steady_clock::now();
    try {
      if (!lines.empty()) read = reader_for(*prepared[pages.front()])(lines);
      log::debug("reading {:.0f} ms ({} lines of {} pages)", ms_since(start), lines.size(), pages.size());
      ok = read.size() == lines.size();
    } catch (const std::exception&) {
      ok = false;  // find the culprit by reading the pages one at a time
    }
    if (!ok) continue;
    size_t off = 0;
    for (size_t k : pages) {
      const size_t m = prepared[k]->lines.size();
      read_by_page[k].assign(read.begin() + long(off), read.begin() + long(off + m));
      pooled_ok[k] = 1;
      off += m;
    }
  }
  for (size_t k = 0; k < out.size(); ++k) {
    if (!prepared[k]) continue;
    const size_t m = prepared[k]->lines.size();
    const int page_index = prepared[k]->page.page_index;
    try {
      const LineReader read = reader_for(*prepared[k]);
      std::vector<RecognizedLine> mine = std::move(read_by_page[k]);
      if (!pooled_ok[k] && m > 0) mine = read(prepared[k]->lines);
      keep_surer_alternative(*prepared[k], mine, read);
      const cv::Mat gray = prepared[k]->pre.gray;  // shared, for orient after finish() takes the page
      const std::vector<cv::Mat> crops = prepared[k]->lines;
      const std::vector<RecognizedLine> readings = mine;
      out[k].result = finish(std::move(*prepared[k]), mine);
      const auto start = std::chrono::steady_clock::now();
      if (options_.rotate == -1)
        out[k].result = orient(kept[k].image, std::move(*out[k].result), kept[k].source, kept[k].page_index,
                               kept[k].dpi, gray, crops, readings, &read);
      log::debug("{}: orientation check {:.0f} ms", sources[k], ms_since(start));
    } catch (const std::exception& e) {
      out[k].error = sources[k] + ": page " + std::to_string(page_index + 1) + ": " + e.what();
    }
  }
  return out;
}

}  // namespace ocr
