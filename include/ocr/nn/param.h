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
  Matrix* grad = nullptr;  // null for state that is saved but not trained (batch-norm statistics)
  bool trainable() const { return grad != nullptr; }
};

using ParamList = std::vector<Param>;

void zero_grads(const ParamList& params);
Index count_trainable(const ParamList& params);

}  // namespace ocr
