// Collapses the height of a feature map into features: C × H per image column becomes one
// (H · C)-vector per frame (feature index y · C + c). With the Activations layout this is a
// reshape, and the result is a time-major sequence of height 1.
#pragma once
#include "ocr/nn/layer.h"

namespace ocr {

class Collapse : public Layer {
 public:
  explicit Collapse(int in_height) : in_height_(in_height) {}
  std::string kind() const override { return "Collapse"; }
  int output_channels(int in_channels) const override { return in_channels * in_height_; }
  int output_height(int) const override { return 1; }
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;

 private:
  int in_height_;
};

}  // namespace ocr
