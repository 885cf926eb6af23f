// Runs every child on the same input and stacks their outputs along the channels, in child
// order. A bidirectional LSTM is Parallel(Lstm, Reverse(Lstm)).
#pragma once
#include <vector>

#include "ocr/nn/layer.h"

namespace ocr {

class Parallel : public Layer {
 public:
  std::string kind() const override { return "Parallel"; }
  void add(LayerPtr layer) { children_.push_back(std::move(layer)); }
  int output_channels(int in_channels) const override;
  int output_height(int in_height) const override;
  int width_divisor() const override;
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override;
  void prepare_inference() override;
  void set_keep_inference_buffers(bool keep) override;

 private:
  std::vector<LayerPtr> children_;
  std::vector<Activations> outs_, douts_;
  Activations din_part_;
  bool keep_inference_buffers_ = true;
};

}  // namespace ocr
