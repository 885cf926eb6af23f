// Residual block: out = body(x) + shortcut(x), where an empty shortcut is the identity and a
// projection shortcut (1×1 conv + batch norm) matches channels. The ReLU after the sum is a
// separate layer.
#pragma once
#include "ocr/nn/layers/sequential.h"

namespace ocr {

class Residual : public Layer {
 public:
  Residual(std::unique_ptr<Sequential> body, std::unique_ptr<Sequential> shortcut);
  std::string kind() const override { return "Residual"; }
  int output_channels(int in_channels) const override;
  int output_height(int in_height) const override { return body_->output_height(in_height); }
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override;
  void prepare_inference() override;
  void set_keep_inference_buffers(bool keep) override;
  // Inference only: out = max(0, body(x) + shortcut(x)), the ReLU that follows taken in the sum.
  void fuse_relu() { fused_relu_ = true; }

 private:
  std::unique_ptr<Sequential> body_, shortcut_;
  Activations body_out_, short_out_, din_short_;
  bool keep_inference_buffers_ = true;
  bool fused_relu_ = false;
};

}  // namespace ocr
