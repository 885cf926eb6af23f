// Fully connected layer applied to every column (a 1×1 convolution on images, a per-frame
// projection on sequences). weight: out × in, bias: out × 1.
#pragma once
#include "ocr/nn/layer.h"

namespace ocr {

class Linear : public Layer {
 public:
  Linear(int in_features, int out_features);
  std::string kind() const override { return "Linear"; }
  int output_channels(int in_channels) const override;
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override;
  double macs_per_output_column(int, int) const override { return double(weight_.size()); }
  Matrix& weight() { return weight_; }
  Matrix& bias() { return bias_; }

 private:
  int in_, out_;
  Matrix weight_, bias_, weight_grad_, bias_grad_;
  Matrix weight_t_;  // scratch: weight transposed, for backward
};

}  // namespace ocr
