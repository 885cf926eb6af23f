// Unidirectional LSTM over a sequence (height 1), forward in time. Bidirectional is a
// composition: Parallel(Lstm, Reverse(Lstm)).
// Gate rows in blocks of `hidden`: input i, forget f, cell candidate g, output o.
// The input projection of all frames is one GEMM; each step adds one small GEMM over the batch.
// Frames at or beyond a line's length output zero and carry no state or gradient.
#pragma once
#include "ocr/nn/bf16_weights.h"
#include "ocr/nn/int8_weights.h"
#include "ocr/nn/layer.h"

namespace ocr {

class Lstm : public Layer {
 public:
  Lstm(int in_features, int hidden);
  std::string kind() const override { return "Lstm"; }
  int output_channels(int in_channels) const override;
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override;
  // The weights are final: inference may multiply in bfloat16 (input projection and steps).
  void prepare_inference() override;
  bool uses_bf16() const { return bf16_x_.on(); }
  // True when inference projects the inputs of all frames in int8 (one scale for the sequence).
  bool uses_int8() const { return int8_x_.on(); }
  double macs_per_output_column(int, int) const override {
    return double(wx_.size() + wh_.size());
  }

 private:
  int in_, hidden_;
  Matrix wx_, wh_, bias_, wx_grad_, wh_grad_, bias_grad_;
  Matrix gates_;  // 4H × (T·N): activated gates, cached in training
  Matrix cell_;   // H × (T·N): cell state
  Matrix dgates_; // scratch for backward
  Matrix wx_t_, wh_t_;  // scratch: weights transposed, for backward
  Bf16Weights bf16_x_, bf16_h_;    // wx_, wh_ for the forward pass
  Bf16Weights bf16_xt_, bf16_ht_;  // their transposes, for mixed-precision backward
  Int8Weights int8_x_;  // wx_ for the input projection in int8 inference
  Int8Weights int8_h_;  // wh_ for the recurrence in int8 inference: h_{t-1} quantised per step
};

}  // namespace ocr
