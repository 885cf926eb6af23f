// Recognizes cropped line images with a model: normalise → network → CTC decode.
// This is the engine-facing façade that page recognition, eval and batch runs build on.
#pragma once
#include <limits>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

class Model;
class Decoder;

// One recognised character (a Unicode code point) of a line.
struct RecognizedChar {
  std::string text;  // UTF-8 of one code point
  int x0 = 0, x1 = 0;  // horizontal extent in the *input line image's* pixels (x1 exclusive)
  float confidence = 0;  // 0..1
};

struct RecognizedLine {
  std::string text;
  std::vector<RecognizedChar> chars;  // one per code point of text, in order
  float confidence = 0;               // 0..1, mean of the characters' (1 for an empty line)
  // The reading is nothing a text line gives (implausible_reading): its characters' confidences
  // are capped at kImplausibleConfidence, and page reading leaves the line out.
  bool implausible = false;
};

// The confidence cap of an implausible reading.
inline constexpr float kImplausibleConfidence = 0.1f;

// Judges the reading implausible: sets the flag and caps its confidences.
void mark_implausible(RecognizedLine& line);

// A reading that no text line of a width × height crop gives: marks and lone characters only
// (no two letters or digits in a row anywhere, unless it is letter-spaced: four or more lone
// letters or digits, most of the words, mostly not the l, i, 1 of rulings), or far more characters
// than the width holds (real lines, loose crops included, stay under 7 characters per crop height
// of width).
bool implausible_reading(const std::u32string& text, int width, int height);

// A letter-spaced reading (lone letters or digits between spaces, as implausible_reading allows)
// as the words it spells: `C A R R E F O U R` as CARREFOUR. The spaces between its letters go;
// those clearly wider than the letters' own spacing (1.8 times their median gap) stay as word
// breaks. Other readings are left as they are.
void join_letter_spacing(RecognizedLine& line);

// How the readings of several models are combined (one model: no difference).
enum class LineFusion {
  Auto,       // Consensus (what measured best)
  Posterior,  // the normalised geometric mean of the per-frame probabilities, decoded once (posterior_fusion.h)
  Vote,       // each model's own decoding, aligned and voted by confidence (hypothesis_voting.h)
  Consensus,  // of the Posterior reading and each model's own, the one the others agree with most,
              // weighted by their confidences (reading_consensus.h)
};
// Whether `other` reads with the same labels, line height and frame rate as `first` (what fusing
// them needs); when not, why, in `why`.
bool can_fuse(const Model& first, const Model& other, std::string* why = nullptr);

// Auto resolved (Consensus; other choices as they are).
LineFusion resolve_fusion(LineFusion fusion);
// "auto", "posterior", "vote" or "consensus"; throws FormatError on anything else.
LineFusion parse_fusion(const std::string& name);

struct RecognizerOptions {
  int threads = 0;       // 0 = all cores (OMP_THREAD_LIMIT honoured)
  // Lines per network call (sorted by width to limit padding). One: batching did not pay at
  // inference with the bf16 kernels (one thread, best of 3: uw3-dev 1.58 s in batches of 8
  // against 1.56 s one by one, galil 0.50/0.52, receipt lines 0.45/0.43; pages 15-20 % faster
  // one by one) and the activations grow with the batch (peak memory of a receipt page 128 MB
  // against 80 MB).
  int batch_size = 1;
  LineFusion fusion = LineFusion::Posterior;  // Auto is resolved by the constructor
  // Lines read less surely than this are read again stretched to each of reread_widths times
  // their width, and the surest of the readings stays (0: never). Condensed and blurred print
  // gets too few network frames per letter, or too many, for its look; the readings at other
  // widths err differently and their calibrated confidences say which to keep. With several
  // models and Vote or Consensus fusion, each model rereads alone the lines it is unsure of and
  // the fusion takes each one's surest reading; in a cascade (fuse_below) the first model
  // rereads, and the others read a line at the width it read it surest. Posterior fusion
  // rereads the fused reading.
  double reread_below = 0;
  std::vector<double> reread_widths = {1.4, 0.85};
  // With several models: only lines the first model reads less surely than this are read by the
  // others and fused; the rest keep the first model's reading (a cascade: the others cost only on
  // the unsure lines). Above 1 (the default) every line is fused.
  double fuse_below = std::numeric_limits<double>::infinity();
};

class Network;

// Inference networks of one model (instantiate_for_inference), lent to the threads that read
// with it. Recognizers of one model may share a pool: --engines auto's, one per scene model,
// share their fusion partners' instead of each instantiating its own.
class NetworkPool {
 public:
  explicit NetworkPool(std::shared_ptr<const Model> model);
  ~NetworkPool();
  const std::shared_ptr<const Model>& model() const { return model_; }
  // A network of the model (a free one, else a new one), to give back after use.
  std::unique_ptr<Network> borrow() const;
  void give_back(std::unique_ptr<Network> net) const;

 private:
  std::shared_ptr<const Model> model_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Network>> free_;
};

class LineRecognizer {
 public:
  // Reads every line with every model (or, with options.fuse_below, the first model's unsure
  // lines). With Posterior fusion (the default) decodes the fusion of their per-frame posteriors
  // (fuse_log_posteriors: the normalised geometric mean of the probabilities), so the
  // decoder and its language model see one distribution; with Vote, as below, with this decoder
  // for every model. Posterior fusion needs models that share the alphabet (same symbols in the
  // same order), the input height and the width divisor; otherwise throws Error naming what
  // differs (models by their place in the list). Under Vote and Consensus a model that differs
  // from the first so (can_fuse) reads the line at its own height and gives its own reading
  // only: the posterior reading fuses the models that share the first's, when two or more do.
  // A null decoder means greedy decoding. The caller builds the
  // decoder from the first model's metadata: its LM weights and confidence calibration then
  // apply to the fused posteriors, which they were not fitted on.
  explicit LineRecognizer(std::vector<std::shared_ptr<const Model>> models,
                          std::shared_ptr<const Decoder> decoder = nullptr,
                          RecognizerOptions options = {});
  // With Vote fusion, each model's posteriors are decoded by its own decoder
  // (decoders[i] for models[i]; one decoder serves them all; null: greedy) and the readings are
  // fused by vote_readings, which weighs them by their calibrated character confidences. With
  // Consensus, decoders[0] reads the fused posteriors and each decoder its model's, and
  // consensus_choice keeps one of those readings (with four models or more, or their vote).
  // With Posterior, decoders[0] decodes the fused
  // posteriors. Throws Error when the decoder count is
  // neither 1 nor the model count, and as above.
  // pools: one per model, its networks' pool (shared with other recognizers of the model);
  // empty: the recognizer's own. Throws Error when a pool is not of its model.
  LineRecognizer(std::vector<std::shared_ptr<const Model>> models,
                 std::vector<std::shared_ptr<const Decoder>> decoders, RecognizerOptions options,
                 std::vector<std::shared_ptr<const NetworkPool>> pools = {});
  // One model.
  explicit LineRecognizer(std::shared_ptr<const Model> model,
                          std::shared_ptr<const Decoder> decoder = nullptr,
                          RecognizerOptions options = {});
  ~LineRecognizer();
  // lines: CV_8UC1 crops, dark text on light background. Results in input order.
  std::vector<RecognizedLine> recognize(const std::vector<cv::Mat>& lines) const;
  RecognizedLine recognize(const cv::Mat& line) const;
  // The first model (under Posterior fusion the others share its alphabet, input height and
  // width divisor; under Vote and Consensus those that do join its posteriors).
  const Model& model() const { return *models_.front(); }
  int model_count() const { return int(models_.size()); }
  LineFusion fusion() const { return options_.fusion; }
  // The (posterior-fused, whatever the fusion) log-softmax output for each line (K × frames),
  // before decoding: for tools that decode themselves (decoder tuning, calibration). Only the
  // models that can be fused with the first (can_fuse) take part: the labels are the first's.
  std::vector<Matrix> log_probs(const std::vector<cv::Mat>& lines) const;

 private:
  // Per line, the log-softmax output of each model in [first_model, end_model), each from the
  // line normalised to its own input height.
  std::vector<std::vector<Matrix>> model_log_probs(const std::vector<cv::Mat>& lines, size_t first_model,
                                                   size_t end_model) const;
  // The geometric mean of the posteriors (per_model, from the first model on) of the models that
  // can be fused with the first (posterior_member_); the first's alone when no other can.
  Matrix fused_posteriors(const std::vector<Matrix>& per_model) const;
  // One reading of each line (at most one pass's worth) by the models in [first_model,
  // end_model): one model's own reading, or the fusion of the models from the first; no
  // rereading. Each line's log posteriors (per model) into log_probs.
  std::vector<RecognizedLine> read_once(const std::vector<cv::Mat>& lines, size_t first_model, size_t end_model,
                                        std::vector<std::vector<Matrix>>* log_probs = nullptr) const;
  // Lines of `out` read less surely than options_.reread_below read again, as read_once reads,
  // at each of options_.reread_widths; the surest reading stays, and with it its log posteriors
  // in log_probs and its width factor in widths when given.
  void reread_at_other_widths(const std::vector<cv::Mat>& lines, std::vector<RecognizedLine>& out,
                              size_t first_model, size_t end_model,
                              std::vector<std::vector<Matrix>>* log_probs = nullptr,
                              std::vector<double>* widths = nullptr) const;
  // Model `model`'s own reading of a line from its log posteriors (judged: an implausible one is
  // capped, so it weighs little in a fusion).
  RecognizedLine own_reading(size_t model, const Matrix& log_probs, const cv::Mat& line) const;
  // One line's reading from its log posteriors by the first per_model.size() models, fused as
  // options_.fusion says; `own` holds the first models' own readings when already made.
  RecognizedLine fuse_line(const std::vector<Matrix>& per_model, const cv::Mat& line,
                           std::vector<RecognizedLine> own) const;
  std::vector<std::shared_ptr<const Model>> models_;
  std::vector<std::shared_ptr<const Decoder>> decoders_;  // one per model
  RecognizerOptions options_;
  std::vector<std::shared_ptr<const NetworkPool>> pools_;  // one per model
  // Per model: whether its posteriors can be fused with the first model's (the first's: true).
  std::vector<bool> posterior_member_;
};


}  // namespace ocr
