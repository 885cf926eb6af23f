#include "ocr/pipeline/posterior_fusion.h"

#include <cmath>
#include <limits>
#include <string>

#include "ocr/core/error.h"

namespace ocr {

namespace {
std::string shape(const Matrix& m) { return std::to_string(m.rows()) + "×" + std::to_string(m.cols()); }
}  // namespace

Matrix fuse_log_posteriors(const std::vector<Matrix>& log_probs) {
  if (log_probs.empty()) throw ShapeError("posterior fusion: no model output to fuse");
  const Matrix& first = log_probs.front();
  for (size_t i = 1; i < log_probs.size(); ++i)
    if (log_probs[i].rows() != first.rows() || log_probs[i].cols() != first.cols())
      throw ShapeError("posterior fusion: model " + std::to_string(i + 1) + " gives " + shape(log_probs[i]) +
                       " (classes × frames), model 1 gives " + shape(first));
  if (log_probs.size() == 1) return first;

  constexpr Scalar kNegInf = -std::numeric_limits<Scalar>::infinity();
  Matrix peak = first;
  for (size_t i = 1; i < log_probs.size(); ++i) peak = peak.cwiseMax(log_probs[i]);
  // Where every model gives −inf the shift is 0, so x − m stays −inf (exp 0) instead of NaN.
  const Matrix shift = (peak.array() == kNegInf).select(Matrix::Zero(peak.rows(), peak.cols()), peak);
  Matrix sum = Matrix::Zero(first.rows(), first.cols());
  for (const Matrix& lp : log_probs) sum.array() += (lp - shift).array().exp();
  // sum ≥ 1 wherever one model's entry is finite (its peak contributes exp(0)).
  const Scalar log_n = Scalar(std::log(double(log_probs.size())));
  return (shift.array() + sum.array().log() - log_n).matrix();
}

}  // namespace ocr
