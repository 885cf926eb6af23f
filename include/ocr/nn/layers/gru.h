// Unidirectional GRU over a sequence (height 1), forward in time (PyTorch's formulation):
//   r = σ(Wxr x + bxr + Whr h + bhr),  z = σ(Wxz x + bxz + Whz h + bhz)
//   n = tanh(Wxn x + bxn + r ⊙ (Whn h + bhn)),  h' = (1 − z) ⊙ n + z ⊙ h
// Gate rows in blocks of `hidden`: r, z, n. Frames beyond a line's length output zero.
// Inference multiplies as the LSTM does (bf16 or int8 where the CPU has them, else the wide float
// kernel); training in float.
#pragma once
#include "ocr/nn/bf16_weights.h"
#include "ocr/nn/int8_weights.h"
#include "ocr/nn/layer.h"

namespace ocr {

class Gru : public Layer {
 public:
  Gru(int in_features, int hidden);
  std::string kind() const override { return "Gru"; }
  int output_channels(int in_channels) const override;
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override;
  // The weights are final: inference may multiply in bfloat16 or int8 (input projection and steps).
  void prepare_inference() override;
  bool uses_bf16() const { return bf16_x_.on(); }
  bool uses_int8() const { return int8_x_.on(); }
  double macs_per_output_column(int, int) const override {
    return double(wx_.size() + wh_.size());
  }

 private:
  int in_, hidden_;
  Matrix wx_, wh_, bx_, bh_, wx_grad_, wh_grad_, bx_grad_, bh_grad_;
  Matrix gates_;   // 3H × (T·N): r, z, n after activation
  Matrix hidden_n_;  // H × (T·N): Whn h + bhn, cached for the gradient of r
  Matrix dgx_, dgh_;
  Bf16Weights bf16_x_, bf16_h_;  // wx_, wh_ for inference
  Int8Weights int8_x_, int8_h_;  // the same in int8: h_{t-1} quantised per step
};

}  // namespace ocr
