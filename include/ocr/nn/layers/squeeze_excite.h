// Squeeze-excitation (channel attention): each line's channels are rescaled by
// σ(W2 relu(W1 mean + b1) + b2), where mean is the channel average over the line's valid pixels.
#pragma once
#include "ocr/nn/layer.h"

namespace ocr {

class SqueezeExcite : public Layer {
 public:
  SqueezeExcite(int channels, int reduction);
  std::string kind() const override { return "SqueezeExcite"; }
  int output_channels(int in_channels) const override;
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override;

 private:
  int channels_, squeezed_;
  Matrix w1_, b1_, w2_, b2_, w1_grad_, b1_grad_, w2_grad_, b2_grad_;
  Matrix mean_, hidden_, scale_;  // per line (columns = batch), cached in training
};

}  // namespace ocr
