// CTC prefix beam search in log space with an optional character language model, lexicon and
// character allow/deny lists, plus the factory the CLI uses to pick a decoder.
//
// Each prefix is a node of a trie kept in an arena (parent index + label, children as an
// index-linked list) with (ln p_blank, ln p_nonblank) merged by log-sum-exp, and its LM state,
// so extending a prefix scores one character. Ranking score of a prefix:
//   ln P_ctc + α·ln P_lm + β·length − oov_penalty·(words outside the lexicon),
// with ln P_lm(</s>) and the last word's lexicon check added at the end of the line.
// Per frame only the top_k labels covering cum_prob of the mass are extended, and frames where
// blank ≥ blank_skip extend nothing (they only carry blank/repeat paths forward); an extension
// whose score before the LM is prune_delta below the frame's best possible extension is skipped.
//
// Frames: first_frame/last_frame come from a Viterbi forced alignment of the winning labels.
// Confidence of a character: the posterior mass (softmax of final scores) of the beam's
// hypotheses that, aligned to the winner by edit distance, carry the same character and insert
// no character next to it. It is combined with the character's peak frame posterior (max over
// its aligned frames) by a logistic map fitted by `ocr lm calibrate`:
//   sigmoid(conf_scale·logit(beam posterior) + conf_peak·logit(peak) + conf_bias)
// (identity on the beam posterior by default). A word's confidence is the minimum over its
// characters (word_confidence), i.e. the mass of hypotheses that agree on the whole word.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ocr/ctc/alphabet.h"
#include "ocr/ctc/decoder.h"
#include "ocr/ctc/language_model.h"
#include "ocr/ctc/lexicon.h"

namespace ocr {

// Defaults used when neither the flags nor the model's metadata set them.
inline constexpr int kDefaultBeamWidth = 16;
inline constexpr float kDefaultLmAlpha = 0.5f;
inline constexpr float kDefaultLmBeta = 0.5f;
inline constexpr float kDefaultOovPenalty = 2.0f;

struct BeamOptions {
  int beam_width = kDefaultBeamWidth;
  int top_k = 8;               // labels extended per frame, at most ...
  float cum_prob = 0.999f;     // ... and only until they cover this probability
  float min_prob = 1e-4f;      // labels below this are never extended
  float blank_skip = 0.999f;   // frames where blank ≥ this extend nothing
  float prune_delta = 12.f;    // skip extensions scoring this far (nats) below the frame's best
  float alpha = kDefaultLmAlpha;   // LM weight
  float beta = kDefaultLmBeta;     // bonus per emitted character
  float oov_penalty = kDefaultOovPenalty;  // per word outside the lexicon (natural log units)
  std::u32string allow_chars;  // non-empty: only these characters can be emitted
  std::u32string deny_chars;   // never emitted
  float conf_scale = 1.f, conf_peak = 0.f, conf_bias = 0.f;  // confidence calibration
};

// The raw inputs of one character's confidence (logits clamped to ±9.2, i.e. p in [1e-4, 1-1e-4]).
struct ConfidenceFeatures {
  float beam_logit = 0;  // logit of the beam posterior agreeing with the character
  float peak_logit = 0;  // logit of its peak frame posterior
};
float calibrated_confidence(const ConfidenceFeatures& f, float scale, float peak, float bias);

class BeamDecoder : public Decoder {
 public:
  // lm and lexicon may be null. Throws Error on bad options (e.g. an allow-list that leaves
  // nothing of the alphabet).
  BeamDecoder(const Alphabet& alphabet, BeamOptions options,
              std::shared_ptr<const LanguageModel> lm = nullptr,
              std::shared_ptr<const Lexicon> lexicon = nullptr);
  Hypothesis decode(const Matrix& log_probs) const override;
  // All final beam entries, best first (labels and log_prob; frames and confidence only on the
  // first).
  // features (optional) receives the winner's per-character confidence features.
  std::vector<Hypothesis> decode_beam(const Matrix& log_probs,
                                      std::vector<ConfidenceFeatures>* features = nullptr) const;
  const BeamOptions& options() const { return options_; }

 private:
  Alphabet alphabet_;
  BeamOptions options_;
  std::shared_ptr<const LanguageModel> lm_;
  std::shared_ptr<const Lexicon> lexicon_;
  std::vector<uint8_t> allowed_;  // per label (blank = 1)
  std::vector<uint8_t> word_char_;  // per label: a lexicon word character
};

// Wraps any decoder so masked labels are never emitted (their log-probs become -inf).
class MaskedDecoder : public Decoder {
 public:
  MaskedDecoder(std::shared_ptr<const Decoder> inner, const Alphabet& alphabet,
                const std::u32string& allow_chars, const std::u32string& deny_chars);
  Hypothesis decode(const Matrix& log_probs) const override;

 private:
  std::shared_ptr<const Decoder> inner_;
  std::vector<int> masked_;
};

// Per-label mask: 1 = may be emitted. Blank is always allowed. Characters of the lists that are
// not in the alphabet are ignored.
std::vector<uint8_t> label_mask(const Alphabet& alphabet, const std::u32string& allow_chars,
                                const std::u32string& deny_chars);

// Minimum confidence over labels [begin, end) (1 for an empty range).
float word_confidence(const Hypothesis& h, size_t begin, size_t end);

// What `ocr recognize` (and eval, tune) pass to make_decoder.
struct DecoderOptions {
  std::string kind = "beam";     // "beam" or "greedy"
  int beam_width = kDefaultBeamWidth;
  std::string lm_path;           // "" or "none": no language model
  std::optional<float> alpha;    // unset: model metadata "lm_alpha", else kDefaultLmAlpha
  std::optional<float> beta;     // unset: model metadata "lm_beta", else kDefaultLmBeta
  std::string lexicon;           // word-list path, "" or "none": no lexicon
  std::optional<float> oov_penalty;  // unset: metadata "lm_oov_penalty", else kDefaultOovPenalty
  std::string allow_chars, deny_chars;  // UTF-8
};

// Builds the decoder. model_extra is the model's metadata `extra` map (keys lm_alpha, lm_beta,
// lm_oov_penalty, conf_scale, conf_peak, conf_bias). "greedy" honours only the allow/deny lists.
// Throws IoError/FormatError for a bad LM or lexicon file, Error for a bad kind or lists that
// leave no character.
// The language model and word list that decoders made one after another can share (the models of
// a fusion each get a decoder, all with the files beside the first model): make_decoder loads a
// file only when the one kept here has another path.
struct DecoderFiles {
  std::string lm_path, lexicon_path;
  std::shared_ptr<const LanguageModel> lm;
  std::shared_ptr<const Lexicon> lexicon;
};
std::shared_ptr<const Decoder> make_decoder(const DecoderOptions& options, const Alphabet& alphabet,
                                            const std::map<std::string, std::string>& model_extra = {},
                                            DecoderFiles* shared_files = nullptr);

}  // namespace ocr
