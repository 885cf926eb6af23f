// Tuning and calibrating the beam decoder on ground-truth lines (`ocr lm tune`, `ocr lm
// calibrate`): the network reads the lines once, then every decoder setting decodes the stored
// network outputs.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "ocr/core/tensor.h"
#include "ocr/ctc/alphabet.h"
#include "ocr/ctc/beam_decoder.h"
#include "ocr/ctc/calibration.h"
#include "ocr/ctc/decoder.h"

namespace ocr {

class Model;
struct ModelMetadata;

// A ground-truth line prepared as `ocr recognize --layout line` prepares it, so the decoder is
// tuned and calibrated on the network outputs recognize will produce.
struct GtLine {
  std::string name;  // GtPair::name()
  std::u32string truth;
  cv::Mat image;
};

// The lines of each folder or list (find_gt_pairs), in order, at most limit of them (0: all).
// A pair whose image holds no text line is skipped, and find_gt_pairs' problems are logged.
// Throws IoError when no line is found.
std::vector<GtLine> load_gt_lines(const std::vector<std::string>& dirs_or_lists, size_t limit = 0);

struct ValidationSetOptions {
  std::string model;             // file or name (resolve_model); "" = the default model
  std::string lm, lexicon;       // "" = the one beside the model (default_lm_path ...); "none" = without
  std::vector<std::string> gt;   // folders or lists of line ground truth
  size_t limit = 0;              // at most this many lines (0: all)
};

struct ValidationSet {
  std::shared_ptr<Model> model;
  std::string model_path;
  std::string lm_path, lexicon_path;  // "" when without
  std::shared_ptr<const LanguageModel> lm;
  std::shared_ptr<const Lexicon> lexicon;
  std::vector<std::u32string> truths;
  std::vector<Matrix> log_probs;  // the network's output for each line
  double forward_seconds = 0;     // wall time of the network over all lines
};

// Loads the model, LM and lexicon, reads the lines and runs the network over them.
ValidationSet load_validation_set(const ValidationSetOptions& options);

struct DecoderScore {
  double cer = 0, wer = 0;  // edits summed over lines / characters (words) of the truths
  double ms_per_line = 0;   // decoding time per line on one thread
};

// Decodes each line's log_probs (in parallel) and scores the text against its truth, as it is:
// no normalisation. hyps (optional) receives the hypotheses.
DecoderScore score_decoder(const Decoder& decoder, const Alphabet& alphabet, const std::vector<Matrix>& log_probs,
                           const std::vector<std::u32string>& truths, std::vector<Hypothesis>* hyps = nullptr);

struct TuningGrid {
  std::vector<float> alphas, betas;
  std::vector<float> oov_penalties;  // tried only with a lexicon; without, the penalty is 0
};

struct TuningPoint {
  float alpha = 0, beta = 0, oov_penalty = 0;
  DecoderScore score;
};

struct TuningResult {
  std::vector<TuningPoint> points;  // every α, for each every β, for each every penalty
  TuningPoint best;                 // the lowest CER; the first of equals
};

// Grid search of the beam decoder's LM weight α, bonus β and OOV penalty by CER; base gives the
// other beam options. on_point, if given, sees each point when it is measured. Throws Error
// without an LM or with an empty α or β list (or penalty list, with a lexicon).
TuningResult tune_decoder(const Alphabet& alphabet, const BeamOptions& base, std::shared_ptr<const LanguageModel> lm,
                          std::shared_ptr<const Lexicon> lexicon, const std::vector<Matrix>& log_probs,
                          const std::vector<std::u32string>& truths, const TuningGrid& grid,
                          const std::function<void(const TuningPoint&)>& on_point = {});

// Stores the tuned weights where make_decoder reads them (lm_alpha, lm_beta, and lm_oov_penalty
// when a lexicon was tuned).
void store_tuning(ModelMetadata& metadata, const TuningPoint& best, bool with_lexicon);

// The decoder whose confidences `ocr lm calibrate` fits: the model's tuned weights (metadata
// lm_alpha, lm_beta, lm_oov_penalty, else the defaults; α and β 0 without an LM), uncalibrated.
BeamOptions calibration_beam_options(const std::map<std::string, std::string>& model_extra, int beam_width,
                                     bool with_lm);

struct CalibrationSamples {
  std::vector<CalibrationSample> words, chars;
};

// Each line's best beam hypothesis, its words and characters judged against the truth
// (add_line_samples).
CalibrationSamples collect_calibration_samples(const BeamDecoder& decoder, const Alphabet& alphabet,
                                               const std::vector<Matrix>& log_probs,
                                               const std::vector<std::u32string>& truths);

// Stores a fitted calibration where make_decoder reads it (conf_scale, conf_peak, conf_bias).
void store_calibration(ModelMetadata& metadata, const Calibration& calibration);

}  // namespace ocr
