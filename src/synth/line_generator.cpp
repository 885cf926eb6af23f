#include "ocr/synth/line_generator.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <string_view>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/rng.h"
#include "ocr/core/utf8.h"
#include "ocr/synth/degrade.h"
#include "ocr/synth/font_table.h"
#include "ocr/synth/renderer.h"
#include "ocr/synth/text_source.h"

namespace ocr::synth {

namespace fs = std::filesystem;

namespace {

// fax: ~100 dpi faxes and typed forms (x-height 5-13 px, binarised, rulings and box edges, loose
// field crops); phone: phone photos of receipts and print (slanted and curved lines, shadows,
// motion and defocus blur, grey paper, low JPEG quality).
enum Profile { kScanBinary = 0, kScanGray, kPhoto, kScreen, kReceipt, kFax, kPhone, kProfileCount };
const double kDefaultWeights[kProfileCount] = {0.38, 0.2, 0.08, 0.1, 0.1, 0.07, 0.07};

double deg(double d) { return d * M_PI / 180.0; }


// Pastes src into dst at (ox, oy) keeping the darker ink (max), clipped to dst.
void paste_max(cv::Mat& dst, const cv::Mat& src, int ox, int oy) {
  cv::Rect d(ox, oy, src.cols, src.rows);
  cv::Rect clip = d & cv::Rect(0, 0, dst.cols, dst.rows);
  if (clip.empty()) return;
  cv::Mat a = dst(clip);
  cv::Mat b = src(cv::Rect(clip.x - ox, clip.y - oy, clip.width, clip.height));
  cv::max(a, b, a);
}

// The first n words of s.
std::u32string first_words(const std::u32string& s, int n) {
  size_t end = 0;
  for (int w = 0; w < n && end < s.size(); ++w) {
    const size_t next = s.find(U' ', end + (w > 0 ? 1 : 0));
    end = next == std::u32string::npos ? s.size() : next;
  }
  return s.substr(0, end);
}

// Turns one space between words (not the first or last character) into a tab; false when s has
// no such space.
bool with_tab_gap(std::u32string& s) {
  std::vector<size_t> spaces;
  for (size_t i = 1; i + 1 < s.size(); ++i)
    if (s[i] == U' ' && s[i - 1] != U' ' && s[i + 1] != U' ') spaces.push_back(i);
  if (spaces.empty()) return false;
  s[spaces[spaces.size() / 2]] = U'\t';
  return true;
}

char32_t to_upper(char32_t c);
std::u32string upper_case(std::u32string s) {
  for (auto& c : s)
    if (c != 0xDF) c = to_upper(c);
  return s;
}

char32_t to_upper(char32_t c) {
  if (c >= U'a' && c <= U'z') return c - 32;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c == 0x153) return 0x152;
  return c;
}

// Small capitals faked the way many documents do: lower-case letters drawn as capitals scaled
// to the x-height. The label is in capitals too: that is what the glyphs are, and how UW-III and
// other ground truth transcribe small caps ("Kuhn" set in small caps reads "KUHN").
void append_small_caps(std::vector<TextRun>& runs, const std::u32string& s, int face, double scale) {
  for (char32_t c : s) {
    char32_t u = to_upper(c);
    double sc = u != c ? scale : 1.0;
    if (runs.empty() || runs.back().face != face || runs.back().scale != sc) runs.push_back({U"", face, sc});
    runs.back().text.push_back(u);
  }
}

cv::Mat to8u(const cv::Mat& f) {
  cv::Mat out;
  f.convertTo(out, CV_8U, 255.0);
  return out;
}

// Adds sensor noise of σ sigma: tiles of a fixed noise texture at a random offset, which costs a
// copy instead of a normal draw per pixel.
void add_noise(cv::Mat& img, const cv::Mat& tex, double sigma, Rng& rng) {
  if (sigma <= 0) return;
  int ox = static_cast<int>(rng.integer(0, tex.cols - 1)), oy = static_cast<int>(rng.integer(0, tex.rows - 1));
  for (int y = 0; y < img.rows;) {
    int sy = (oy + y) % tex.rows, h = std::min(img.rows - y, tex.rows - sy);
    for (int x = 0; x < img.cols;) {
      int sx = (ox + x) % tex.cols, w = std::min(img.cols - x, tex.cols - sx);
      cv::Mat dst = img(cv::Rect(x, y, w, h));
      cv::scaleAdd(tex(cv::Rect(sx, sy, w, h)), sigma, dst, dst);
      x += w;
    }
    y += h;
  }
}

// Multiplies by 1 + amp · (low-frequency field + linear gradient): uneven paper and lighting.
// Both parts are built on a coarse grid and interpolated once (a gradient interpolates exactly).
void shade(cv::Mat& img, double amp, double corr, Rng& rng) {
  if (amp <= 0) return;
  corr = std::max(2.0, corr);
  int w = std::max(2, static_cast<int>(std::ceil(img.cols / corr)) + 1);
  int h = std::max(2, static_cast<int>(std::ceil(img.rows / corr)) + 1);
  double gx = rng.normal(0, 1), gy = rng.normal(0, 1);
  cv::Mat grid(h, w, CV_32FC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      grid.at<float>(y, x) = static_cast<float>(
          1.0 + amp * (0.5 * rng.normal() + gx * (x / (w - 1.0) - 0.5) + gy * (y / (h - 1.0) - 0.5)));
  cv::Mat field;
  cv::resize(grid, field, img.size(), 0, 0, cv::INTER_LINEAR);
  cv::multiply(img, field, img);
}

}  // namespace

size_t pick_weighted(Rng& rng, const std::vector<double>& w) {
  double total = 0;
  for (double x : w) total += x;
  double u = rng.uniform(0, total);
  for (size_t i = 0; i < w.size(); ++i) {
    if (u < w[i]) return i;
    u -= w[i];
  }
  return w.size() - 1;
}

const std::vector<std::string>& profile_names() {
  static const std::vector<std::string> names = {"scan_binary", "scan_gray", "photo", "screen", "receipt", "fax", "phone"};
  return names;
}

std::string default_data_dir() {
  std::vector<fs::path> cands;
  if (const char* env = std::getenv("OCR_DATA_DIR")) cands.emplace_back(env);
  cands.emplace_back("data");
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path d = exe.parent_path();
    cands.push_back(d / ".." / "data");
    cands.push_back(d / ".." / ".." / "data");
    cands.push_back(d / ".." / "share" / "ocr");
  }
  // The source tree this file was compiled from (absolute in CMake builds).
  cands.push_back(fs::path(__FILE__).parent_path() / ".." / ".." / "data");
  for (const auto& c : cands)
    if (fs::exists(c / "fonts.tsv", ec)) return fs::weakly_canonical(c, ec).string();
  throw IoError("cannot find the data directory with fonts.tsv (set OCR_DATA_DIR)");
}

struct LineGenerator::Impl {
  GeneratorConfig cfg;
  std::u32string alphabet;
  std::unique_ptr<FontSet> fonts;
  std::unique_ptr<TextSource> text;
  Renderer renderer;
  Rng rng;
  std::vector<double> profile_w;
  std::vector<int> print_faces, receipt_faces, screen_faces;
  std::vector<double> print_w, receipt_w, screen_w;
  std::vector<int> mono_faces;  // Courier-like and code faces, for line-printer listings
  std::vector<double> mono_w;
  std::vector<int> hand_faces;  // handwriting, for form fields filled in by hand
  std::vector<double> hand_w;
  bool fill_in_blank = false;   // a form's blank to write on sits in this line's one tab gap
  bool lineprinter = false;     // this line imitates a line printer or typewriter listing
  std::string notes;            // what else is special about this line, for origin
  uint64_t count = 0;
  int last_profile = 0, last_face = 0;
  cv::Mat noise_tex;  // unit normal noise, 1024 x 256

  explicit Impl(const GeneratorConfig& c) : cfg(c), rng(c.seed), noise_tex(256, 1024, CV_32FC1) {
    cv::RNG local(c.seed * 0x9E3779B97F4A7C15ull + 1);
    local.fill(noise_tex, cv::RNG::NORMAL, 0.0, 1.0);
  }

  int pick_face(int profile) {
    if (profile == kReceipt && !receipt_faces.empty()) return receipt_faces[pick_weighted(rng, receipt_w)];
    // Phone photos are mostly of receipts; forms are often typed.
    if (profile == kPhone && !receipt_faces.empty() && rng.chance(0.6)) return receipt_faces[pick_weighted(rng, receipt_w)];
    // Forms: some fields are filled in by hand (names, dates, remarks).
    if (profile == kFax && !hand_faces.empty() && rng.chance(cfg.hand_share)) return hand_faces[pick_weighted(rng, hand_w)];
    if (profile == kFax && !mono_faces.empty() && rng.chance(0.4)) return mono_faces[pick_weighted(rng, mono_w)];
    if (lineprinter && !mono_faces.empty()) return mono_faces[pick_weighted(rng, mono_w)];
    if (profile == kScreen) return screen_faces[pick_weighted(rng, screen_w)];
    return print_faces[pick_weighted(rng, print_w)];
  }

  // Splits the text into runs; some print lines set one to three words in the italic or bold
  // sibling of the face, as emphasis does in real print.
  // Word starts of s, and the span [from, to) of one to three words (or the whole line).
  std::pair<size_t, size_t> word_span(const std::u32string& s, bool whole_ok) {
    std::vector<size_t> starts;
    for (size_t i = 0; i < s.size(); ++i)
      if (i == 0 || s[i - 1] == U' ') starts.push_back(i);
    if (starts.size() < 2) return {0, whole_ok ? s.size() : 0};
    size_t a = static_cast<size_t>(rng.integer(0, starts.size() - 1));
    size_t b = std::min(starts.size(), a + static_cast<size_t>(rng.integer(1, 3)));
    if (b - a == starts.size() && !whole_ok) return {0, 0};
    return {starts[a], b < starts.size() ? starts[b] - 1 : s.size()};
  }

  // Splits the text into runs; some print lines set one to three words in the italic or bold
  // sibling of the face, as emphasis does in real print, and a few use small capitals.
  std::vector<TextRun> runs_for(const std::u32string& s, int face, bool mix) {
    const Face& f = (*fonts)[face];
    if (mix && rng.chance(0.15)) {
      int sib = -1;
      if (f.entry.style == "regular") sib = rng.chance(0.7) ? (f.italic >= 0 ? f.italic : f.bold) : (f.bold >= 0 ? f.bold : f.italic);
      else sib = f.regular;
      auto [from, to] = word_span(s, false);
      if (sib >= 0 && to > from) {
        std::vector<TextRun> runs;
        if (from > 0) runs.push_back({s.substr(0, from), face});
        runs.push_back({s.substr(from, to - from), sib});
        notes += " mixed";
        if (to < s.size()) runs.push_back({s.substr(to), face});
        return runs;
      }
    }
    if (mix && rng.chance(0.03)) {
      auto [from, to] = rng.chance(0.3) ? std::pair<size_t, size_t>{0, s.size()} : word_span(s, true);
      if (to > from) {
        double scale = std::clamp(f.x_height_em / f.cap_height_em * rng.uniform(1.0, 1.12), 0.6, 0.9);
        std::vector<TextRun> runs;
        if (from > 0) runs.push_back({s.substr(0, from), face});
        append_small_caps(runs, s.substr(from, to - from), face, scale);
        notes += " smallcaps";
        if (to < s.size()) runs.push_back({s.substr(to), face});
        return runs;
      }
    }
    return {{s, face}};
  }

  bool covered(const std::vector<TextRun>& runs) const {
    for (const auto& r : runs)
      for (char32_t c : r.text)
        if (c != U' ' && c != U'\t' && !(*fonts)[r.face].has(c)) return false;
    return true;
  }

  void typeset(RenderParams& p, double xh, int face, int profile) {
    const Face& f = (*fonts)[face];
    p.px_per_em = xh / f.x_height_em;
    const double em = p.px_per_em;
    p.liga = rng.chance(0.85);
    p.kern = rng.chance(0.95);
    p.lnum = rng.chance(0.5);  // only changes faces with old-style default figures (EB Garamond)
    if (rng.chance(0.25)) p.letter_spacing = rng.uniform(-0.03, 0.06) * em;
    if (rng.chance(0.33)) p.word_spacing = rng.uniform(0, 0.5) * em;
    else if (rng.chance(0.06)) p.word_spacing = rng.uniform(-0.15, 0) * em;  // tightly set lines
    if (profile == kScreen) {
      p.hinted = true;
      return;
    }
    const bool photo = profile == kPhoto || profile == kReceipt || profile == kPhone;
    // A phone held at an angle: lines slant in their boxes and lean (perspective), and curve.
    const bool phone = profile == kPhone;
    p.rotation = deg(rng.normal(0, phone ? 0.8 : photo ? 0.5 : 0.3));
    p.shear = rng.normal(0, phone ? 0.05 : 0.015);
    p.x_stretch = std::exp(rng.normal(profile == kReceipt ? -0.05 : 0, 0.04));
    // Receipt printers squeeze fields into narrow columns (glyphs at half to 0.85 of their
    // width, beyond any condensed face) and print totals and shop names double-wide; a
    // recognizer that never saw either reads "AMAZING INDIA" as a row of strokes.
    if (profile == kReceipt || profile == kPhone) {
      if (rng.chance(0.22)) p.x_stretch = rng.uniform(0.5, 0.85);
      else if (rng.chance(0.06)) p.x_stretch = rng.uniform(1.3, 1.9);
    } else if (profile == kFax && rng.chance(0.1)) {
      p.x_stretch = rng.uniform(0.7, 0.9);
    }
    p.jitter = rng.uniform(0, 0.12) * xh / 18;
    p.warp_amplitude = rng.uniform(0, phone ? 0.15 * xh : photo ? 1.2 : 0.3);
    p.warp_length = rng.uniform(3, 10) * xh;
  }

  LineSample make(int profile);
  cv::Mat print_look(int profile, const RenderedLine& r, double xh, int face, const RenderParams& p);
  cv::Mat screen_look(const RenderedLine& r, double xh, double zoom);
};

LineGenerator::LineGenerator(const GeneratorConfig& config) : impl_(std::make_unique<Impl>(config)) {
  auto& m = *impl_;
  std::string data_dir;
  auto data = [&](const std::string& name) {
    if (data_dir.empty()) data_dir = default_data_dir();
    return (fs::path(data_dir) / name).string();
  };
  std::string table = config.fonts_table.empty() ? data("fonts.tsv") : config.fonts_table;
  if (config.alphabet.empty() && config.fonts_table.size())
    data_dir = fs::path(config.fonts_table).parent_path().string();
  std::string alpha = config.alphabet.empty() ? data("eng.alphabet") : config.alphabet;
  m.alphabet = read_alphabet_file(alpha);
  std::string corpus = config.corpus;
  if (corpus.empty()) {
    corpus = data("corpus/eng.txt");
    if (!fs::exists(corpus)) corpus = data("corpus-sample.txt");
  }
  if (!(config.hand_share >= 0 && config.hand_share <= 1))
    throw FormatError("the share of handwritten fax lines must lie in [0, 1], got " + std::to_string(config.hand_share));
  if (config.split != "train" && config.split != "holdout")
    throw FormatError("font split must be train or holdout, got '" + config.split + "'");
  m.text = std::make_unique<TextSource>(corpus, m.alphabet);
  if (!config.accent_noise) m.text->set_accent_rate(0);
  m.fonts = std::make_unique<FontSet>(table, config.font_dirs, config.split);

  m.profile_w.assign(kProfileCount, 0);
  if (config.profile_weights.empty()) {
    m.profile_w.assign(kDefaultWeights, kDefaultWeights + kProfileCount);
  } else {
    for (const auto& [name, w] : config.profile_weights) {
      auto it = std::find(profile_names().begin(), profile_names().end(), name);
      if (it == profile_names().end())
      {
        std::string known;
        for (const auto& n : profile_names()) known += (known.empty() ? "" : ", ") + n;
        throw FormatError("unknown synth profile '" + name + "' (known: " + known + ")");
      }
      if (!(w >= 0)) throw FormatError("synth profile weight of " + name + " must be >= 0");
      m.profile_w[it - profile_names().begin()] = w;
    }
  }
  double total = 0;
  for (double w : m.profile_w) total += w;
  if (total <= 0) throw FormatError("synth profile weights are all zero");

  for (size_t i = 0; i < m.fonts->size(); ++i) {
    const Face& f = (*m.fonts)[i];
    if (f.entry.weight <= 0) continue;
    if (f.entry.print) {
      m.print_faces.push_back(static_cast<int>(i));
      m.print_w.push_back(f.entry.weight);
      // Screens show mostly UI sans and code faces.
      bool ui = f.entry.cls == "sans" || f.entry.cls == "mono" || f.entry.cls == "helvetica";
      if (f.entry.cls == "courier" || f.entry.cls == "mono") {
        m.mono_faces.push_back(static_cast<int>(i));
        m.mono_w.push_back(f.entry.weight);
      }
      m.screen_faces.push_back(static_cast<int>(i));
      m.screen_w.push_back(f.entry.weight * (ui ? 4 : 1));
    }
    if (f.entry.hand) {
      m.hand_faces.push_back(static_cast<int>(i));
      m.hand_w.push_back(f.entry.weight);
    }
    if (f.entry.receipt) {
      // Receipt printers favour OCR-B and condensed sans over Courier-like faces.
      bool sans = f.entry.cls == "ocr" || f.entry.cls == "sans" || f.entry.cls == "helvetica";
      m.receipt_faces.push_back(static_cast<int>(i));
      m.receipt_w.push_back(f.entry.weight * (sans ? 3 : 1));
    }
  }
  if (m.print_faces.empty()) {  // e.g. a holdout set of receipt faces only
    for (size_t i = 0; i < m.fonts->size(); ++i) {
      m.print_faces.push_back(static_cast<int>(i));
      m.print_w.push_back(1);
    }
    m.screen_faces = m.print_faces;
    m.screen_w = m.print_w;
  }
  log::info("synth: {} '{}' faces, corpus {}", m.fonts->size(), config.split, corpus);
}

LineGenerator::~LineGenerator() = default;

const std::u32string& LineGenerator::alphabet() const { return impl_->alphabet; }
size_t LineGenerator::face_count() const { return impl_->fonts->size(); }
std::string LineGenerator::profile_of_last() const { return profile_names()[impl_->last_profile]; }
std::string LineGenerator::font_of_last() const { return (*impl_->fonts)[impl_->last_face].entry.file; }

std::string LineGenerator::describe_mix() const {
  double total = 0;
  for (double w : impl_->profile_w) total += w;
  std::string out = "profiles ";
  bool first = true;
  for (size_t i = 0; i < impl_->profile_w.size(); ++i) {
    if (impl_->profile_w[i] <= 0) continue;
    char share[32];
    std::snprintf(share, sizeof share, "%.3g", impl_->profile_w[i] / total);
    out += (first ? "" : ",") + profile_names()[i] + "=" + share;
    first = false;
  }
  char hand[32];
  std::snprintf(hand, sizeof hand, "%.3g", impl_->cfg.hand_share);
  return out + "; fax lines by hand " + hand;
}

LineSample LineGenerator::next() { return impl_->make(static_cast<int>(pick_weighted(impl_->rng, impl_->profile_w))); }

LineSample LineGenerator::at(uint64_t index) {
  impl_->rng = Rng(stream_seed(impl_->cfg.seed, index));
  impl_->count = index;  // the origin names line index + 1, as next() numbers from 1
  return next();
}

LineSample LineGenerator::next(const std::string& profile) {
  auto it = std::find(profile_names().begin(), profile_names().end(), profile);
  if (it == profile_names().end()) throw FormatError("unknown synth profile '" + profile + "'");
  return impl_->make(static_cast<int>(it - profile_names().begin()));
}

LineSample LineGenerator::Impl::make(int profile) {
  ++count;
  int face = 0;
  std::u32string s;
  RenderParams p;
  RenderedLine r;
  double xh = 0;
  // Program listings from line printers and typewriters: the errors a model trained without
  // them makes most on UW-III.
  lineprinter = (profile == kScanBinary || profile == kScanGray) && rng.chance(0.05);
  std::vector<TextRun> runs;
  for (int tries = 0; tries < 8 && r.coverage.empty(); ++tries) {
    // Text and face: resample the text, then the face, until every glyph is covered.
    bool ok = false;
    for (int attempt = 0; attempt < 24 && !ok; ++attempt) {
      if (attempt % 4 == 0) face = pick_face(profile);
      notes = lineprinter ? " lineprinter" : "";
      const bool receipt_text = profile == kReceipt || (profile == kPhone && rng.chance(0.7)) ||
                                (profile == kFax && rng.chance(0.35));
      s = receipt_text ? text->receipt_line(rng) : text->print_line(rng);
      const bool hand = (*fonts)[face].entry.hand;
      if (hand) {  // what a field holds, or a few words of a remark
        s = rng.chance(0.6) ? text->form_field(rng) : first_words(s, static_cast<int>(rng.integer(1, 6)));
        notes += " hand";
      }
      if (!hand && ((lineprinter && rng.chance(0.5)) || (profile == kFax && rng.chance(0.2)))) s = upper_case(s);
      // A form's label and its value, or two labels, with the blank to write on between them
      // ("BATES NUMBER ______ NOT USED"): the rule is no text, the gap reads as one space.
      fill_in_blank = profile == kFax && !hand && rng.chance(0.2) && with_tab_gap(s);
      runs = runs_for(s, face, !receipt_text && !lineprinter);
      // A lone '.' or a short rule is no line a segmenter hands over: want a letter or digit, or
      // a receipt's separator row (asterisks, dashes), which segmenters do hand over.
      const bool separator_row = s.size() >= 12 && std::all_of(s.begin(), s.end(), [](char32_t c) {
        return c == U' ' || std::u32string_view(U"*-=.").find(c) != std::u32string_view::npos;
      });
      ok = covered(runs) && s.size() >= 2 &&
           (separator_row || std::any_of(s.begin(), s.end(), [](char32_t c) {
              return c < 128 ? std::isalnum(static_cast<int>(c)) != 0 : c >= 0xC0;
            }));
    }
    if (!ok) {  // drop what the face cannot draw
      std::u32string kept;
      for (char32_t c : s)
        if (c == U' ' || c == U'\t' || (*fonts)[face].has(c)) kept.push_back(c);
      s = normalize_spaces(kept);
      if (s.empty()) s = U"text";
      runs = {{s, face}};
    }
    p = RenderParams();
    switch (profile) {
      // Body text, and now and then small print (captions, running heads, footnotes): at the
      // same scan resolution its commas lose their tails and i-dots merge into the stem.
      case kScanBinary: case kScanGray: xh = rng.chance(0.15) ? rng.uniform(10, 15.5) : rng.uniform(15.5, 20.5); break;
      case kPhoto: xh = rng.uniform(9, 18); break;
      case kScreen: xh = rng.uniform(5, 10); break;
      case kFax: xh = rng.chance(0.7) ? rng.uniform(5, 9) : rng.uniform(9, 13); break;
      // Phone photos: the real crops' measured x-heights run from 8 px (p10; a whole receipt in a
      // 450 px photo) to 34 px (p90; a close-up); these draws measure 8 / 15 / 30 (p10 / median /
      // p90, `ocr synth --stats` against receipt-photos/lines: 8 / 14 / 34), where 6-15 px drew
      // 11 / 17 / 29.
      case kPhone: {
        const double u = rng.uniform();
        xh = u < 0.25 ? rng.uniform(4, 7) : u < 0.9 ? rng.uniform(7, 13) : rng.uniform(13, 24);
        break;
      }
      // Receipts: a third are scanned at a low resolution (cap height 7-12 px, as in 30 of the
      // 152 real receipt lines, which read at 6.5 % CER against 2.3 % for the larger ones).
      default: xh = rng.chance(0.3) ? rng.uniform(5, 9) : rng.uniform(9, 16); break;
    }
    if ((*fonts)[face].entry.hand) xh *= rng.uniform(1.0, 1.6);  // pens write larger than type
    typeset(p, xh, face, profile);
    if ((*fonts)[face].entry.hand) {  // no two letters alike: a wavering baseline and size
      p.jitter = rng.uniform(0.02, 0.08) * xh;
      p.warp_amplitude = rng.uniform(0.05, 0.3) * xh;
      p.warp_length = rng.uniform(2, 6) * xh;
      p.rotation += deg(rng.normal(0, 1.0));
      // Each writer's own slant (upright to a strong forward lean, a few lean back) and width.
      p.shear = rng.normal(0.08, 0.14);
      p.x_stretch *= rng.uniform(0.8, 1.25);
    }
    if (fill_in_blank) p.tab_width = rng.uniform(2.5, 12) * xh;
    // Tab gaps between a field and its value: mostly a few x-heights, but a third as wide as a
    // till's columns (6-16 x-heights, `POMONA            , CA`), blank paper the net must read as
    // one space and not as a leader of dots.
    if (profile == kReceipt || (profile == kPhone && rng.chance(0.6)))
      p.tab_width = (rng.chance(0.35) ? rng.uniform(6, 16) : rng.uniform(1, 6)) * xh;
    // Receipt crops can be wide at the sides (sparse layouts): room for the junk print_look puts there.
    p.pad = static_cast<int>(std::ceil((profile == kReceipt ? 2.6 : 0.6) * xh)) + 4;
    r = renderer.render(*fonts, runs, p, rng);  // empty only if no glyph had a bitmap
  }
  if (r.coverage.empty())
    throw FormatError("synth: no visible glyphs after 8 texts (" + (*fonts)[face].path + ")");
  // A hand never writes a letter twice alike: bend and swell every stroke (a font repeats its
  // glyphs exactly, and a model that only saw fonts reads real handwriting as noise).
  if ((*fonts)[face].entry.hand && rng.chance(0.85)) {
    r.coverage = elastic_distort(r.coverage, rng.uniform(0.04, 0.12) * xh, rng.uniform(0.5, 1.5) * xh, rng);
    cv::Rect ink = cv::boundingRect(r.coverage);
    if (!ink.empty()) r.ink = ink;
  }
  last_profile = profile;
  last_face = face;

  cv::Mat img;
  if (profile == kScreen) img = screen_look(r, xh, rng.uniform(1.25, 3.0));
  else img = print_look(profile, r, xh, face, p);

  if (img.rows < 10) {  // tiny screen text or a line of punctuation: pad like a looser crop
    int extra = 10 - img.rows;
    double paper;
    cv::minMaxLoc(img, nullptr, &paper);
    cv::copyMakeBorder(img, img, extra / 2, extra - extra / 2, 2, 2, cv::BORDER_CONSTANT, cv::Scalar(paper));
  }
  std::u32string label;  // what was drawn: the runs, small capitals included
  for (const auto& run : runs) label += run.text;
  for (auto& c : label)
    if (c == U'\t') c = U' ';
  LineSample out;
  out.image = img;
  out.text = utf8_encode(normalize_spaces(label));
  out.origin = "synth seed=" + std::to_string(cfg.seed) + " line=" + std::to_string(count) + " " +
               profile_names()[profile] + " " + (*fonts)[face].entry.file + notes;
  return out;
}

cv::Mat LineGenerator::Impl::print_look(int profile, const RenderedLine& r, double xh, int face,
                                        const RenderParams& p) {
  const bool receipt = profile == kReceipt, fax = profile == kFax, phone = profile == kPhone;
  const bool photo = profile == kPhoto || receipt || phone;
  // Crop like a segmenter: the line's ink box plus a small margin on each side.
  // Receipt lines come from looser crops of sparse layouts, form fields from their boxes.
  const double mmax = receipt || phone ? 0.8 : fax ? 0.6 : 0.35;
  auto margin = [&] { return static_cast<int>(std::lround(rng.uniform(0.03, mmax) * xh)); };
  int ml = margin(), mr = margin(), mt = margin(), mb = margin();
  if (receipt && rng.chance(0.3)) (rng.chance(0.5) ? ml : mr) = static_cast<int>(std::lround(rng.uniform(0.8, 2.5) * xh));
  // Loose and off-centre crops: boxes drawn by another detector, a form template or by hand.
  if (rng.chance(fax || phone ? 0.35 : 0.1)) {
    notes += " loose";
    mt = static_cast<int>(std::lround(rng.uniform(0.1, 1.3) * xh));
    mb = static_cast<int>(std::lround(rng.uniform(0.1, 1.3) * xh));
    if (rng.chance(0.5)) (rng.chance(0.5) ? ml : mr) = static_cast<int>(std::lround(rng.uniform(0.3, 1.5) * xh));
  }
  // Neighbouring lines, set by the leading above and below: the crop's edge shows a slice of
  // them (cut glyph parts, up to 45 % of their height), as loose crops of tightly set text do.
  struct Slice {
    cv::Mat coverage;
    int x, y;  // top-left in the main line's coverage coordinates
  };
  std::vector<Slice> slices;
  for (int side = 0; side < 2; ++side) {
    if (!rng.chance(fax || phone ? 0.35 : 0.15)) continue;
    std::u32string t = receipt || phone ? text->receipt_line(rng) : text->corpus_line(rng, 90);
    if (!(*fonts)[face].has_all(t)) continue;
    RenderParams q = p;
    q.pad = 0;
    RenderedLine n = renderer.render(*fonts, {{t, face}}, q, rng);
    if (n.coverage.empty() || n.ink.empty()) continue;
    const int gap = static_cast<int>(std::lround(rng.uniform(0.05, 0.6) * xh));
    const int shown = std::max(1, static_cast<int>(std::lround(rng.uniform(0.03, 0.45) * n.ink.height)));
    const int x = r.ink.x - n.ink.x - static_cast<int>(rng.uniform(-0.1, 0.3) * n.ink.width);
    if (side == 0) {
      slices.push_back({n.coverage, x, r.ink.y - gap - (n.ink.y + n.ink.height)});
      mt = gap + shown;
    } else {
      slices.push_back({n.coverage, x, r.ink.y + r.ink.height + gap - n.ink.y});
      mb = gap + shown;
    }
    notes += " slice";
  }
  cv::Rect crop(r.ink.x - ml, r.ink.y - mt, r.ink.width + ml + mr, r.ink.height + mt + mb);
  // Work on the crop plus a border that keeps blurs clean, not the whole canvas; a loose crop may
  // reach past the rendered canvas, which is blank paper there.
  const int border = 4;
  const cv::Rect work(crop.x - border, crop.y - border, crop.width + 2 * border, crop.height + 2 * border);
  cv::Mat cov8 = cv::Mat::zeros(work.size(), CV_8UC1);
  paste_max(cov8, r.coverage, -work.x, -work.y);
  for (const Slice& sl : slices) paste_max(cov8, sl.coverage, sl.x - work.x, sl.y - work.y);
  crop -= work.tl();
  const int baseline = static_cast<int>(std::lround(r.baseline)) - work.y;

  // Form lines touch or cross the rulings of their field: an underline at or just under the
  // baseline, the edges of the box, a row of dots or underscores to write on. Not in the label.
  if (fax ? rng.chance(0.55) : (profile == kScanBinary || profile == kScanGray) && rng.chance(0.04)) {
    const int thick = std::max(1, static_cast<int>(std::lround(rng.uniform(0.08, 0.22) * xh)));
    const cv::Scalar full(255);
    if (rng.chance(0.6)) {  // underline, from somewhere left of the text to the crop's end
      const int y = baseline + static_cast<int>(std::lround(rng.uniform(0.0, 0.6) * xh));
      const int x0 = crop.x + static_cast<int>(rng.uniform(-0.1, 0.4) * crop.width);
      if (rng.chance(0.2)) {  // dotted leader
        const double pitch = rng.uniform(0.3, 0.7) * xh;
        for (double x = x0; x < crop.x + crop.width; x += pitch)
          cv::circle(cov8, cv::Point(static_cast<int>(x), y), std::max(1, thick / 2), full, cv::FILLED, cv::LINE_AA);
      } else {
        cv::line(cov8, cv::Point(x0, y), cv::Point(crop.x + crop.width + border, y), full, thick, cv::LINE_8);
      }
    }
    if (rng.chance(0.4)) {  // box edges at the sides, inside the crop
      for (int side = 0; side < 2; ++side) {
        if (!rng.chance(0.6)) continue;
        const int inset = static_cast<int>(rng.integer(0, 2));
        const int x = side == 0 ? crop.x + inset : crop.x + crop.width - 1 - inset;
        cv::line(cov8, cv::Point(x, 0), cv::Point(x, cov8.rows - 1), full, thick, cv::LINE_8);
      }
    }
    if (rng.chance(0.25)) {  // the box's top edge
      const int y = crop.y + static_cast<int>(rng.integer(0, 2));
      cv::line(cov8, cv::Point(0, y), cv::Point(cov8.cols - 1, y), full, thick, cv::LINE_8);
    }
    notes += " ruled";
  }

  // The blank between a form's label and its value: the widest inkless run of columns within the
  // text (the tab gap), ruled at or just under the baseline.
  if (fill_in_blank) {
    const cv::Mat ink_cols = r.coverage(r.ink);
    int best_from = 0, best_len = 0;
    for (int x = 0, from = -1; x <= ink_cols.cols; ++x) {
      const bool empty = x < ink_cols.cols && cv::countNonZero(ink_cols.col(x)) == 0;
      if (empty && from < 0) from = x;
      if (!empty && from >= 0) {
        if (x - from > best_len) best_from = from, best_len = x - from;
        from = -1;
      }
    }
    if (best_len > 2 * xh) {
      const int thick = std::max(1, static_cast<int>(std::lround(rng.uniform(0.06, 0.18) * xh)));
      const int y = baseline + static_cast<int>(std::lround(rng.uniform(0.0, 0.35) * xh));
      const int x0 = r.ink.x - work.x + best_from + static_cast<int>(rng.uniform(0.2, 0.6) * xh);
      const int x1 = r.ink.x - work.x + best_from + best_len - static_cast<int>(rng.uniform(0.2, 0.6) * xh);
      const double style = rng.uniform();
      if (style < 0.6) {  // a drawn rule
        cv::line(cov8, cv::Point(x0, y), cv::Point(x1, y), cv::Scalar(255), thick, cv::LINE_8);
      } else if (style < 0.8) {  // a dotted leader
        const double pitch = rng.uniform(0.3, 0.7) * xh;
        for (double x = x0; x <= x1; x += pitch)
          cv::circle(cov8, cv::Point(static_cast<int>(x), y), std::max(1, thick / 2), cv::Scalar(255), cv::FILLED, cv::LINE_AA);
      } else {  // typed underscores: dashes with hairline gaps
        const double pitch = rng.uniform(0.45, 0.65) * xh;
        for (double x = x0; x + pitch <= x1 + 1; x += pitch)
          cv::line(cov8, cv::Point(static_cast<int>(x), y), cv::Point(static_cast<int>(x + pitch - 1), y), cv::Scalar(255), thick, cv::LINE_8);
      }
      notes += " blank";
    }
  }

  // Receipt crops also catch what sits beside the line: specks and bits of the next field at the
  // sides, a dashed separator rule above or below. Unlabelled ink the net must learn to leave out;
  // on real receipts a beam with a character bonus read such specks as `*` or `.`.
  if (receipt && rng.chance(0.3)) {
    for (int i = 0, n = static_cast<int>(rng.integer(1, 3)); i < n; ++i) {
      const bool left = rng.chance(0.5);
      // Kept 0.6 x-heights clear of the text, so that a speck never passes for a full stop.
      const int room = (left ? ml : mr) - static_cast<int>(0.6 * xh);
      if (room < 3) continue;
      const int x = left ? crop.x + static_cast<int>(rng.integer(0, room - 2))
                         : crop.x + crop.width - 1 - static_cast<int>(rng.integer(0, room - 2));
      const int y = crop.y + static_cast<int>(rng.uniform(0.15, 0.85) * crop.height);
      const cv::Size axes(std::max(1, static_cast<int>(rng.uniform(0.04, 0.14) * xh)),
                          std::max(1, static_cast<int>(rng.uniform(0.04, 0.14) * xh)));
      cv::ellipse(cov8, cv::Point(x, y), axes, rng.uniform(0, 180), 0, 360, cv::Scalar(static_cast<double>(rng.integer(90, 255))),
                  cv::FILLED, cv::LINE_AA);
    }
  }
  if (receipt && rng.chance(0.1)) {
    const bool top = rng.chance(0.5);
    const int room = top ? mt : mb;
    if (room >= 2) {
      const int y = top ? crop.y + static_cast<int>(rng.integer(0, room - 2))
                        : crop.y + crop.height - 1 - static_cast<int>(rng.integer(0, room - 2));
      const double dash = rng.uniform(0.15, 0.6) * xh, gap = rng.uniform(0.6, 1.6) * dash;
      const int thick = std::max(1, static_cast<int>(std::lround(rng.uniform(0.06, 0.14) * xh)));
      for (double x = crop.x - rng.uniform(0, dash + gap); x < crop.x + crop.width; x += dash + gap)
        cv::line(cov8, cv::Point(static_cast<int>(x), y), cv::Point(static_cast<int>(x + dash), y), cv::Scalar(255), thick, cv::LINE_AA);
    }
  }

  cv::Mat cov;
  cov8.convertTo(cov, CV_32F, 1.0 / 255);
  // Ink spread: blur, smooth edge noise, then the threshold that gives the target stroke width.
  const Face& f = (*fonts)[face];
  // Targets tuned with `ocr synth --stats` against UW-III (stroke width / x-height median 0.19-0.21).
  double ratio = std::max(f.stroke_ratio * std::exp(rng.normal(0.15, 0.12)), rng.normal(0.215, 0.03));
  // Strokes at least 1.1 px wide: thinner ones only fade in the blur (a low-resolution scan of
  // print widens a thin stroke to a pixel rather than losing it).
  if (receipt) ratio = std::max(std::clamp(rng.normal(0.17, 0.04), 0.08, 0.3), 1.1 / xh);
  // Phone photos of receipts: light thermal strokes (WildReceipt line crops: 0.14 of the x-height).
  if (phone) ratio = std::max(std::clamp(rng.normal(0.14, 0.035), 0.08, 0.25), 1.1 / xh);
  if (lineprinter) ratio = std::max(ratio, rng.normal(0.24, 0.03));  // heavy ribbon ink
  // A scanner's blur is fixed in pixels, not in x-heights: small print does not get a sharper one.
  const double optics_xh = photo ? xh : std::max(xh, 16.0);
  blur(cov, rng.uniform(0.4, 0.9) * optics_xh / 20);
  double edge = rng.uniform(0, 0.06);
  if (edge > 0.005) cov += smooth_noise(cov.size(), rng.uniform(1.5, 4.0), rng) * edge;
  cv::Mat ink = threshold_to_stroke(cov, ratio * xh, profile == kScanBinary ? 0.04 : 0.08);

  // Print defects.
  if (rng.chance(0.1)) {  // dropouts: small white holes in strokes
    cv::Mat holes = smooth_noise(ink.size(), rng.uniform(0.1, 0.25) * xh, rng);
    cv::threshold(holes, holes, rng.uniform(1.0, 1.8), 1.0, cv::THRESH_BINARY);
    blur(holes, 0.7);
    ink = ink.mul(1.0 - holes);
  }
  if (rng.chance(0.03)) {  // toner specks
    for (int i = 0, n = static_cast<int>(rng.integer(1, 5)); i < n; ++i)
      cv::circle(ink, cv::Point(static_cast<int>(rng.uniform(0, ink.cols)), static_cast<int>(rng.uniform(0, ink.rows))),
                 static_cast<int>(rng.integer(1, 2)), cv::Scalar(1.0), cv::FILLED, cv::LINE_AA);
  }
  if (rng.chance(0.01)) {  // an ink blot over the text
    cv::Point c(static_cast<int>(rng.uniform(0, ink.cols)), static_cast<int>(rng.uniform(0, ink.rows)));
    cv::Size ax(static_cast<int>(rng.uniform(0.2, 0.8) * xh), static_cast<int>(rng.uniform(0.2, 0.6) * xh));
    cv::ellipse(ink, c, ax, rng.uniform(0, 180), 0, 360, cv::Scalar(1.0), cv::FILLED, cv::LINE_AA);
  }
  // A faint stretch of print (worn type, light pressure, a binarisation threshold too high for it):
  // strokes break into pieces over a few letters, as in a UW-III line whose `Department` reads as
  // `p), rurtment`. Holes at stroke scale, densest at the stretch's centre, leaving most of the ink.
  if (profile == kScanBinary && rng.chance(0.08)) {
    cv::Mat noise = smooth_noise(ink.size(), rng.uniform(1.0, std::max(1.0, 0.12 * xh)), rng);
    const double centre = rng.uniform(0, ink.cols), width = rng.uniform(1.5, 5) * xh, level = rng.uniform(-0.6, 0.0);
    cv::Mat holes(ink.size(), CV_32F);
    for (int x = 0; x < ink.cols; ++x) {
      const double d = (x - centre) / width, lift = 3.0 * (1.0 - std::exp(-d * d));
      for (int y = 0; y < ink.rows; ++y) holes.at<float>(y, x) = noise.at<float>(y, x) + lift < level ? 1.f : 0.f;
    }
    blur(holes, 0.5);
    ink = ink.mul(1.0 - holes);
  }
  // Text printed over a screened (halftone) tint: a form's shaded field, a coloured panel.
  if (rng.chance(fax ? 0.15 : profile == kScanGray || phone ? 0.04 : 0)) {
    // Bitonal screens print small solid dots; grey ones are a light tint. A fax's threshold sits
    // near the paper and swells every dot, so its dots start small and sparse: a denser screen
    // thresholds to a black field that hides the text the label still claims.
    const double pitch = fax ? rng.uniform(4.5, 6.5) : rng.uniform(2.5, 5.0), radius = rng.uniform(fax ? 0.12 : 0.22, fax ? 0.22 : 0.42) * pitch;
    const float level = static_cast<float>(fax ? rng.uniform(0.5, 0.9) : rng.uniform(0.15, 0.45));
    cv::Mat dots = cv::Mat::zeros(ink.size(), CV_32F);
    const int x_from = rng.chance(0.5) ? 0 : static_cast<int>(rng.uniform(0, 0.6) * ink.cols);
    int row = 0;
    for (double y = rng.uniform(0, pitch); y < ink.rows; y += pitch, ++row)
      for (double x = x_from + (row % 2) * pitch / 2; x < ink.cols; x += pitch)
        cv::circle(dots, cv::Point2d(x, y), std::max(1, static_cast<int>(std::lround(radius))), cv::Scalar(level), cv::FILLED,
                   cv::LINE_AA);
    ink = cv::max(ink, dots);
    notes += " screened";
  }
  // Thermal print faded in patches, as on old receipts held up to a phone.
  if (phone && rng.chance(0.4)) {
    cv::Mat field = smooth_noise(ink.size(), rng.uniform(1, 4) * xh, rng);
    const double a = rng.uniform(0.3, 0.8), cut = rng.uniform(0.0, 1.0);
    field.forEach<float>([&](float& v, const int*) { v = static_cast<float>(std::clamp(1.0 - a * (v - cut), 0.15, 1.0)); });
    ink = ink.mul(field);
  }
  if (lineprinter && rng.chance(0.5)) ink = dot_matrix(ink, xh / rng.uniform(4, 6), rng);
  if (receipt) {
    if (xh >= 8 && rng.chance(0.3)) ink = dot_matrix(ink, xh / rng.uniform(3.5, 5.5), rng);  // dots need pixels
    if (rng.chance(0.5)) {  // thermal head streaks: vertical bands of faded print
      cv::Mat col = smooth_noise(cv::Size(ink.cols, 1), rng.uniform(2, 30), rng);
      double a = rng.uniform(0.3, 1.0), cut = rng.uniform(0.3, 1.2);
      for (int x = 0; x < col.cols; ++x) col.at<float>(0, x) = static_cast<float>(std::clamp(1.0 - a * (col.at<float>(0, x) - cut), 0.0, 1.0));
      cv::Mat fade;
      cv::repeat(col, ink.rows, 1, fade);
      ink = ink.mul(fade);
    }
    // Faded small marks: on worn thermal print the dots of a colon, a full stop or a comma fade
    // first (real receipt lines read `TOTAL GST :` as `total gst.` and `DISCOUNT :` as
    // `discount;`, their upper dot nearly gone). Each small component may keep a fraction of its ink.
    if (rng.chance(0.15)) {
      cv::Mat bin = ink > 0.5, labels, stats, centroids;
      const int n = cv::connectedComponentsWithStats(bin, labels, stats, centroids, 8, CV_32S);
      std::vector<float> keep(static_cast<size_t>(n), 1.f);
      const double small = 0.2 * xh * xh;
      for (int i = 1; i < n; ++i)
        if (stats.at<int>(i, cv::CC_STAT_AREA) < small && rng.chance(0.5)) keep[static_cast<size_t>(i)] = static_cast<float>(rng.uniform(0.2, 0.6));
      cv::Mat fade(ink.size(), CV_32F, cv::Scalar(1));
      for (int y = 0; y < ink.rows; ++y)
        for (int x = 0; x < ink.cols; ++x) fade.at<float>(y, x) = keep[static_cast<size_t>(labels.at<int>(y, x))];
      blur(fade, 0.7);  // the anti-aliased rim fades with its mark
      ink = ink.mul(fade);
    }
    // A pen mark across the print: a tick, a circled total, a stroke through an amount. Not in the
    // label, as on real receipts where such marks cross `1.00` and `RETURNABLE OR`.
    if (rng.chance(0.04)) {
      const double x0 = rng.uniform(0, ink.cols), x1 = std::clamp(x0 + rng.uniform(-4, 4) * xh, 0.0, double(ink.cols));
      const double y0 = rng.uniform(0, ink.rows), y1 = rng.uniform(0, ink.rows);
      const double cx = (x0 + x1) / 2 + rng.uniform(-1, 1) * xh, cy = (y0 + y1) / 2 + rng.uniform(-1.5, 1.5) * xh;
      std::vector<cv::Point> curve;
      for (int k = 0; k <= 24; ++k) {  // a quadratic Bézier through the control point
        const double t = k / 24.0, a = (1 - t) * (1 - t), b = 2 * t * (1 - t), c = t * t;
        curve.emplace_back(static_cast<int>(std::lround(a * x0 + b * cx + c * x1)),
                           static_cast<int>(std::lround(a * y0 + b * cy + c * y1)));
      }
      const int width = std::max(1, static_cast<int>(std::lround(rng.uniform(0.08, 0.2) * xh)));
      cv::Mat pen = cv::Mat::zeros(ink.size(), CV_32F);
      cv::polylines(pen, curve, false, cv::Scalar(rng.uniform(0.5, 1.0)), width, cv::LINE_AA);
      ink = cv::max(ink, pen);
    }
  }

  // Paper and ink levels, uneven shading.
  double paper, inkv;
  if (receipt) {  // scanned or photographed thermal paper: light paper, often faded print
    paper = rng.uniform(0.75, 1.0);
    inkv = rng.chance(0.5) ? rng.uniform(0, 0.2) : rng.uniform(0.2, paper - 0.35);
  } else if (phone) {  // grey or coloured paper under room light, often little contrast
    paper = rng.uniform(0.45, 0.95);
    inkv = rng.uniform(0.02, std::max(0.05, paper - 0.28));
  } else if (photo) {
    paper = rng.uniform(0.55, 0.95);
    inkv = rng.uniform(0.02, std::max(0.05, paper - 0.35));
  } else {
    paper = rng.uniform(0.85, 1.0);
    inkv = rng.uniform(0, 0.2);
  }
  cv::Mat img;
  ink.convertTo(img, CV_32F, -(paper - inkv), paper);
  shade(img, rng.uniform(0, receipt ? 0.08 : phone ? 0.3 : photo ? 0.15 : 0.04),
        rng.uniform(phone ? 3 : 10, 40) * xh, rng);
  if (phone && rng.chance(0.15)) {  // a shadow's edge (the phone, a hand) across the line
    cv::Mat shadow(img.size(), CV_32F);
    const double angle = rng.uniform(0, 2 * M_PI), c = std::cos(angle), s = std::sin(angle);
    const double cx = rng.uniform(0, img.cols), cy = rng.uniform(0, img.rows);
    const float dark = static_cast<float>(rng.uniform(0.6, 0.9));
    for (int y = 0; y < img.rows; ++y)
      for (int x = 0; x < img.cols; ++x) shadow.at<float>(y, x) = (x - cx) * c + (y - cy) * s > 0 ? dark : 1.f;
    blur(shadow, rng.uniform(0.3, 2.0) * xh);
    cv::multiply(img, shadow, img);
  }
  // Optics.
  blur(img, (phone ? rng.uniform(0.3, 1.6) : photo ? rng.uniform(0.5, 1.6) : rng.uniform(0.3, 1.0)) * optics_xh / 20);
  if (phone && rng.chance(0.25)) {  // motion blur: a hand that moved during the exposure
    const double len = rng.uniform(1.5, std::max(2.0, 0.2 * xh)), angle = rng.uniform(0, M_PI);
    const int k = static_cast<int>(std::ceil(len)) | 1;
    cv::Mat kernel = cv::Mat::zeros(k, k, CV_32F);
    const cv::Point2d c(k / 2.0, k / 2.0), d(std::cos(angle) * len / 2, std::sin(angle) * len / 2);
    cv::line(kernel, c - d, c + d, cv::Scalar(1.0), 1, cv::LINE_AA);
    kernel /= cv::sum(kernel)[0];
    cv::filter2D(img, img, -1, kernel, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
  }
  if (rng.chance(0.2)) {
    double f = rng.uniform(0.6, 0.9);
    cv::Mat small;
    cv::resize(img, small, cv::Size(), f, f, cv::INTER_AREA);
    cv::resize(small, img, img.size(), 0, 0, cv::INTER_LINEAR);
  }
  add_noise(img, noise_tex, rng.uniform(0, phone ? 0.04 : photo ? 0.06 : 0.04), rng);
  if (phone && rng.chance(0.5)) {
    // Paper grain at the scale of a full stop, and a phone's sharpening, which turns grain and
    // sensor noise into specks: on real receipt photos the blank gaps between fields are such
    // speckled grey, and a net that never saw it read them as rows of dots.
    if (rng.chance(0.6)) img += smooth_noise(img.size(), rng.uniform(0.8, 2.0), rng) * rng.uniform(0.015, 0.05);
    cv::Mat soft = img.clone();
    blur(soft, rng.uniform(0.8, 2.0));
    const double amount = rng.uniform(0.4, 1.5);
    cv::addWeighted(img, 1 + amount, soft, -amount, 0, img);
    notes += " sharpened";
  }
  img = img(crop);

  cv::Mat out = to8u(img);
  if (fax) {
    // Faxes and bitonal form scans: a fixed threshold, or grey and JPEG-compressed; the scan bar's
    // vertical streaks, dark (dirt on the glass) or light (a dead sensor).
    if (rng.chance(0.7)) {
      // A threshold nearer the paper than for book scans: thin strokes at 100 dpi survive it.
      // Faint, thin print can still fall wholly above it: then the line stays grey rather than
      // come out blank under a label.
      cv::Mat bitonal;
      cv::threshold(out, bitonal, (inkv + (paper - inkv) * rng.uniform(0.5, 0.75)) * 255, 255, cv::THRESH_BINARY);
      if (cv::countNonZero(bitonal) < int(bitonal.total()) - std::max(3, int(bitonal.total() / 400))) out = bitonal;
    } else if (rng.chance(0.7)) {
      out = jpeg(out, static_cast<int>(rng.integer(30, 90)));
    }
    if (rng.chance(0.15)) {
      const int x = static_cast<int>(rng.integer(0, out.cols - 1)), w = static_cast<int>(rng.integer(1, 2));
      const bool dark = rng.chance(0.6);
      cv::rectangle(out, cv::Rect(x, 0, w, out.rows), cv::Scalar(dark ? static_cast<double>(rng.integer(0, 80)) : 255.0), cv::FILLED);
      notes += " streak";
    }
  } else if (profile == kScanBinary) {
    double u = rng.uniform();
    if (u < 0.1) {
      cv::threshold(out, out, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    } else if (u < 0.13) {
      int block = 2 * static_cast<int>(xh) + 1;
      cv::adaptiveThreshold(out, out, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY, block, rng.uniform(10, 25));
    } else {
      double t = inkv + (paper - inkv) * rng.uniform(0.35, 0.65);
      cv::threshold(out, out, t * 255, 255, cv::THRESH_BINARY);
    }
  } else {
    double pj = profile == kScanGray ? 0.5 : profile == kPhoto ? 0.8 : phone ? 0.85 : 0.6;
    const int quality = static_cast<int>(profile == kScanGray ? rng.integer(30, 95) : phone ? rng.integer(25, 80) : rng.integer(25, 90));
    if (rng.chance(pj)) out = jpeg(out, quality);
  }
  return out;
}

cv::Mat LineGenerator::Impl::screen_look(const RenderedLine& r, double xh, double zoom) {
  auto margin = [&] { return static_cast<int>(std::lround(rng.uniform(0.1, 0.6) * xh)); };
  int ml = margin(), mr = margin(), mt = margin(), mb = margin();
  cv::Rect crop = cv::Rect(r.ink.x - ml, r.ink.y - mt, r.ink.width + ml + mr, r.ink.height + mt + mb) &
                  cv::Rect(0, 0, r.coverage.cols, r.coverage.rows);
  cv::Mat cov;
  r.coverage(crop).convertTo(cov, CV_32F, 1.0 / 255);
  cv::pow(cov, rng.uniform(0.7, 1.4), cov);  // rasterizer gamma differs between systems
  const bool dark = rng.chance(0.25);
  double bg = dark ? rng.uniform(0.05, 0.25) : rng.uniform(0.88, 1.0);
  double fg = dark ? rng.uniform(0.7, 1.0) : rng.uniform(0.0, 0.35);
  cv::Mat img = bg + (fg - bg) * cov;
  zoom = std::max(zoom, 10.0 / std::max(1, img.rows));  // keep lines at least 10 px high
  int interp = rng.chance(0.2) ? cv::INTER_NEAREST : rng.chance(0.5) ? cv::INTER_LINEAR : cv::INTER_CUBIC;
  cv::resize(img, img, cv::Size(), zoom, zoom, interp);
  add_noise(img, noise_tex, rng.uniform(0, 0.01), rng);
  cv::Mat out = to8u(img);
  if (rng.chance(0.3)) out = jpeg(out, static_cast<int>(rng.integer(40, 95)));
  if (dark && !cfg.keep_dark_mode) out = 255 - out;
  return out;
}

}  // namespace ocr::synth
