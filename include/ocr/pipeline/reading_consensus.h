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

// The index of the reading of least risk; a tie goes to the earlier reading. Throws Error when
// there is none.
size_t consensus_choice(const std::vector<RecognizedLine>& readings, const ConsensusOptions& options = {});

}  // namespace ocr
