// `ocr train --check`: a pre-flight over labelled line images before any training, reporting
// every entry training would skip (with its path and why) and what else deserves a look.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ocr/ctc/alphabet.h"

namespace ocr {

struct DataCheckOptions {
  std::string spec;        // network spec (its width divisor decides how many CTC frames a line has)
  int input_height = 32;   // network input height
  const Alphabet* init_alphabet = nullptr;  // alphabet of the --init model, if any
};

struct DataCheckReport {
  int64_t entries = 0;      // image / ground-truth pairs found
  int64_t usable = 0;       // lines training would use
  int64_t characters = 0;   // ground-truth characters of the usable lines
  // Entries training skips: orphans, unreadable or empty images, no text line, empty or
  // malformed ground truth, lines too narrow for their text. "PATH: reason".
  std::vector<std::string> problems;
  // Kept but worth a look: identical images, whitespace that the text as written does not show.
  std::vector<std::string> warnings;
  std::map<char32_t, int64_t> char_counts;  // over usable lines
  std::u32string new_chars;  // characters the init model lacks (its alphabet would be extended)
};

// Throws IoError when dir_or_list itself is missing; everything else goes into the report.
DataCheckReport check_training_data(const std::string& dir_or_list, const DataCheckOptions& opt);

// A report's characters, most frequent first (equal counts in code point order).
std::vector<std::pair<char32_t, int64_t>> chars_by_count(const DataCheckReport& report);

struct TrainConfig;

struct CheckedSet {
  std::string set;  // as named (--train, --val)
  DataCheckReport report;
};

struct TrainingDataCheck {
  std::vector<CheckedSet> sets;  // the training set, then the validation set if one is named
  bool with_init = false;        // checked against --init's model (new_chars are filled)
  // Training would leave something out: a skipped entry, or a set without a usable line.
  bool would_skip() const;
};

// `ocr train --check` for a configuration: its sets checked against --init's model (its spec,
// input height and alphabet) when given, else against the configuration's spec and height.
// on_set, if given, sees each set's report as soon as it is made. Throws Error for --train synth
// (no labelled lines), IoError when a set or the model is missing.
TrainingDataCheck check_training_config(const TrainConfig& config,
                                        const std::function<void(const CheckedSet&)>& on_set = {});

}  // namespace ocr
