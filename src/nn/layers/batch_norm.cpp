#include "ocr/nn/layers/batch_norm.h"

#include "ocr/core/error.h"

namespace ocr {

BatchNorm::BatchNorm(int channels, double momentum, double epsilon)
    : channels_(channels), momentum_(momentum), epsilon_(epsilon),
      gamma_(Matrix::Ones(channels, 1)), beta_(Matrix::Zero(channels, 1)),
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
  // Two passes over the valid pixels: channel sums and sums of squares (in double, so the
  // variance keeps its digits), then normalise and scale in one go. Padding stays zero.
  const double count = double(in.valid_pixels());
  OCR_CHECK(count > 1, "batch norm needs more than one valid pixel");
  const int C = channels_, H = in.height;
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(C), sum_sq = Eigen::VectorXd::Zero(C);
  for (int x = 0; x < in.width; ++x)
    for (int n = 0; n < in.batch; ++n) {
      if (!in.valid(x, n)) continue;
      auto block = in.data.middleCols(in.column(x, n, 0), H);
      sum += block.rowwise().sum().cast<double>();
      sum_sq += block.array().square().matrix().rowwise().sum().cast<double>();
    }
  const Eigen::VectorXd mean_d = sum / count;
  const Eigen::VectorXd var_d = (sum_sq / count - mean_d.cwiseAbs2()).cwiseMax(0.0);
  const Vector mean = mean_d.cast<Scalar>(), var = var_d.cast<Scalar>();
  inv_std_ = (var.array() + Scalar(epsilon_)).rsqrt().matrix();
  xhat_.resize(C, in.data.cols());
  for (int x = 0; x < in.width; ++x)
    for (int n = 0; n < in.batch; ++n) {
      const Index c0 = in.column(x, n, 0);
      auto xh = xhat_.middleCols(c0, H);
      auto y = out.data.middleCols(c0, H);
      if (!in.valid(x, n)) {
        xh.setZero();
        y.setZero();
        continue;
      }
      xh = inv_std_.asDiagonal() * (in.data.middleCols(c0, H).colwise() - mean);
      y = (gamma_.col(0).asDiagonal() * xh).colwise() + beta_.col(0);
    }
  const Scalar m = Scalar(momentum_);
  running_mean_.col(0) = (1 - m) * running_mean_.col(0) + m * mean;
  running_var_.col(0) = (1 - m) * running_var_.col(0) + m * var * Scalar(count / (count - 1));
}

void BatchNorm::backward(const Activations& in, const Activations&, const Activations& dout,
                         Activations* din) {
  size_grad(gamma_grad_, gamma_);
  size_grad(beta_grad_, beta_);
  // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy ⊙ x̂)); dout and xhat_ are zero on padding, so the
  // sums may run over every column.
  const double count = double(in.valid_pixels());
  const int C = channels_, H = in.height;
  Vector dbeta = Vector::Zero(C), dgamma = Vector::Zero(C);
  for (Index c0 = 0; c0 < dout.data.cols(); c0 += H) {
    auto dy = dout.data.middleCols(c0, H);
    dbeta += dy.rowwise().sum();
    dgamma += dy.cwiseProduct(xhat_.middleCols(c0, H)).rowwise().sum();
  }
  gamma_grad_.col(0) += dgamma;
  beta_grad_.col(0) += dbeta;
  if (!din) return;
  din->reshape_like(in, C);
  const Vector mean_dy = dbeta / Scalar(count);
  const Vector mean_dyx = dgamma / Scalar(count);
  const Vector k = gamma_.col(0).cwiseProduct(inv_std_);
  for (int x = 0; x < in.width; ++x)
    for (int n = 0; n < in.batch; ++n) {
      const Index c0 = in.column(x, n, 0);
      auto dx = din->data.middleCols(c0, H);
      if (!in.valid(x, n)) {
        dx.setZero();
        continue;
      }
      dx = k.asDiagonal() * ((dout.data.middleCols(c0, H) - mean_dyx.asDiagonal() * xhat_.middleCols(c0, H))
                                 .colwise() - mean_dy);
    }
}

}  // namespace ocr
