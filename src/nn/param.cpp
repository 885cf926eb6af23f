#include "ocr/nn/param.h"

namespace ocr {

void zero_grads(const ParamList& params) {
  for (const auto& p : params)
    if (p.grad) p.grad->setZero();
}

Index count_trainable(const ParamList& params) {
  Index n = 0;
  for (const auto& p : params)
    if (p.trainable()) n += p.value->size();
  return n;
}

}  // namespace ocr
