// The scorer the beam decoder consults: a language model over Unicode code points, queried one
// character at a time through an opaque state, so a prefix is never re-scored from its start.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ocr {

// Opaque per-prefix state; what it packs is up to the model (a node id, a word context, ...).
using LmState = uint64_t;

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  // State at the start of a line.
  virtual LmState start() const = 0;
  // Natural log of P(c | state); advances state past c. ' ' is the word separator.
  virtual float score(LmState& state, char32_t c) const = 0;
  // Natural log of P(end of line | state), including any word still open.
  virtual float score_end(LmState state) const = 0;
  virtual int order() const = 0;
};

// Loads a binary model (`ocr lm build`) or an ARPA file, told apart by content. Throws
// IoError / FormatError naming the file.
std::shared_ptr<const LanguageModel> load_language_model(const std::string& path);

// How well a model predicts held-out text (`ocr lm info --text`).
struct TextCrossEntropy {
  double nats = 0;      // -ln P summed over every character of the lines and each line's end
  int64_t symbols = 0;  // characters plus one end per line
  double bits_per_symbol() const;  // 0 without symbols
};
TextCrossEntropy cross_entropy(const LanguageModel& lm, const std::vector<std::u32string>& lines);

}  // namespace ocr
