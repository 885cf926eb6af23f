// Fitting and checking the beam decoder's confidence map (see beam_decoder.h) on words or
// characters whose correctness is known: a three-parameter logistic regression on the
// confidence features, and a reliability table (reported vs observed accuracy in bins).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ocr/ctc/beam_decoder.h"

namespace ocr {

// One scored item: a word (its characters' features) or a single character, and whether the
// decoder got it right.
struct CalibrationSample {
  std::vector<ConfidenceFeatures> chars;
  bool correct = false;
};

struct Calibration {
  float scale = 1.f, peak = 0.f, bias = 0.f;  // BeamOptions::conf_scale, conf_peak, conf_bias
};

// Confidence the decoder reports for the item: the minimum over its characters.
float sample_confidence(const CalibrationSample& s, const Calibration& c);

// Maximum likelihood (Newton), with a weak pull towards the identity map so separable or tiny
// sets stay finite. Items are represented by their weakest character.
Calibration fit_calibration(const std::vector<CalibrationSample>& samples);

struct ReliabilityBin {
  double lo = 0, hi = 0;       // confidence range
  double reported = 0;         // mean reported confidence
  double observed = 0;         // fraction correct
  int64_t count = 0;
};
// Equal-width bins (empty ones omitted); *ece receives the expected calibration error.
std::vector<ReliabilityBin> reliability(const std::vector<CalibrationSample>& samples, const Calibration& c,
                                        int bins, double* ece);

// The items of one decoded line, appended to words and chars: its words (their characters'
// features) and its non-space characters, each correct when an optimal alignment to the truth
// matches it (characters against characters, words against words). features holds one entry per
// code point of text, as BeamDecoder::decode_beam gives them for the winner (fewer: throws Error).
void add_line_samples(const std::u32string& text, const std::vector<ConfidenceFeatures>& features,
                      const std::u32string& truth, std::vector<CalibrationSample>& words,
                      std::vector<CalibrationSample>& chars);

struct ReliabilityTable {
  size_t items = 0;
  std::vector<ReliabilityBin> bins;
  double ece = 0;  // expected calibration error
};
ReliabilityTable reliability_table(const std::vector<CalibrationSample>& samples, const Calibration& c, int bins);

// What `ocr lm calibrate` reports.
struct CalibrationCheck {
  Calibration calibration;     // fitted on the even-numbered words
  size_t fitted_words = 0;
  ReliabilityTable raw_words;  // the odd-numbered words under the identity map (raw beam posterior)
  ReliabilityTable words;      // the same words, calibrated
  ReliabilityTable chars;      // every character, calibrated
};
// Fits on the even-numbered words and measures on the odd-numbered ones, so the word tables are
// not measured on their own fit. Throws Error when there are no words.
CalibrationCheck fit_and_check_calibration(const std::vector<CalibrationSample>& words,
                                           const std::vector<CalibrationSample>& chars, int bins);

}  // namespace ocr
