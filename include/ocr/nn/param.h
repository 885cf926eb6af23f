// Parameters are declared once by each layer and walked generically by the optimizer, the model
// file, the gradient checker and the parameter counter.
#pragma once
#include <string>
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

struct Param {
  std::string name;        // hierarchical, e.g. "3.body.0.weight"
  Matrix* value = nullptr;
  // Null for state that is saved but not trained (batch-norm statistics). Gradient buffers start
  // empty, so that inference never pays for them: backward sizes them on first use.
  Matrix* grad = nullptr;
  bool trainable() const { return grad != nullptr; }
};

using ParamList = std::vector<Param>;

// A layer's backward calls this on each of its gradient buffers before accumulating: an empty
// buffer becomes zeros of the parameter's shape.
inline void size_grad(Matrix& grad, const Matrix& value) {
  if (grad.rows() != value.rows() || grad.cols() != value.cols()) grad.setZero(value.rows(), value.cols());
}

// Gives empty gradient buffers their parameter's shape, filled with zeros; sized ones are kept.
void size_grads(const ParamList& params);
// Sizes and zeroes every gradient buffer.
void zero_grads(const ParamList& params);
Index count_trainable(const ParamList& params);

}  // namespace ocr
