// ocr lm: build, inspect and convert language models; measure the beam decoder's speed; tune the
// decoder's α, β and calibrate its confidences on a validation set with ground truth.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/arpa.h"
#include "ocr/ctc/beam_decoder.h"
#include "ocr/ctc/calibration.h"
#include "ocr/ctc/greedy_decoder.h"
#include "ocr/ctc/ngram_lm.h"
#include "ocr/ctc/synthetic_posteriors.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/decoder_tuning.h"

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

void print_reliability(const char* title, const ReliabilityTable& t) {
  std::printf("%s (%zu items)\n  bin          reported  observed  count\n", title, t.items);
  for (const auto& b : t.bins)
    std::printf("  %.2f-%.2f    %6.3f    %6.3f   %6lld\n", b.lo, b.hi, b.reported, b.observed,
                static_cast<long long>(b.count));
  std::printf("  expected calibration error: %.4f\n", t.ece);
}

// Bench and info texts: lines long enough to be sentences (over 20 bytes).
std::vector<std::string> read_lines(const std::string& path, size_t limit) {
  return read_text_lines(path, limit, 20);
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
                lm.vocab_size(), lm.node_count(), static_cast<size_t>(fs::file_size(*path)), 1000 * load);
    auto counts = lm.ngram_counts();
    for (size_t k = 0; k < counts.size(); ++k) std::printf("  %zu-grams: %zu\n", k + 1, counts[k]);
    std::vector<std::u32string> lines;
    for (const auto& t : *texts)
      for (const auto& line : read_lines(t, 1u << 30)) lines.push_back(utf8_decode(line));
    const TextCrossEntropy e = cross_entropy(lm, lines);
    if (e.symbols)
      std::printf("cross-entropy: %.3f bits per character over %lld characters\n", e.bits_per_symbol(),
                  static_cast<long long>(e.symbols));
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
    const Alphabet alphabet = padded_alphabet(texts, o->labels);
    const int K = alphabet.size();
    const SyntheticLines lines = synthetic_lines(texts, alphabet, o->frames, o->lines);
    const std::vector<Matrix>& lp = lines.log_probs;
    omp_set_num_threads(1);
    auto run = [&](const char* name, const Decoder& d) {
      DecoderScore s = score_decoder(d, alphabet, lp, lines.truths);
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

ValidationSet load_eval_set(const EvalOpt& o) {
  ValidationSet s = load_validation_set({o.model, o.lm, o.lexicon, o.gt, o.limit});
  std::printf("%zu lines; network forward %.1f ms/line (all threads)\n", s.truths.size(),
              1000 * s.forward_seconds / s.truths.size());
  if (s.lm) std::printf("language model: %s\n", s.lm_path.c_str());
  if (s.lexicon) std::printf("lexicon: %s\n", s.lexicon_path.c_str());
  return s;
}

void print_score(const char* name, const DecoderScore& s) {
  std::printf("%-18sCER %6.3f%%  WER %6.3f%%  %.3f ms/line\n", name, 100 * s.cer, 100 * s.wer, s.ms_per_line);
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
    ValidationSet s = load_eval_set(*o);
    const Alphabet& A = s.model->alphabet();
    const DecoderScore greedy = score_decoder(GreedyDecoder(), A, s.log_probs, s.truths);
    print_score("greedy:", greedy);
    BeamOptions b;
    b.beam_width = o->beam;
    b.beta = 0;
    print_score("beam, no LM:", score_decoder(BeamDecoder(A, b, nullptr, s.lexicon), A, s.log_probs, s.truths));
    if (!s.lm) throw Error("lm tune needs a language model (--lm)");
    std::printf("   alpha    beta     oov     CER      WER   ms/line\n");
    const TuningGrid grid{parse_float_list(*alphas), parse_float_list(*betas), parse_float_list(*penalties)};
    const TuningResult r =
        tune_decoder(A, b, s.lm, s.lexicon, s.log_probs, s.truths, grid, [](const TuningPoint& p) {
          std::printf("  %6.2f  %6.2f  %6.2f  %6.3f%%  %6.3f%%  %6.3f\n", p.alpha, p.beta, p.oov_penalty,
                      100 * p.score.cer, 100 * p.score.wer, p.score.ms_per_line);
        });
    const TuningPoint& best = r.best;
    std::printf("best: alpha %.2f beta %.2f oov penalty %.2f CER %.3f%% (greedy %.3f%%, %+.1f%% relative)\n",
                best.alpha, best.beta, best.oov_penalty, 100 * best.score.cer, 100 * greedy.cer,
                greedy.cer > 0 ? 100 * (best.score.cer - greedy.cer) / greedy.cer : 0.0);
    if (o->write) {
      store_tuning(s.model->metadata(), best, s.lexicon != nullptr);
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
    ValidationSet s = load_eval_set(*o);
    const Alphabet& A = s.model->alphabet();
    const BeamOptions b = calibration_beam_options(s.model->metadata().extra, o->beam, s.lm != nullptr);
    const BeamDecoder dec(A, b, s.lm, s.lexicon);
    const DecoderScore r = score_decoder(dec, A, s.log_probs, s.truths);
    std::printf("beam (alpha %.2f, beta %.2f): CER %.3f%%  WER %.3f%%\n", b.alpha, b.beta, 100 * r.cer, 100 * r.wer);
    const CalibrationSamples samples = collect_calibration_samples(dec, A, s.log_probs, s.truths);
    const CalibrationCheck c = fit_and_check_calibration(samples.words, samples.chars, *bins);
    std::printf("fitted on %zu words: conf_scale %.4f conf_peak %.4f conf_bias %.4f\n", c.fitted_words,
                c.calibration.scale, c.calibration.peak, c.calibration.bias);
    print_reliability("words, raw beam posterior (held-out half)", c.raw_words);
    print_reliability("words, calibrated (held-out half)", c.words);
    print_reliability("characters, calibrated (all)", c.chars);
    if (o->write) {
      store_calibration(s.model->metadata(), c.calibration);
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
