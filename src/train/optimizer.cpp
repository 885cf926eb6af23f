#include "ocr/train/optimizer.h"

#include <cmath>

namespace ocr {

Adam::Adam(const ParamList& params, AdamConfig config) : config_(config) {
  size_grads(params);
  for (const auto& p : params)
    if (p.trainable()) {
      params_.push_back(p);
      m_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
      v_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
    }
}

double Adam::step(double lr, double grad_scale) {
  double sq = 0;
  for (const auto& p : params_) sq += double(p.grad->squaredNorm());
  const double norm = std::sqrt(sq) * grad_scale;
  double scale = grad_scale;
  if (config_.clip_norm > 0 && norm > config_.clip_norm) scale *= config_.clip_norm / norm;
  if (!std::isfinite(norm)) {
    // A non-finite gradient would poison the moments: skip this update.
    for (const auto& p : params_) p.grad->setZero();
    return norm;
  }
  ++t_;
  const double b1 = config_.beta1, b2 = config_.beta2;
  const double c1 = 1 - std::pow(b1, double(t_)), c2 = 1 - std::pow(b2, double(t_));
  const Scalar step_size = Scalar(lr * std::sqrt(c2) / c1);
  const Scalar eps = Scalar(config_.epsilon * std::sqrt(c2));
  for (size_t i = 0; i < params_.size(); ++i) {
    Matrix& g = *params_[i].grad;
    Matrix& w = *params_[i].value;
    g *= Scalar(scale);
    m_[i] = Scalar(b1) * m_[i] + Scalar(1 - b1) * g;
    v_[i] = Scalar(b2) * v_[i] + Scalar(1 - b2) * g.cwiseAbs2();
    if (config_.weight_decay > 0) w *= Scalar(1 - lr * config_.weight_decay);
    w.array() -= step_size * m_[i].array() / (v_[i].array().sqrt() + eps);
    g.setZero();
  }
  return norm;
}

}  // namespace ocr
