// What a CTC decoder returns, and the interface every decoder implements.
#pragma once
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

// One emitted label with the frames it spans in the network output, and a confidence in [0,1].
struct DecodedLabel {
  int label = 0;
  int first_frame = 0;  // first frame where the label is emitted
  int last_frame = 0;   // last frame (inclusive) before the next label or blank run
  float confidence = 0;
};

struct Hypothesis {
  std::vector<DecodedLabel> labels;
  double log_prob = 0;  // decoder score: log P_ctc (+ LM terms for beam search)
  std::vector<int> label_ids() const {
    std::vector<int> out;
    out.reserve(labels.size());
    for (const auto& l : labels) out.push_back(l.label);
    return out;
  }
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // log_probs: K × T log-softmax output of the network for one line (blank = 0). Thread-safe.
  virtual Hypothesis decode(const Matrix& log_probs) const = 0;
};

}  // namespace ocr
