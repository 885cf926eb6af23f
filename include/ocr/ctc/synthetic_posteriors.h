// Made-up network output, to time and check decoders without a network (`ocr lm bench`).
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ocr/core/tensor.h"
#include "ocr/ctc/alphabet.h"

namespace ocr {

// The texts' characters padded with Latin-1 and Greek letters (from U+00C0) to `labels` labels,
// blank included, so the decoder works on an alphabet of a real model's size.
Alphabet padded_alphabet(const std::vector<std::string>& texts, int labels);

// K × max(min_frames, frames needed) log-probabilities for labels (blank = 0), centred: each
// character peaks over 1-3 frames with a confusable runner-up, blank frames between characters
// (always between repeats), and a little mass on every label.
Matrix synthetic_posteriors(const std::vector<int>& labels, int K, int min_frames, std::mt19937& rng);

struct SyntheticLines {
  std::vector<std::u32string> truths;
  std::vector<Matrix> log_probs;
};

// Up to max_lines lines from texts, each cut to what `frames` frames hold (2.5 frames per
// character) and to no trailing space (lines left empty are skipped), with their synthetic
// posteriors. The same seed gives the same lines.
SyntheticLines synthetic_lines(const std::vector<std::string>& texts, const Alphabet& alphabet, int frames,
                               int max_lines, uint32_t seed = 1);

}  // namespace ocr
