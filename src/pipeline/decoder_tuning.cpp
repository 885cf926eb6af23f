#include "ocr/pipeline/decoder_tuning.h"

#include <omp.h>

#include <algorithm>
#include <chrono>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/utf8.h"
#include "ocr/eval/dataset.h"
#include "ocr/eval/gt_image.h"
#include "ocr/eval/metrics.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/line_recognizer.h"
#include "ocr/pipeline/model_search.h"
#include "ocr/pipeline/page_recognizer.h"

namespace ocr {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

std::vector<GtLine> load_gt_lines(const std::vector<std::string>& dirs_or_lists, size_t limit) {
  std::vector<GtLine> out;
  for (const auto& dir : dirs_or_lists) {
    std::vector<std::string> problems;
    GtImageReader reader;
    for (const GtPair& pair : find_gt_pairs(dir, &problems)) {
      PageImage page = reader.read(pair);
      GtLine line;
      line.name = pair.name();
      line.truth = utf8_decode(pair.text);
      line.image = prepare_line_image(page.image, {}, page.dpi);
      if (line.image.empty()) {
        log::warn("{}: no text line found, skipped", pair.name());
        continue;
      }
      out.push_back(std::move(line));
      if (limit && out.size() >= limit) return out;
    }
    for (const auto& p : problems) log::warn("{}", p);
  }
  if (out.empty()) throw IoError("no <stem>.gt.txt lines with images found");
  return out;
}

ValidationSet load_validation_set(const ValidationSetOptions& o) {
  ValidationSet s;
  s.model_path = resolve_model(o.model);
  s.model = Model::load(s.model_path);
  {
    std::vector<GtLine> lines = load_gt_lines(o.gt, o.limit);
    std::vector<cv::Mat> images;
    for (auto& line : lines) {
      images.push_back(line.image);
      s.truths.push_back(std::move(line.truth));
    }
    LineRecognizer recognizer(std::shared_ptr<const Model>(s.model));
    const auto t0 = Clock::now();
    s.log_probs = recognizer.log_probs(images);
    s.forward_seconds = seconds_since(t0);
  }
  const std::string lm_path = o.lm.empty() ? default_lm_path(s.model_path) : o.lm;
  if (!lm_path.empty() && lm_path != "none") {
    s.lm = load_language_model(lm_path);
    s.lm_path = lm_path;
  }
  const std::string lexicon_path = o.lexicon.empty() ? default_lexicon_path(s.model_path) : o.lexicon;
  if (!lexicon_path.empty() && lexicon_path != "none") {
    s.lexicon = std::make_shared<Lexicon>(Lexicon::load(lexicon_path));
    s.lexicon_path = lexicon_path;
  }
  return s;
}

DecoderScore score_decoder(const Decoder& decoder, const Alphabet& alphabet, const std::vector<Matrix>& log_probs,
                           const std::vector<std::u32string>& truths, std::vector<Hypothesis>* hyps) {
  if (log_probs.size() != truths.size())
    throw Error("score_decoder: " + std::to_string(log_probs.size()) + " lines of network output for " +
                std::to_string(truths.size()) + " truths");
  const int n = static_cast<int>(truths.size());
  std::vector<Hypothesis> out(static_cast<size_t>(n));
  const auto t0 = Clock::now();
#pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < n; ++i) out[size_t(i)] = decoder.decode(log_probs[size_t(i)]);
  const double secs = seconds_since(t0);
  int64_t char_edits = 0, chars = 0, word_edits = 0, words = 0;
  for (int i = 0; i < n; ++i) {
    const std::u32string text = utf8_decode(alphabet.decode(out[size_t(i)].label_ids()));
    const std::u32string& truth = truths[size_t(i)];
    char_edits += edit_distance(text, truth);
    chars += static_cast<int64_t>(truth.size());
    const auto truth_words = split_words(truth);
    word_edits += edit_distance(split_words(text), truth_words);
    words += static_cast<int64_t>(truth_words.size());
  }
  DecoderScore s;
  s.cer = chars ? double(char_edits) / chars : 0;
  s.wer = words ? double(word_edits) / words : 0;
  // The lines were spread over every thread: the time of one is the wall time times their number.
  s.ms_per_line = 1000 * secs * std::max(1, omp_get_max_threads()) / std::max(1, n);
  if (hyps) *hyps = std::move(out);
  return s;
}

TuningResult tune_decoder(const Alphabet& alphabet, const BeamOptions& base, std::shared_ptr<const LanguageModel> lm,
                          std::shared_ptr<const Lexicon> lexicon, const std::vector<Matrix>& log_probs,
                          const std::vector<std::u32string>& truths, const TuningGrid& grid,
                          const std::function<void(const TuningPoint&)>& on_point) {
  if (!lm) throw Error("decoder tuning needs a language model");
  const std::vector<float> penalties = lexicon ? grid.oov_penalties : std::vector<float>{0.f};
  if (grid.alphas.empty() || grid.betas.empty() || penalties.empty())
    throw Error("decoder tuning: empty list of LM weights, bonuses or OOV penalties");
  TuningResult r;
  BeamOptions b = base;
  for (float alpha : grid.alphas)
    for (float beta : grid.betas)
      for (float penalty : penalties) {
        b.alpha = alpha;
        b.beta = beta;
        b.oov_penalty = penalty;
        TuningPoint p{alpha, beta, penalty, score_decoder(BeamDecoder(alphabet, b, lm, lexicon), alphabet, log_probs, truths)};
        if (on_point) on_point(p);
        if (r.points.empty() || p.score.cer < r.best.score.cer) r.best = p;
        r.points.push_back(p);
      }
  return r;
}

void store_tuning(ModelMetadata& metadata, const TuningPoint& best, bool with_lexicon) {
  metadata.extra["lm_alpha"] = std::to_string(best.alpha);
  metadata.extra["lm_beta"] = std::to_string(best.beta);
  if (with_lexicon) metadata.extra["lm_oov_penalty"] = std::to_string(best.oov_penalty);
}

BeamOptions calibration_beam_options(const std::map<std::string, std::string>& extra, int beam_width, bool with_lm) {
  auto value = [&](const char* key, float fallback) {
    const auto it = extra.find(key);
    return it == extra.end() ? fallback : std::stof(it->second);
  };
  BeamOptions b;
  b.beam_width = beam_width;
  b.alpha = with_lm ? value("lm_alpha", kDefaultLmAlpha) : 0.f;
  b.beta = with_lm ? value("lm_beta", kDefaultLmBeta) : 0.f;
  b.oov_penalty = value("lm_oov_penalty", kDefaultOovPenalty);
  return b;
}

CalibrationSamples collect_calibration_samples(const BeamDecoder& decoder, const Alphabet& alphabet,
                                               const std::vector<Matrix>& log_probs,
                                               const std::vector<std::u32string>& truths) {
  if (log_probs.size() != truths.size())
    throw Error("collect_calibration_samples: " + std::to_string(log_probs.size()) +
                " lines of network output for " + std::to_string(truths.size()) + " truths");
  CalibrationSamples s;
  std::vector<ConfidenceFeatures> features;
  for (size_t i = 0; i < log_probs.size(); ++i) {
    const Hypothesis h = decoder.decode_beam(log_probs[i], &features).front();
    std::u32string text;
    for (const auto& l : h.labels) text.push_back(alphabet.symbol(l.label));
    add_line_samples(text, features, truths[i], s.words, s.chars);
  }
  return s;
}

void store_calibration(ModelMetadata& metadata, const Calibration& c) {
  metadata.extra["conf_scale"] = std::to_string(c.scale);
  metadata.extra["conf_peak"] = std::to_string(c.peak);
  metadata.extra["conf_bias"] = std::to_string(c.bias);
}

}  // namespace ocr
