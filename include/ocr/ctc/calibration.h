// Fitting and checking the beam decoder's confidence map (see beam_decoder.h) on words or
// characters whose correctness is known: a three-parameter logistic regression on the
// confidence features, and a reliability table (reported vs observed accuracy in bins).
#pragma once
#include <cstdint>
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

}  // namespace ocr
