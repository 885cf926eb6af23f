// Max pooling with stride equal to the window (kh × kw). Output height H / kh and width
// W / kw, rounded down; a line's valid width is divided the same way.
#pragma once
#include <vector>

#include "ocr/nn/layer.h"

namespace ocr {

class MaxPool : public Layer {
 public:
  MaxPool(int kernel_h, int kernel_w);
  std::string kind() const override { return "MaxPool"; }
  int output_channels(int in_channels) const override { return in_channels; }
  int output_height(int in_height) const override;
  int width_divisor() const override { return kw_; }
  int kernel_height() const { return kh_; }
  int kernel_width() const { return kw_; }
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;

 private:
  int kh_, kw_;
  // Inference for kC channels: the window max without argmax bookkeeping.
  template <int kC>
  void forward_infer(const Activations& in, Activations& out) const;
  std::vector<Index> argmax_;  // input flat index of each output element, in training
};

}  // namespace ocr
