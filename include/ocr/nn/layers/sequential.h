// Runs its children in order and owns the activations between them (kept for backward,
// reused as buffers from call to call).
#pragma once
#include <algorithm>
#include <vector>

#include "ocr/nn/layer.h"

namespace ocr {

class Sequential : public Layer {
 public:
  std::string kind() const override { return "Sequential"; }
  void add(LayerPtr layer) { children_.push_back(std::move(layer)); }
  bool empty() const { return children_.empty(); }
  const std::vector<LayerPtr>& children() const { return children_; }

  int output_channels(int in_channels) const override;
  int output_height(int in_height) const override;
  int width_divisor() const override;
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override;
  // Folds each Conv2d → BatchNorm pair and drops the batch norm.
  void prepare_inference() override;
  // The first n children are frozen: in training they run as in inference (batch norm with its
  // running statistics, which stay as they are) and backward stops before them.
  void set_frozen_prefix(size_t n) { frozen_ = std::min(n, children_.size()); }
  size_t frozen_prefix() const { return frozen_; }
  double macs_per_output_column(int, int) const override { return 0; }
  void set_keep_inference_buffers(bool keep) override;

 private:
  std::vector<LayerPtr> children_;
  size_t frozen_ = 0;
  bool keep_inference_buffers_ = true;
  std::vector<Activations> acts_;   // output of child i (the last one is copied to out)
  std::vector<Activations> grads_;  // grads_[k]: gradient w.r.t. the input of child k (k > 0)
};

}  // namespace ocr
