#include "ocr/detect/detector.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <string>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/image/resample.h"
#include "ocr/model/model.h"
#include "ocr/nn/network.h"

namespace ocr {

namespace {

// Strips of about this many input pixels are read at a time (384 to 2048 rows), each with
// kContextRows more above and below whose map rows are thrown away: the network's receptive
// field reaches past a strip's edge, and a line cut by it must still look like the same line
// from both sides. The context is work done twice: strips of 256 rows read 1.75 times the page;
// of 384 and more, at most 1.5 times (CPU per page 4-9 % less on every dev set). The budget
// keeps a 300-dpi A4 page under 100 MiB (94 MiB: its
// working page, 1 080 px wide at the detector's scale, in strips of 485 rows); narrow pages
// such as receipts get taller strips and less context overhead.
constexpr double kStripPixels = 512.0 * 1024;
constexpr int kMinStripRows = 384, kMaxStripRows = 2048;
constexpr int kContextRows = 96;
// Paper added below the page before it is read, in map px (4 map px = 1.6 x-heights).
constexpr int kBottomMarginMapPx = 4;

double number(const ModelMetadata& m, const std::string& key, double fallback) {
  auto it = m.extra.find(key);
  if (it == m.extra.end()) return fallback;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    throw FormatError("detector setting " + key + " is not a number: '" + it->second + "'");
  }
}

int round_up(int v, int m) { return (v + m - 1) / m * m; }

}  // namespace

DetectorSettings detector_settings(const Model& model) {
  DetectorSettings s;
  const ModelMetadata& m = model.metadata();
  s.text_height = number(m, "detector.text_height", s.text_height);
  s.threshold = float(number(m, "detector.threshold", s.threshold));
  s.min_score = float(number(m, "detector.min_score", s.min_score));
  if (!(s.text_height > 2 && s.text_height < 200) || !(s.threshold > 0 && s.threshold < 1))
    throw FormatError("detector settings out of range (text height " + std::to_string(s.text_height) +
                      ", threshold " + std::to_string(s.threshold) + ")");
  return s;
}

void store_detector_settings(Model& model, const DetectorSettings& s) {
  auto& extra = model.metadata().extra;
  extra["detector.text_height"] = std::to_string(s.text_height);
  extra["detector.threshold"] = std::to_string(s.threshold);
  extra["detector.min_score"] = std::to_string(s.min_score);
}

double detector_scale(double page_text_height, double model_text_height) {
  if (!(page_text_height > 0)) return 1.0;
  return std::clamp(model_text_height / page_text_height, 0.125, 2.0);
}

Activations make_detector_input(const std::vector<cv::Mat>& pages) {
  if (pages.empty()) throw ShapeError("make_detector_input: no pages");
  const int h = pages[0].rows;
  std::vector<int> widths;
  int w = 0;
  for (const auto& p : pages) {
    if (p.type() != CV_8UC1 || p.rows != h)
      throw ShapeError("make_detector_input: pages must be CV_8UC1 of one height");
    widths.push_back(p.cols);
    w = std::max(w, p.cols);
  }
  const int n = int(pages.size());
  Activations a;
  a.resize(1, n, h, w, widths);
  a.data.setZero();
  for (int i = 0; i < n; ++i) {
    const cv::Mat& p = pages[size_t(i)];
    for (int x = 0; x < p.cols; ++x) {
      Scalar* col = a.data.data() + a.column(x, i, 0);
      for (int y = 0; y < h; ++y) col[y] = Scalar(255 - p.at<uint8_t>(y, x)) / Scalar(255);
    }
  }
  return a;
}

cv::Mat core_probability(const Activations& logits, int n) {
  cv::Mat prob(logits.height, logits.widths[size_t(n)], CV_32FC1);
  for (int x = 0; x < prob.cols; ++x)
    for (int y = 0; y < prob.rows; ++y) {
      const double z = double(logits.data(0, logits.column(x, n, y)));
      prob.at<float>(y, x) = float(1 / (1 + std::exp(-z)));
    }
  return prob;
}

TextLineDetector::TextLineDetector(std::shared_ptr<const Model> model) : model_(std::move(model)) {
  if (!model_) throw Error("TextLineDetector: no model");
  if (!model_->is_detector()) throw Error("the model is a text recognizer, not a line detector");
  settings_ = detector_settings(*model_);
}

TextLineDetector::~TextLineDetector() = default;

TextLineDetector::CoreMap TextLineDetector::core_map(const cv::Mat& gray, double page_text_height) const {
  if (gray.empty() || gray.type() != CV_8UC1) throw ShapeError("detector: expected a CV_8UC1 page");
  auto net = model_->instantiate_for_inference();
  // A strip's maps are MB each: only those alive at once are held, not one set per block.
  net->set_keep_inference_buffers(false);
  const int div = net->width_divisor();
  const double s = detector_scale(page_text_height, settings_.text_height);
  cv::Mat scaled;
  const cv::Size size(std::max(div, int(std::lround(gray.cols * s))), std::max(div, int(std::lround(gray.rows * s))));
  if (s < 1) area_resize(gray, scaled, size);
  else cv::resize(gray, scaled, size, 0, 0, cv::INTER_LINEAR);
  // Paper on the right and bottom up to whole map pixels, and a margin more below. The net learnt
  // lines with paper around them: a last line at the very bottom of a cut-out photo (a receipt's
  // `THANK YOU!` above the slice of a line cut in half) was found faintly or not at all. (Margins
  // all round moved every strip's seam, and cost receipt photos a point.)
  const int W = round_up(scaled.cols, div), H = round_up(scaled.rows, div) + kBottomMarginMapPx * div;
  cv::copyMakeBorder(scaled, scaled, 0, H - scaled.rows, 0, W - scaled.cols, cv::BORDER_CONSTANT, 255);

  CoreMap out;
  cv::Mat padded_prob = cv::Mat::zeros(H / div, W / div, CV_32FC1);
  out.page_px = div * double(gray.cols) / double(size.width);  // s after rounding to whole px
  const int strip_rows = round_up(std::clamp(int(kStripPixels / W), kMinStripRows, kMaxStripRows), div);
  for (int y0 = 0; y0 < H; y0 += strip_rows) {
    const int y1 = std::min(H, y0 + strip_rows);
    const int a = std::max(0, y0 - kContextRows), b = std::min(H, y1 + kContextRows);
    cv::Mat strip = scaled.rowRange(a, b);
    const Activations& logits = net->forward(make_detector_input({strip}), Mode::Infer);
    cv::Mat prob = core_probability(logits, 0);
    const int from = (y0 - a) / div, rows = (y1 - y0) / div;
    prob.rowRange(from, from + rows).copyTo(padded_prob.rowRange(y0 / div, y0 / div + rows));
  }
  out.prob = padded_prob(cv::Rect(0, 0, round_up(size.width, div) / div,
                                  round_up(size.height, div) / div))
                 .clone();
  return out;
}

double lines_text_height(const std::vector<DetectedLine>& lines) {
  // Each line one vote: a barcode or a logo taken for one wide, thick line must not outweigh
  // the many lines of text around it.
  std::vector<double> h;
  for (const auto& l : lines)
    if (l.x_height > 0) h.push_back(l.x_height);
  if (h.empty()) return 0;
  std::nth_element(h.begin(), h.begin() + h.size() / 2, h.end());
  return h[h.size() / 2];
}

TextLineDetector::Detection TextLineDetector::run(const cv::Mat& gray, double page_text_height) const {
  auto read_at = [&](double text_height) {
    Detection d;
    d.text_height = text_height;
    d.map = core_map(gray, text_height);
    LineFinderOptions opt;
    opt.threshold = settings_.threshold;
    opt.min_score = settings_.min_score;
    opt.scale = d.map.page_px;
    opt.page_size = gray.size();
    d.lines = find_lines(d.map.prob, opt);
    log::debug("detector: read at text height {:.1f} px (scale {:.2f}): {} lines", text_height,
               detector_scale(text_height, settings_.text_height), d.lines.size());
    return d;
  };
  const double estimate = page_text_height > 0 ? page_text_height : settings_.text_height;
  Detection d = read_at(estimate);
  // Nothing at the estimated size: the estimate may be far too small (specks, a screen of dots
  // taken for letters), and the text shows at half the scale. (Twice the scale is not tried: it
  // costs four times the work and memory, and a page turned sideways, which the orientation
  // check reads, finds nothing at any scale.)
  if (d.lines.empty()) d = read_at(estimate * 2);
  // The lines measure the page's x-height better than any estimate from its ink: when they
  // disagree, the page was read at the wrong scale, and is read again at its own.
  const double measured = lines_text_height(d.lines);
  if (measured > 0) {
    const double ratio =
        detector_scale(measured, settings_.text_height) / detector_scale(d.text_height, settings_.text_height);
    if (std::abs(std::log(ratio)) > std::log(1.3)) {
      Detection again = read_at(measured);
      if (!again.lines.empty()) {
        // Print of another size keeps its lines from the first reading, where they were at
        // their own scale and the second reading has nothing on them: a title page's subtitle
        // (23 px under a 75 px title, which measured the page) was lost.
        const double first_scale = detector_scale(d.text_height, settings_.text_height);
        for (DetectedLine& l : d.lines) {
          const double own = detector_scale(l.x_height, settings_.text_height) / first_scale;
          if (!(l.x_height > 0) || std::abs(std::log(own)) > std::log(1.3)) continue;
          bool covered = false;
          for (const DetectedLine& m : again.lines)
            covered = covered || (l.box & m.box).area() > 0.3 * std::min(l.box.area(), m.box.area());
          if (!covered) again.lines.push_back(std::move(l));
        }
        sort_top_to_bottom(again.lines);
        d = std::move(again);
      }
    }
  }
  return d;
}

}  // namespace ocr
