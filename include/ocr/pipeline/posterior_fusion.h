// Fusing the per-frame posteriors of several recognizers that read the same line: the models'
// log-softmax outputs (classes × frames, same alphabet and frame rate) become one distribution
// that beam search and the language model decode as if one network had produced it.
#pragma once
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

// A model's log probability counts as at least this (e^−30) in the fusion: one model that rules
// a class out cannot veto what the others read, and no frame is left with no class possible.
inline constexpr Scalar kFusionLogFloor = -30;

// Per frame, the normalised geometric mean of the models' probabilities (a product of experts):
// log p(k) = (1/n) Σ_i max(x_ik, floor) − log Σ_k' exp((1/n) Σ_i max(x_ik', floor)). A class wins
// a frame only where the models agree on it. The arithmetic mean (a mixture) measured worse,
// probably because a class one model is sure of keeps half its probability in a mixture however
// firmly the other rules it out (five dev line sets, eng_rough fused with a model of another
// lineage, beam + LM: 2 374 edits with the mixture, 2 230 with the product, 2 317 for eng_rough
// alone; a product sharpened or flattened, mean × 1.5 or × 0.7: 2 241, 2 270). One input is returned as it is. Throws ShapeError when the list is empty or the
// inputs' shapes differ (the message gives both shapes).
Matrix fuse_log_posteriors(const std::vector<Matrix>& log_probs);

}  // namespace ocr
