#include "ocr/nn/layers/squeeze_excite.h"

#include <algorithm>
#include <cmath>

#include "ocr/core/error.h"

namespace ocr {

SqueezeExcite::SqueezeExcite(int channels, int reduction)
    : channels_(channels), squeezed_(std::max(1, channels / reduction)),
      w1_(Matrix::Zero(squeezed_, channels)), b1_(Matrix::Zero(squeezed_, 1)),
      w2_(Matrix::Zero(channels, squeezed_)), b2_(Matrix::Zero(channels, 1)) {}

int SqueezeExcite::output_channels(int in_channels) const {
  if (in_channels != channels_)
    throw ShapeError("SqueezeExcite expects " + std::to_string(channels_) + " channels, got " +
                     std::to_string(in_channels));
  return channels_;
}

void SqueezeExcite::init_params(Rng& rng) {
  double s1 = std::sqrt(2.0 / channels_), s2 = std::sqrt(1.0 / squeezed_);
  for (Index i = 0; i < w1_.size(); ++i) w1_.data()[i] = Scalar(rng.normal(0, s1));
  for (Index i = 0; i < w2_.size(); ++i) w2_.data()[i] = Scalar(rng.normal(0, s2));
  b1_.setZero();
  b2_.setZero();
}

void SqueezeExcite::collect_params(ParamList& out, const std::string& prefix) {
  out.push_back({prefix + "w1", &w1_, &w1_grad_});
  out.push_back({prefix + "b1", &b1_, &b1_grad_});
  out.push_back({prefix + "w2", &w2_, &w2_grad_});
  out.push_back({prefix + "b2", &b2_, &b2_grad_});
}

void SqueezeExcite::forward(const Activations& in, Activations& out, Mode) {
  output_channels(in.channels());
  const int N = in.batch, H = in.height;
  mean_ = Matrix::Zero(channels_, N);
  for (int n = 0; n < N; ++n) {
    for (int x = 0; x < in.widths[n]; ++x)
      mean_.col(n) += in.data.middleCols(in.column(x, n, 0), H).rowwise().sum();
    mean_.col(n) /= Scalar(std::max(1, in.widths[n] * H));
  }
  hidden_ = ((w1_ * mean_).colwise() + b1_.col(0)).cwiseMax(Scalar(0));
  scale_ = (w2_ * hidden_).colwise() + b2_.col(0);
  scale_ = (Scalar(1) + (-scale_.array()).exp()).inverse().matrix();
  out.reshape_like(in, channels_);
  for (int x = 0; x < in.width; ++x)
    for (int n = 0; n < N; ++n) {
      Index c0 = in.column(x, n, 0);
      out.data.middleCols(c0, H) = scale_.col(n).asDiagonal() * in.data.middleCols(c0, H);
    }
}

void SqueezeExcite::backward(const Activations& in, const Activations&, const Activations& dout,
                             Activations* din) {
  size_grad(w1_grad_, w1_);
  size_grad(b1_grad_, b1_);
  size_grad(w2_grad_, w2_);
  size_grad(b2_grad_, b2_);
  const int N = in.batch, H = in.height;
  // d scale(c, n) = Σ_pixels dout ⊙ in
  Matrix dscale = Matrix::Zero(channels_, N);
  for (int n = 0; n < N; ++n)
    for (int x = 0; x < in.widths[n]; ++x) {
      Index c0 = in.column(x, n, 0);
      dscale.col(n) += in.data.middleCols(c0, H).cwiseProduct(dout.data.middleCols(c0, H))
                           .rowwise().sum();
    }
  Matrix dpre2 = (dscale.array() * scale_.array() * (1 - scale_.array())).matrix();
  w2_grad_.noalias() += dpre2 * hidden_.transpose();
  b2_grad_.col(0) += dpre2.rowwise().sum();
  Matrix dpre1 = ((w2_.transpose() * dpre2).array() * (hidden_.array() > 0).cast<Scalar>()).matrix();
  w1_grad_.noalias() += dpre1 * mean_.transpose();
  b1_grad_.col(0) += dpre1.rowwise().sum();
  if (!din) return;
  Matrix dmean = w1_.transpose() * dpre1;
  din->reshape_like(in, channels_);
  for (int x = 0; x < in.width; ++x)
    for (int n = 0; n < N; ++n) {
      Index c0 = in.column(x, n, 0);
      if (x >= in.widths[n]) {
        din->data.middleCols(c0, H).setZero();
        continue;
      }
      Vector add = dmean.col(n) / Scalar(std::max(1, in.widths[n] * H));
      din->data.middleCols(c0, H) =
          (scale_.col(n).asDiagonal() * dout.data.middleCols(c0, H)).colwise() + add;
    }
}

}  // namespace ocr
