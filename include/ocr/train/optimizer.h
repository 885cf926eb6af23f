// Adam over a ParamList, with global-norm gradient clipping. The moment estimates live here,
// indexed like the ParamList they were created for.
#pragma once
#include <vector>

#include "ocr/nn/param.h"

namespace ocr {

struct AdamConfig {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double clip_norm = 20.0;  // 0 disables clipping
  double weight_decay = 0;  // decoupled (AdamW)
};

class Adam {
 public:
  Adam(const ParamList& params, AdamConfig config = {});
  // One update with learning rate lr from the accumulated gradients (scaled by grad_scale
  // first), then zeroes the gradients. Returns the gradient norm before clipping.
  double step(double lr, double grad_scale = 1.0);
  int64_t steps() const { return t_; }

 private:
  ParamList params_;
  AdamConfig config_;
  std::vector<Matrix> m_, v_;
  int64_t t_ = 0;
};

}  // namespace ocr
