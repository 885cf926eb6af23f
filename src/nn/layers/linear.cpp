#include "ocr/nn/layers/linear.h"

#include <cmath>

#include "ocr/core/error.h"
#include "ocr/core/gemm.h"

namespace ocr {

Linear::Linear(int in, int out)
    : in_(in), out_(out), weight_(Matrix::Zero(out, in)), bias_(Matrix::Zero(out, 1)) {}

int Linear::output_channels(int in_channels) const {
  if (in_channels != in_)
    throw ShapeError("Linear expects " + std::to_string(in_) + " inputs, got " +
                     std::to_string(in_channels));
  return out_;
}

void Linear::init_params(Rng& rng) {
  double bound = std::sqrt(6.0 / (in_ + out_));  // Xavier: feeds softmax or tanh-like units
  for (Index i = 0; i < weight_.size(); ++i) weight_.data()[i] = Scalar(rng.uniform(-bound, bound));
  bias_.setZero();
}

void Linear::collect_params(ParamList& out, const std::string& prefix) {
  out.push_back({prefix + "weight", &weight_, &weight_grad_});
  out.push_back({prefix + "bias", &bias_, &bias_grad_});
}

void Linear::forward(const Activations& in, Activations& out, Mode) {
  output_channels(in.channels());
  out.reshape_like(in, out_);
  gemm_wide(weight_, in.data, out.data);
  out.data.colwise() += bias_.col(0);
  out.zero_padding();
}

void Linear::backward(const Activations& in, const Activations&, const Activations& dout,
                      Activations* din) {
  size_grad(weight_grad_, weight_);
  size_grad(bias_grad_, bias_);
  gemm_wide_nt(dout.data, in.data, weight_grad_, true);
  bias_grad_.col(0) += dout.data.rowwise().sum();
  if (!din) return;
  din->reshape_like(in, in_);
  weight_t_ = weight_.transpose();
  gemm_wide(weight_t_, dout.data, din->data);
}

}  // namespace ocr
