// Fusing the per-frame posteriors of several recognizers that read the same line: the models'
// log-softmax outputs (classes × frames, same alphabet and frame rate) become one distribution
// that beam search and the language model decode as if one network had produced it.
#pragma once
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

// Per frame and class, the log of the mean of the models' probabilities:
// log((1/n) Σ_i exp(x_i)) = m + log Σ_i exp(x_i − m) − log n, with m the largest x_i, so very
// negative log probabilities neither underflow to −inf nor give NaN; an entry that is −inf in
// every input stays −inf. One input is returned as it is. Throws ShapeError when the list is
// empty or the inputs' shapes differ (the message gives both shapes).
Matrix fuse_log_posteriors(const std::vector<Matrix>& log_probs);

}  // namespace ocr
