#include "ocr/pipeline/posterior_fusion.h"

#include <cmath>
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

  // The floor also turns −inf (and NaN-free: max(−inf, floor) = floor) into a finite number.
  Matrix mean = Matrix::Zero(first.rows(), first.cols());
  for (const Matrix& lp : log_probs) mean += lp.cwiseMax(kFusionLogFloor);
  mean /= Scalar(log_probs.size());
  // Renormalise each frame: log Σ_k exp(x_k) = m + log Σ_k exp(x_k − m), m the frame's largest.
  for (Eigen::Index t = 0; t < mean.cols(); ++t) {
    auto frame = mean.col(t);
    const Scalar peak = frame.maxCoeff();
    frame.array() -= peak + std::log((frame.array() - peak).exp().sum());
  }
  return mean;
}

}  // namespace ocr
