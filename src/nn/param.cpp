#include "ocr/nn/param.h"

namespace ocr {

void size_grads(const ParamList& params) {
  for (const auto& p : params)
    if (p.grad && (p.grad->rows() != p.value->rows() || p.grad->cols() != p.value->cols()))
      p.grad->setZero(p.value->rows(), p.value->cols());
}

void zero_grads(const ParamList& params) {
  for (const auto& p : params)
    if (p.grad) p.grad->setZero(p.value->rows(), p.value->cols());
}

Index count_trainable(const ParamList& params) {
  Index n = 0;
  for (const auto& p : params)
    if (p.trainable()) n += p.value->size();
  return n;
}

}  // namespace ocr
