#include "ocr/nn/layers/batch_norm.h"

#include "ocr/core/error.h"

namespace ocr {

BatchNorm::BatchNorm(int channels, double momentum, double epsilon)
    : channels_(channels), momentum_(momentum), epsilon_(epsilon),
      gamma_(Matrix::Ones(channels, 1)), beta_(Matrix::Zero(channels, 1)),
      gamma_grad_(Matrix::Zero(channels, 1)), beta_grad_(Matrix::Zero(channels, 1)),
      running_mean_(Matrix::Zero(channels, 1)), running_var_(Matrix::Ones(channels, 1)) {}

int BatchNorm::output_channels(int in_channels) const {
  if (in_channels != channels_)
    throw ShapeError("BatchNorm expects " + std::to_string(channels_) + " channels, got " +
                     std::to_string(in_channels));
  return channels_;
}

void BatchNorm::init_params(Rng&) {
  gamma_.setOnes();
  beta_.setZero();
  running_mean_.setZero();
  running_var_.setOnes();
}

void BatchNorm::collect_params(ParamList& out, const std::string& prefix) {
  out.push_back({prefix + "gamma", &gamma_, &gamma_grad_});
  out.push_back({prefix + "beta", &beta_, &beta_grad_});
  out.push_back({prefix + "running_mean", &running_mean_, nullptr});
  out.push_back({prefix + "running_var", &running_var_, nullptr});
}

Vector BatchNorm::inference_scale() const {
  return gamma_.col(0).cwiseQuotient((running_var_.col(0).array() + Scalar(epsilon_)).sqrt().matrix());
}

Vector BatchNorm::inference_shift() const {
  return beta_.col(0) - inference_scale().cwiseProduct(running_mean_.col(0));
}

void BatchNorm::forward(const Activations& in, Activations& out, Mode mode) {
  output_channels(in.channels());
  out.reshape_like(in, channels_);
  if (mode == Mode::Infer) {
    Vector scale = inference_scale(), shift = inference_shift();
    out.data.noalias() = scale.asDiagonal() * in.data;
    out.data.colwise() += shift;
    out.zero_padding();
    return;
  }
  // Padding columns are zero, so plain row sums are sums over valid pixels.
  const double count = double(in.valid_pixels());
  OCR_CHECK(count > 1, "batch norm needs more than one valid pixel");
  Vector mean = in.data.rowwise().sum() / Scalar(count);
  xhat_ = in.data.colwise() - mean;
  in.zero_padding_of(xhat_);
  Vector var = xhat_.array().square().rowwise().sum().matrix() / Scalar(count);
  inv_std_ = (var.array() + Scalar(epsilon_)).rsqrt().matrix();
  xhat_ = inv_std_.asDiagonal() * xhat_;
  out.data.noalias() = gamma_.col(0).asDiagonal() * xhat_;
  out.data.colwise() += beta_.col(0);
  out.zero_padding();
  const Scalar m = Scalar(momentum_);
  running_mean_.col(0) = (1 - m) * running_mean_.col(0) + m * mean;
  running_var_.col(0) = (1 - m) * running_var_.col(0) + m * var * Scalar(count / (count - 1));
}

void BatchNorm::backward(const Activations& in, const Activations&, const Activations& dout,
                         Activations* din) {
  // dout is zero on padding and so is xhat_, so sums over all columns are sums over valid pixels.
  const double count = double(in.valid_pixels());
  Vector dbeta = dout.data.rowwise().sum();
  Vector dgamma = dout.data.cwiseProduct(xhat_).rowwise().sum();
  gamma_grad_.col(0) += dgamma;
  beta_grad_.col(0) += dbeta;
  if (!din) return;
  // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy ⊙ x̂))
  din->reshape_like(in, channels_);
  Vector mean_dy = dbeta / Scalar(count);
  Vector mean_dyx = dgamma / Scalar(count);
  din->data = dout.data - mean_dyx.asDiagonal() * xhat_;
  din->data = din->data.colwise() - mean_dy;
  din->data = (gamma_.col(0).cwiseProduct(inv_std_)).asDiagonal() * din->data;
  din->zero_padding();
}

}  // namespace ocr
