// Runs its child on each sequence reversed in time within the line's own length (padding stays
// at the end), and reverses the child's output back.
#pragma once
#include "ocr/nn/layer.h"

namespace ocr {

class Reverse : public Layer {
 public:
  explicit Reverse(LayerPtr child) : child_(std::move(child)) {}
  std::string kind() const override { return "Reverse"; }
  int output_channels(int in_channels) const override { return child_->output_channels(in_channels); }
  int output_height(int in_height) const override;
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override { child_->init_params(rng); }
  void prepare_inference() override { child_->prepare_inference(); }
  void set_keep_inference_buffers(bool keep) override {
    keep_inference_buffers_ = keep;
    child_->set_keep_inference_buffers(keep);
  }

 private:
  LayerPtr child_;
  Activations rin_, rout_, rdout_, rdin_;
  bool keep_inference_buffers_ = true;
};

// Writes into out the sequence of in with every line reversed within its length.
void reverse_sequences(const Activations& in, Activations& out);

}  // namespace ocr
