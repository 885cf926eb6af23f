// Batch normalisation per channel. Training normalises with the statistics of the valid
// (non-padding) pixels of the batch and updates running averages; inference uses the running
// averages (and is folded into the preceding convolution when the model is loaded).
#pragma once
#include "ocr/nn/layer.h"

namespace ocr {

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(int channels, double momentum = 0.05, double epsilon = 1e-5);
  std::string kind() const override { return "BatchNorm"; }
  int output_channels(int in_channels) const override;
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override;
  double macs_per_output_column(int, int) const override { return channels_; }
  // Inference as y = scale ⊙ x + shift.
  Vector inference_scale() const;
  Vector inference_shift() const;
  Matrix& running_mean() { return running_mean_; }
  Matrix& running_var() { return running_var_; }

 private:
  int channels_;
  double momentum_, epsilon_;
  Matrix gamma_, beta_, gamma_grad_, beta_grad_;
  Matrix running_mean_, running_var_;
  Matrix xhat_;     // normalised input, cached in training
  Vector inv_std_;  // 1 / sqrt(var + ε) of the batch
};

}  // namespace ocr
