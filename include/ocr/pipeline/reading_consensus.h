// Choosing one of several readings of a line by consensus: minimum Bayes risk selection. Each
// reading is a guess at the line's text, right with the chance its calibrated confidence gives;
// the reading kept is the one whose expected edit distance to the line, as the readings together
// estimate it, is least: risk(i) = sum over readings j of confidence(j) * edits(reading i, reading j).
// A reading that most of the others nearly agree with wins even where the surest one is wrong,
// and a single confident outlier loses. Unlike voting character by character (hypothesis_voting.h)
// the reading kept is one a decoder and its language model produced whole.
//
// `ocr` feeds it the posterior fusion's reading and each model's own (LineFusion::Consensus). On
// the five dev line sets with eng_rough, eng_photo and eng_mix (a prototype over their readings,
// 2026-12-06): 2 088 summed edits against 2 198 for the fused reading alone; every reading
// weighing 1 instead of its confidence gave 2 115, the square of the confidence 2 104.
#pragma once
#include <cstddef>
#include <vector>

#include "ocr/pipeline/line_recognizer.h"

namespace ocr {

struct ConsensusOptions {
  // What a reading without characters weighs with: its confidence (1 by convention) is no
  // calibrated chance of being right. The same as hypothesis voting's gap.
  double empty_reading_weight = 0.5;
};

// The risk of each reading (above), in the readings' order; characters are code points.
std::vector<double> consensus_risks(const std::vector<RecognizedLine>& readings,
                                    const ConsensusOptions& options = {});

struct ConsensusChoice {
  size_t index = 0;  // the reading of least risk; a tie goes to the earlier reading
  // How much the other readings agree with it: 1 - the mean, weighted as the risk is, of their
  // edits to it per character of the longer of the two; 1 when there is no other reading.
  double agreement = 1;
};

// The reading to keep. Throws Error when there is none.
ConsensusChoice consensus_choice(const std::vector<RecognizedLine>& readings, const ConsensusOptions& options = {});

// The kept reading's confidences (each character's and the line's) times the agreement: a
// reading keeps its own confidence only where the others read the same. Chosen for having least
// risk, it would otherwise be surer than it is right: word ECE (bench/fusion/word_calibration.py)
// on forms/lines 0.063 -> 0.051 with eng_mix, eng_rough and eng_photo, 0.056 -> 0.046 under
// --engines auto (eng_mix alone 0.045); receipts/lines under auto 0.058 -> 0.053; edits unchanged.
// Below kNoConsensusAgreement the reading is also judged implausible (RecognizedLine::implausible,
// its confidences capped): readings that share almost nothing are no text line's but noise, a
// rule or a strip of a picture that each model reads as something else (a receipt page's 12-px
// rule, read `TRE M. 3 RM in 488 M m` at agreement 0.15, where the page's text lines agree 0.3-1).
void apply_agreement(RecognizedLine& reading, double agreement);

inline constexpr double kNoConsensusAgreement = 0.2;

}  // namespace ocr
