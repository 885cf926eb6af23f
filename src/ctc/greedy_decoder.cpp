#include "ocr/ctc/greedy_decoder.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ocr/core/error.h"

namespace ocr {

GreedyDecoder::GreedyDecoder(std::vector<bool> allowed) : allowed_(std::move(allowed)) {
  if (!allowed_.empty()) allowed_[0] = true;
}

Hypothesis GreedyDecoder::decode(const Matrix& log_probs) const {
  const Index K = log_probs.rows(), T = log_probs.cols();
  if (!allowed_.empty() && static_cast<Index>(allowed_.size()) != K)
    throw ShapeError("greedy decoder: allow-list has " + std::to_string(allowed_.size()) +
                     " labels but the network outputs " + std::to_string(K));
  Hypothesis hyp;
  if (K == 0) return hyp;
  int prev = 0;  // class of the previous frame on the best path
  for (Index t = 0; t < T; ++t) {
    int best = 0;
    Scalar best_lp = log_probs(0, t);
    for (Index k = 1; k < K; ++k) {
      if (!allowed_.empty() && !allowed_[k]) continue;
      if (log_probs(k, t) > best_lp) {  // strict: ties go to the lower class, blank first
        best_lp = log_probs(k, t);
        best = static_cast<int>(k);
      }
    }
    hyp.log_prob += best_lp;
    const float p = std::min(1.0f, static_cast<float>(std::exp(static_cast<double>(best_lp))));
    if (best != 0 && best == prev) {
      DecodedLabel& run = hyp.labels.back();
      run.last_frame = static_cast<int>(t);
      run.confidence = std::max(run.confidence, p);
    } else if (best != 0) {
      DecodedLabel d;
      d.label = best;
      d.first_frame = d.last_frame = static_cast<int>(t);
      d.confidence = p;
      hyp.labels.push_back(d);
    }
    prev = best;
  }
  return hyp;
}

}  // namespace ocr
