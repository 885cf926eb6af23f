// Log-softmax over the channels of every column: the network's output for CTC.
#pragma once
#include "ocr/nn/layer.h"

namespace ocr {

class LogSoftmax : public Layer {
 public:
  std::string kind() const override { return "LogSoftmax"; }
  int output_channels(int in_channels) const override { return in_channels; }
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
};

}  // namespace ocr
