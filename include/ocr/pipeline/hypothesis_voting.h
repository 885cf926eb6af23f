// Fusing the readings several recognizers made of one line by aligned voting (ROVER, as
// Calamari's confidence voter): each model decodes the line on its own (its beam, LM and
// calibrated character confidences), the readings are aligned character by character into a
// confusion network with gaps, and every aligned slot goes to what the readings, weighted by
// their confidences, say most.
//
// Alignment is progressive: the most confident reading (line confidence; readings without
// characters last) gives the first slots, one per character, and every further reading, in
// decreasing confidence, is aligned to the slots so far by edit distance: a character costs
// 1 − (share of the slot's readings that read it) against a slot, leaving a slot out costs
// 1 − (share of its readings with a gap there), and a character that opens a new slot costs 1.
// Where both characters have extents, a small term for their distance (0.1 per mean character
// width, at most 0.4) chooses among alignments of equal edit cost, so "rn" against "m" pairs the
// letters that sit on the same pixels.
//
// Vote of a slot: a character scores the sum of the confidences of the readings that read it; a
// gap scores, per reading with a gap there, that reading's line confidence (the mean of its
// characters'; empty_gap_confidence for a reading with no characters). The highest score wins
// (two readings: the more confident one; three or more: a weighted majority); a tie goes to the
// reading aligned first. A winning gap leaves the slot out. (Gaps voting with the mean of their
// reading's neighbouring characters instead, or the larger of the two, gave 3 % and 1 % more
// edits on forms/lines with three models, and 0.6 % and 0.7 % more on receipt photos.)
//
// Confidence of a fused character: the mean over the readings of the probability each gives it,
// its own confidence for a reading that voted for it and at most the rest of its mass
// (1 − its vote's confidence) for one that voted for something else. So readings that agree
// keep their confidence, and a split vote lowers it. The line confidence is the mean of the
// characters' (1 for an empty line), as for one model. A fused character keeps the extent given
// by the most confident of the readings that voted for it.
#pragma once
#include <cstddef>
#include <vector>

#include "ocr/pipeline/line_recognizer.h"

namespace ocr {

struct VotingOptions {
  float empty_gap_confidence = 0.5f;  // what a reading without characters votes for a gap with
};

// One slot of the confusion network: for every reading (in input order), the index of its
// character aligned here, or -1 for a gap.
struct AlignedSlot {
  std::vector<int> chars;
};

// The order in which readings are aligned: line confidence descending, readings without
// characters after the others, ties in input order.
std::vector<size_t> alignment_order(const std::vector<RecognizedLine>& readings);

// The confusion network of the readings (see above), in reading order along the line. Every
// character of every reading is in exactly one slot, in its order; no slot is all gaps.
std::vector<AlignedSlot> align_readings(const std::vector<RecognizedLine>& readings);

// The fused reading (implausible is left false: the caller, who knows the crop, judges that).
// One reading is returned as it is; none gives an empty line.
RecognizedLine vote_readings(const std::vector<RecognizedLine>& readings, const VotingOptions& options = {});

}  // namespace ocr
