// ocr lm: build, inspect and convert language models; measure the beam decoder's speed; tune the
// decoder's α, β and calibrate its confidences on a validation set with ground truth.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "cli/commands.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/arpa.h"
#include "ocr/ctc/beam_decoder.h"
#include "ocr/ctc/calibration.h"
#include "ocr/ctc/greedy_decoder.h"
#include "ocr/ctc/ngram_lm.h"
#include "ocr/eval/dataset.h"
#include "ocr/eval/gt_image.h"
#include "ocr/image/image_io.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/line_recognizer.h"
#include "ocr/pipeline/model_search.h"
#include "ocr/pipeline/page_recognizer.h"

namespace ocr::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<int64_t> parse_int_list(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(std::stoll(item));
  return out;
}

std::vector<float> parse_float_list(const std::string& s) {
  std::vector<float> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(std::stof(item));
  return out;
}

template <typename T>
int edit_distance(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diag = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<std::u32string> split_words(const std::u32string& s) {
  std::vector<std::u32string> out;
  std::u32string w;
  for (char32_t c : s) {
    if (c == U' ') {
      if (!w.empty()) out.push_back(w), w.clear();
    } else {
      w.push_back(c);
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

// Ground-truth lines: <stem>.gt.txt next to <stem>.png|.tif|.jpg|... (image decoded to grey).
struct GtLine {
  std::string image_path;
  std::u32string truth;
  cv::Mat image;
};

// Line images with ground truth, each prepared as `ocr recognize --layout line` prepares it, so
// the decoder is tuned and calibrated on the network outputs recognize will produce.
std::vector<GtLine> load_gt(const std::vector<std::string>& dirs, size_t limit) {
  std::vector<GtLine> out;
  for (const auto& dir : dirs) {
    std::vector<std::string> problems;
    GtImageReader reader;
    for (const GtPair& pair : find_gt_pairs(dir, &problems)) {
      PageImage page = reader.read(pair);
      GtLine g;
      g.image_path = pair.name();
      g.truth = utf8_decode(pair.text);
      g.image = prepare_line_image(page.image, {}, page.dpi);
      if (g.image.empty()) {
        log::warn("{}: no text line found, skipped", pair.name());
        continue;
      }
      out.push_back(std::move(g));
      if (limit && out.size() >= limit) return out;
    }
    for (const auto& p : problems) log::warn("{}", p);
  }
  if (out.empty()) throw IoError("no <stem>.gt.txt lines with images found");
  return out;
}

// Network outputs for every line (the expensive part, done once per tune/calibrate run).
std::vector<Matrix> posteriors(const Model& model, const std::vector<GtLine>& lines, double* seconds) {
  auto shared = std::shared_ptr<const Model>(&model, [](const Model*) {});
  LineRecognizer rec(shared);
  std::vector<cv::Mat> imgs;
  for (const auto& l : lines) imgs.push_back(l.image);
  auto t0 = Clock::now();
  auto out = rec.log_probs(imgs);
  *seconds = seconds_since(t0);
  return out;
}

struct Scores {
  double cer = 0, wer = 0;
  double ms_per_line = 0;
};

Scores score_decoder(const Decoder& dec, const Alphabet& alphabet, const std::vector<Matrix>& lp,
                     const std::vector<GtLine>& lines, std::vector<Hypothesis>* hyps = nullptr) {
  const int n = static_cast<int>(lines.size());
  std::vector<Hypothesis> out(n);
  auto t0 = Clock::now();
#pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < n; ++i) out[i] = dec.decode(lp[i]);
  double secs = seconds_since(t0);
  int64_t ce = 0, cn = 0, we = 0, wn = 0;
  for (int i = 0; i < n; ++i) {
    std::u32string text = utf8_decode(alphabet.decode(out[i].label_ids()));
    const auto& truth = lines[i].truth;
    ce += edit_distance(std::vector<char32_t>(text.begin(), text.end()),
                        std::vector<char32_t>(truth.begin(), truth.end()));
    cn += static_cast<int64_t>(truth.size());
    auto tw = split_words(truth);
    we += edit_distance(split_words(text), tw);
    wn += static_cast<int64_t>(tw.size());
  }
  Scores s;
  s.cer = cn ? double(ce) / cn : 0;
  s.wer = wn ? double(we) / wn : 0;
  s.ms_per_line = 1000 * secs * std::max(1, omp_get_max_threads()) / std::max(1, n);
  if (hyps) *hyps = std::move(out);
  return s;
}

// Calibration items of one line: its words (features of their characters) and its non-space
// characters, each marked right when an optimal alignment to the truth matches it.
template <typename T>
std::vector<uint8_t> matched(const std::vector<T>& a, const std::vector<T>& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<int> dp((n + 1) * (m + 1));
  auto at = [&](size_t i, size_t j) -> int& { return dp[i * (m + 1) + j]; };
  for (size_t i = 0; i <= n; ++i) at(i, 0) = int(i);
  for (size_t j = 0; j <= m; ++j) at(0, j) = int(j);
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j)
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] != b[j - 1])});
  std::vector<uint8_t> ok(n, 0);
  size_t i = n, j = m;
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1] && at(i, j) == at(i - 1, j - 1)) ok[i - 1] = 1, --i, --j;
    else if (at(i, j) == at(i - 1, j - 1) + 1) --i, --j;
    else if (at(i, j) == at(i - 1, j) + 1) --i;
    else --j;
  }
  return ok;
}

void line_samples(const Hypothesis& h, const std::vector<ConfidenceFeatures>& feats, const Alphabet& alphabet,
                  const std::u32string& truth, std::vector<CalibrationSample>& words,
                  std::vector<CalibrationSample>& chars) {
  std::u32string text;
  for (const auto& l : h.labels) text.push_back(alphabet.symbol(l.label));
  auto cok = matched(std::vector<char32_t>(text.begin(), text.end()), std::vector<char32_t>(truth.begin(), truth.end()));
  for (size_t k = 0; k < text.size(); ++k)
    if (text[k] != U' ') chars.push_back({{feats[k]}, cok[k] != 0});
  std::vector<std::u32string> pw;
  std::vector<CalibrationSample> ws;
  size_t start = 0;
  for (size_t k = 0; k <= text.size(); ++k)
    if (k == text.size() || text[k] == U' ') {
      if (k > start) {
        pw.push_back(text.substr(start, k - start));
        ws.push_back({std::vector<ConfidenceFeatures>(feats.begin() + start, feats.begin() + k), false});
      }
      start = k + 1;
    }
  auto wok = matched(pw, split_words(truth));
  for (size_t k = 0; k < ws.size(); ++k) {
    ws[k].correct = wok[k] != 0;
    words.push_back(ws[k]);
  }
}

void print_reliability(const char* title, const std::vector<CalibrationSample>& s, const Calibration& c, int bins) {
  double ece = 0;
  auto table = reliability(s, c, bins, &ece);
  std::printf("%s (%zu items)\n  bin          reported  observed  count\n", title, s.size());
  for (const auto& b : table)
    std::printf("  %.2f-%.2f    %6.3f    %6.3f   %6lld\n", b.lo, b.hi, b.reported, b.observed,
                static_cast<long long>(b.count));
  std::printf("  expected calibration error: %.4f\n", ece);
}

// Synthetic network output for a text: each character peaks over 1-3 frames with a confusable
// runner-up, blank frames between characters, and a little mass everywhere else.
Matrix synth_posteriors(const std::vector<int>& labels, int K, int T, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<int> frame_label;
  for (size_t i = 0; i < labels.size(); ++i) {
    int run = 1 + static_cast<int>(rng() % 3);
    for (int r = 0; r < run; ++r) frame_label.push_back(labels[i]);
    int gap = (i + 1 < labels.size() && labels[i + 1] == labels[i]) ? 1 : static_cast<int>(rng() % 2);
    for (int g = 0; g < gap; ++g) frame_label.push_back(0);
  }
  int total = std::max<int>(T, static_cast<int>(frame_label.size()));
  int pad = total - static_cast<int>(frame_label.size());
  std::vector<int> fl(pad / 2, 0);
  fl.insert(fl.end(), frame_label.begin(), frame_label.end());
  fl.resize(total, 0);
  Matrix m(K, total);
  for (int t = 0; t < total; ++t) {
    int peak = fl[t];
    double p = peak == 0 ? 0.95 + 0.0499 * u(rng) : 0.3 + 0.65 * u(rng);
    int runner = 1 + static_cast<int>(rng() % (K - 1));
    double rest = 1 - p;
    std::vector<double> col(K, rest * 0.2 / (K - 2));
    col[runner] += rest * 0.8;
    if (peak != 0) col[0] += rest * 0.3, col[runner] -= rest * 0.3;
    col[peak] = p;
    double s = 0;
    for (double v : col) s += v;
    for (int k = 0; k < K; ++k) m(k, t) = static_cast<Scalar>(std::log(col[k] / s));
  }
  return m;
}

std::vector<std::string> read_lines(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line) && out.size() < limit)
    if (line.size() > 20 && utf8_valid(line)) out.push_back(line);
  return out;
}

void add_build(CLI::App& lm, Context& ctx) {
  struct Opt {
    std::vector<std::string> corpus;
    std::string out, arpa, prune;
    int order = 7;
    int64_t max_chars = 0;
  };
  auto o = std::make_shared<Opt>();
  auto* cmd = lm.add_subcommand("build", "build a character n-gram model (modified Kneser-Ney) from text");
  cmd->add_option("CORPUS", o->corpus, "UTF-8 text files, one sentence or line per line")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->out, "binary model to write")->required();
  cmd->add_option("--order", o->order, "n-gram order (2-16)")->capture_default_str();
  cmd->add_option("--prune", o->prune, "minimum counts for orders 2,3,... (last repeats), e.g. 0,0,1,2,3");
  cmd->add_option("--max-chars", o->max_chars, "read at most this many characters of corpus");
  cmd->add_option("--arpa", o->arpa, "also write the model as an ARPA file");
  cmd->callback([o, &ctx] {
    NgramBuildOptions b;
    b.order = o->order;
    b.prune = parse_int_list(o->prune);
    b.max_chars = o->max_chars;
    auto t0 = Clock::now();
    NgramLm lm = NgramLm::build_from_files(o->corpus, b);
    lm.save(o->out);
    if (!o->arpa.empty()) write_arpa(lm, o->arpa);
    auto counts = lm.ngram_counts();
    std::printf("wrote %s: order %d, %zu bytes, built in %.1f s\n", o->out.c_str(), lm.order(),
                static_cast<size_t>(fs::file_size(o->out)), seconds_since(t0));
    for (size_t k = 0; k < counts.size(); ++k) std::printf("  %zu-grams: %zu\n", k + 1, counts[k]);
    ctx.exit_code = 0;
  });
}

void add_info(CLI::App& lm, Context& ctx) {
  auto path = std::make_shared<std::string>();
  auto texts = std::make_shared<std::vector<std::string>>();
  auto* cmd = lm.add_subcommand("info", "print a model's size and, given held-out text, its bits per character");
  cmd->add_option("LM", *path, "binary or ARPA model")->required()->check(CLI::ExistingFile);
  cmd->add_option("--text", *texts, "held-out UTF-8 text to measure cross-entropy on")->check(CLI::ExistingFile);
  cmd->callback([path, texts, &ctx] {
    auto t0 = Clock::now();
    NgramLm lm = NgramLm::load(*path);
    double load = seconds_since(t0);
    std::printf("%s: %s model, order %d, vocabulary %zu, %zu nodes, %zu bytes, loaded in %.1f ms\n",
                path->c_str(), lm.unit() == NgramData::Unit::Char ? "character" : "word", lm.order(),
                lm.data().vocab.size(), lm.node_count(), static_cast<size_t>(fs::file_size(*path)), 1000 * load);
    auto counts = lm.ngram_counts();
    for (size_t k = 0; k < counts.size(); ++k) std::printf("  %zu-grams: %zu\n", k + 1, counts[k]);
    double nats = 0;
    int64_t n = 0;
    for (const auto& t : *texts)
      for (const auto& line : read_lines(t, 1u << 30)) {
        LmState s = lm.start();
        for (char32_t c : utf8_decode(line)) nats -= lm.score(s, c), ++n;
        nats -= lm.score_end(s), ++n;
      }
    if (n) std::printf("cross-entropy: %.3f bits per character over %lld characters\n", nats / n / std::log(2.0),
                       static_cast<long long>(n));
    ctx.exit_code = 0;
  });
}

void add_convert(CLI::App& lm, Context& ctx) {
  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto* cmd = lm.add_subcommand("convert", "convert between ARPA (.arpa) and the binary format");
  cmd->add_option("INPUT", *in, "binary or ARPA model")->required()->check(CLI::ExistingFile);
  cmd->add_option("OUTPUT", *out, "*.arpa writes ARPA, anything else binary")->required();
  cmd->callback([in, out, &ctx] {
    NgramLm lm = NgramLm::load(*in);
    if (out->size() > 5 && out->compare(out->size() - 5, 5, ".arpa") == 0)
      write_arpa(lm, *out);
    else
      lm.save(*out);
    ctx.exit_code = 0;
  });
}

void add_bench(CLI::App& lm, Context& ctx) {
  struct Opt {
    std::string lm, text, alphabet;
    int lines = 200, labels = 170, frames = 150, beam = kDefaultBeamWidth;
    float alpha = kDefaultLmAlpha, beta = kDefaultLmBeta;
  };
  auto o = std::make_shared<Opt>();
  auto* cmd = lm.add_subcommand("bench", "time the decoders on synthetic network output (one core)");
  cmd->add_option("--lm", o->lm, "language model (none = without)")->required();
  cmd->add_option("--text", o->text, "UTF-8 lines to synthesise posteriors from")->required()->check(CLI::ExistingFile);
  cmd->add_option("--lines", o->lines, "lines to decode")->capture_default_str();
  cmd->add_option("--labels", o->labels, "alphabet size K including blank (padded with rare symbols)")->capture_default_str();
  cmd->add_option("--frames", o->frames, "frames per line T (at least)")->capture_default_str();
  cmd->add_option("--beam-width", o->beam, "beam width")->capture_default_str();
  cmd->add_option("--lm-weight", o->alpha, "α")->capture_default_str();
  cmd->add_option("--lm-bonus", o->beta, "β")->capture_default_str();
  cmd->callback([o, &ctx] {
    auto texts = read_lines(o->text, static_cast<size_t>(o->lines) * 4);
    if (texts.empty()) throw FormatError(o->text + ": no usable lines");
    // Alphabet: the texts' characters, padded with Latin-1/Greek letters up to K.
    Alphabet alphabet = Alphabet::from_texts(texts);
    std::u32string chars = alphabet.chars();
    for (char32_t c = 0xC0; static_cast<int>(chars.size()) + 1 < o->labels && c < 0x3FF; ++c)
      if (!alphabet.contains(c)) chars.push_back(c);
    alphabet = Alphabet(chars);
    const int K = alphabet.size();
    std::mt19937 rng(1);
    std::vector<Matrix> lp;
    std::vector<std::u32string> truth;
    for (const auto& t : texts) {
      std::u32string u = utf8_decode(t);
      // Keep lines of a realistic length for T frames (about 2.5 frames per character).
      if (u.size() > static_cast<size_t>(o->frames) * 2 / 5) u.resize(static_cast<size_t>(o->frames) * 2 / 5);
      while (!u.empty() && u.back() == U' ') u.pop_back();
      if (u.empty()) continue;
      truth.push_back(u);
      lp.push_back(synth_posteriors(alphabet.encode(utf8_encode(u)), K, o->frames, rng));
      if (static_cast<int>(lp.size()) >= o->lines) break;
    }
    std::vector<GtLine> gt(truth.size());
    for (size_t i = 0; i < truth.size(); ++i) gt[i].truth = truth[i];
    omp_set_num_threads(1);
    auto run = [&](const char* name, const Decoder& d) {
      Scores s = score_decoder(d, alphabet, lp, gt);
      std::printf("%-28s %7.3f ms/line   CER %.2f%%   WER %.2f%%\n", name, s.ms_per_line, 100 * s.cer, 100 * s.wer);
    };
    std::printf("%zu lines, K=%d labels, T≈%d frames, beam width %d\n", lp.size(), K, o->frames, o->beam);
    run("greedy", GreedyDecoder());
    BeamOptions b;
    b.beam_width = o->beam;
    b.beta = 0;
    run("beam", BeamDecoder(alphabet, b));
    if (o->lm != "none") {
      auto t0 = Clock::now();
      auto model = load_language_model(o->lm);
      std::printf("LM %s loaded in %.1f ms\n", o->lm.c_str(), 1000 * seconds_since(t0));
      b.alpha = o->alpha;
      b.beta = o->beta;
      run("beam + LM", BeamDecoder(alphabet, b, model));
    }
    ctx.exit_code = 0;
  });
}

struct EvalOpt {
  std::string model, lm, lexicon;
  std::vector<std::string> gt;
  size_t limit = 0;
  int beam = kDefaultBeamWidth;
  bool write = false;
};

void eval_options(CLI::App* cmd, EvalOpt& o) {
  cmd->add_option("--model", o.model, "model file (.ocrm); default: the shipped model");
  cmd->add_option("--gt", o.gt, "directories of <stem>.gt.txt + image line pairs")->required();
  cmd->add_option("--lm", o.lm, "language model (default: the one shipped next to the model; none = without)");
  cmd->add_option("--lexicon", o.lexicon, "word list (default: the one shipped next to the model; none = without)");
  cmd->add_option("--limit", o.limit, "use at most this many lines");
  cmd->add_option("--beam-width", o.beam, "beam width")->capture_default_str();
  cmd->add_flag("--write", o.write, "store the result in the model's metadata and save the model");
}

struct EvalSet {
  std::shared_ptr<Model> model;
  std::string model_path;
  std::vector<GtLine> lines;
  std::vector<Matrix> lp;
  std::shared_ptr<const LanguageModel> lm;
  std::shared_ptr<const Lexicon> lexicon;
};

EvalSet load_eval_set(const EvalOpt& o) {
  EvalSet s;
  s.model_path = resolve_model(o.model);
  s.model = Model::load(s.model_path);
  s.lines = load_gt(o.gt, o.limit);
  double secs = 0;
  s.lp = posteriors(*s.model, s.lines, &secs);
  std::printf("%zu lines; network forward %.1f ms/line (all threads)\n", s.lines.size(),
              1000 * secs / s.lines.size());
  std::string lm_path = o.lm.empty() ? default_lm_path(s.model_path) : o.lm;
  if (!lm_path.empty() && lm_path != "none") {
    s.lm = load_language_model(lm_path);
    std::printf("language model: %s\n", lm_path.c_str());
  }
  const std::string lexicon_path = o.lexicon.empty() ? default_lexicon_path(s.model_path) : o.lexicon;
  if (!lexicon_path.empty() && lexicon_path != "none") {
    s.lexicon = std::make_shared<Lexicon>(Lexicon::load(lexicon_path));
    std::printf("lexicon: %s\n", lexicon_path.c_str());
  }
  return s;
}

void add_tune(CLI::App& lm, Context& ctx) {
  auto o = std::make_shared<EvalOpt>();
  auto alphas = std::make_shared<std::string>("0,0.25,0.5,0.75,1,1.5");
  auto betas = std::make_shared<std::string>("0,0.5,1,1.5,2,3");
  auto penalties = std::make_shared<std::string>("0,1,2,3,5");
  auto* cmd = lm.add_subcommand(
      "tune", "grid-search the LM weight α, bonus β and lexicon OOV penalty on a validation set (CER)");
  eval_options(cmd, *o);
  cmd->add_option("--alphas", *alphas, "comma-separated α values")->capture_default_str();
  cmd->add_option("--betas", *betas, "comma-separated β values")->capture_default_str();
  cmd->add_option("--oov-penalties", *penalties, "comma-separated OOV penalties (with a lexicon)")
      ->capture_default_str();
  cmd->callback([o, alphas, betas, penalties, &ctx] {
    EvalSet s = load_eval_set(*o);
    const Alphabet& A = s.model->alphabet();
    Scores g = score_decoder(GreedyDecoder(), A, s.lp, s.lines);
    std::printf("greedy:           CER %6.3f%%  WER %6.3f%%  %.3f ms/line\n", 100 * g.cer, 100 * g.wer, g.ms_per_line);
    BeamOptions b;
    b.beam_width = o->beam;
    b.beta = 0;
    Scores nb = score_decoder(BeamDecoder(A, b, nullptr, s.lexicon), A, s.lp, s.lines);
    std::printf("beam, no LM:      CER %6.3f%%  WER %6.3f%%  %.3f ms/line\n", 100 * nb.cer, 100 * nb.wer, nb.ms_per_line);
    if (!s.lm) throw Error("lm tune needs a language model (--lm)");
    double best = 2;
    float ba = 0, bb = 0, bp = 0;
    const std::vector<float> pens = s.lexicon ? parse_float_list(*penalties) : std::vector<float>{0.f};
    std::printf("   alpha    beta     oov     CER      WER   ms/line\n");
    for (float a : parse_float_list(*alphas))
      for (float be : parse_float_list(*betas))
        for (float pen : pens) {
          b.alpha = a;
          b.beta = be;
          b.oov_penalty = pen;
          Scores r = score_decoder(BeamDecoder(A, b, s.lm, s.lexicon), A, s.lp, s.lines);
          std::printf("  %6.2f  %6.2f  %6.2f  %6.3f%%  %6.3f%%  %6.3f\n", a, be, pen, 100 * r.cer, 100 * r.wer,
                      r.ms_per_line);
          if (r.cer < best) best = r.cer, ba = a, bb = be, bp = pen;
        }
    std::printf("best: alpha %.2f beta %.2f oov penalty %.2f CER %.3f%% (greedy %.3f%%, %+.1f%% relative)\n", ba,
                bb, bp, 100 * best, 100 * g.cer, g.cer > 0 ? 100 * (best - g.cer) / g.cer : 0.0);
    if (o->write) {
      s.model->metadata().extra["lm_alpha"] = std::to_string(ba);
      s.model->metadata().extra["lm_beta"] = std::to_string(bb);
      if (s.lexicon) s.model->metadata().extra["lm_oov_penalty"] = std::to_string(bp);
      s.model->save(s.model_path);
      std::printf("saved lm_alpha, lm_beta%s in %s\n", s.lexicon ? ", lm_oov_penalty" : "", s.model_path.c_str());
    }
    ctx.exit_code = 0;
  });
}

void add_calibrate(CLI::App& lm, Context& ctx) {
  auto o = std::make_shared<EvalOpt>();
  auto bins = std::make_shared<int>(10);
  auto* cmd = lm.add_subcommand("calibrate",
                                "fit the confidence scaling on a validation set and show reported vs observed accuracy");
  eval_options(cmd, *o);
  cmd->add_option("--bins", *bins, "reliability bins")->capture_default_str();
  cmd->callback([o, bins, &ctx] {
    EvalSet s = load_eval_set(*o);
    const Alphabet& A = s.model->alphabet();
    auto extra = s.model->metadata().extra;
    BeamOptions b;
    b.beam_width = o->beam;
    b.alpha = s.lm ? std::stof(extra.count("lm_alpha") ? extra["lm_alpha"] : std::to_string(kDefaultLmAlpha)) : 0.f;
    b.beta = s.lm ? std::stof(extra.count("lm_beta") ? extra["lm_beta"] : std::to_string(kDefaultLmBeta)) : 0.f;
    b.oov_penalty = std::stof(extra.count("lm_oov_penalty") ? extra["lm_oov_penalty"] : std::to_string(kDefaultOovPenalty));
    BeamDecoder dec(A, b, s.lm, s.lexicon);
    std::vector<Hypothesis> hyps;
    Scores r = score_decoder(dec, A, s.lp, s.lines, &hyps);
    std::printf("beam (alpha %.2f, beta %.2f): CER %.3f%%  WER %.3f%%\n", b.alpha, b.beta, 100 * r.cer, 100 * r.wer);
    std::vector<CalibrationSample> words, chars;
    std::vector<ConfidenceFeatures> feats;
    for (size_t i = 0; i < s.lp.size(); ++i) {
      Hypothesis h = dec.decode_beam(s.lp[i], &feats).front();
      line_samples(h, feats, A, s.lines[i].truth, words, chars);
    }
    if (words.empty()) throw Error("no words decoded");
    // Fit on even items, report on odd ones, so the table is not measured on its own fit.
    std::vector<CalibrationSample> fit, held;
    for (size_t i = 0; i < words.size(); ++i) (i % 2 ? held : fit).push_back(words[i]);
    Calibration c = fit_calibration(fit);
    std::printf("fitted on %zu words: conf_scale %.4f conf_peak %.4f conf_bias %.4f\n", fit.size(), c.scale, c.peak,
                c.bias);
    print_reliability("words, raw beam posterior (held-out half)", held, Calibration{}, *bins);
    print_reliability("words, calibrated (held-out half)", held, c, *bins);
    print_reliability("characters, calibrated (all)", chars, c, *bins);
    if (o->write) {
      s.model->metadata().extra["conf_scale"] = std::to_string(c.scale);
      s.model->metadata().extra["conf_peak"] = std::to_string(c.peak);
      s.model->metadata().extra["conf_bias"] = std::to_string(c.bias);
      s.model->save(s.model_path);
      std::printf("saved conf_scale, conf_peak, conf_bias in %s\n", s.model_path.c_str());
    }
    ctx.exit_code = 0;
  });
}

}  // namespace

void add_lm_command(CLI::App& app, Context& ctx) {
  auto* lm = app.add_subcommand("lm", "language models for the beam decoder: build, info, convert, bench, tune, calibrate");
  lm->require_subcommand(1);
  add_build(*lm, ctx);
  add_info(*lm, ctx);
  add_convert(*lm, ctx);
  add_bench(*lm, ctx);
  add_tune(*lm, ctx);
  add_calibrate(*lm, ctx);
}

}  // namespace ocr::cli
