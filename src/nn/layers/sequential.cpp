#include "ocr/nn/layers/sequential.h"

#include <algorithm>

#include "ocr/nn/layers/batch_norm.h"
#include "ocr/nn/layers/conv2d.h"
#include "ocr/nn/layers/max_pool.h"
#include "ocr/nn/layers/residual.h"

namespace ocr {

int Sequential::output_channels(int c) const {
  for (const auto& l : children_) c = l->output_channels(c);
  return c;
}

int Sequential::output_height(int h) const {
  for (const auto& l : children_) h = l->output_height(h);
  return h;
}

int Sequential::width_divisor() const {
  int d = 1;
  for (const auto& l : children_) d *= l->width_divisor();
  return d;
}

void Sequential::forward(const Activations& in, Activations& out, Mode mode) {
  if (children_.empty()) {
    out = in;
    return;
  }
  // Training keeps every layer's output for backward; inference only needs the one being read
  // and the one being written, so two buffers take turns (a page batch's activations shrink
  // from the sum over all layers to the two largest).
  const bool keep_all = mode != Mode::Infer;
  acts_.resize(keep_all ? children_.size() - 1 : std::min<size_t>(2, children_.size() - 1));
  const Activations* x = &in;
  for (size_t i = 0; i + 1 < children_.size(); ++i) {
    Activations& y = acts_[keep_all ? i : i % 2];
    children_[i]->forward(*x, y, i < frozen_ ? Mode::Infer : mode);
    x = &y;
  }
  children_.back()->forward(*x, out, children_.size() <= frozen_ ? Mode::Infer : mode);
  if (!keep_all && !keep_inference_buffers_) acts_.clear();
}

void Sequential::set_keep_inference_buffers(bool keep) {
  keep_inference_buffers_ = keep;
  for (auto& l : children_) l->set_keep_inference_buffers(keep);
}

void Sequential::backward(const Activations& in, const Activations& out, const Activations& dout,
                          Activations* din) {
  if (children_.empty()) {
    if (din) *din = dout;
    return;
  }
  const size_t L = children_.size();
  // One gradient buffer per layer input, like acts_: each keeps its size from batch to batch, so
  // backward never frees and re-allocates (a ping-pong pair changed size at every layer, and the
  // churn fragmented the heap into fresh, page-faulting memory each batch).
  grads_.resize(L);
  const Activations* g = &dout;
  for (size_t k = L; k-- > frozen_;) {
    const Activations& x = k == 0 ? in : acts_[k - 1];
    const Activations& y = k == L - 1 ? out : acts_[k];
    // Nothing before a frozen prefix needs the gradient of its output.
    Activations* dx = k == 0 ? din : k == frozen_ ? nullptr : &grads_[k];
    children_[k]->backward(x, y, *g, dx);
    if (k == 0 || k == frozen_) break;
    g = dx;
  }
}

void Sequential::collect_params(ParamList& out, const std::string& prefix) {
  for (size_t i = 0; i < children_.size(); ++i)
    children_[i]->collect_params(out, prefix + std::to_string(i) + ".");
}

void Sequential::init_params(Rng& rng) {
  for (auto& l : children_) l->init_params(rng);
}

void Sequential::prepare_inference() {
  std::vector<LayerPtr> kept;
  for (size_t i = 0; i < children_.size(); ++i) {
    auto* conv = dynamic_cast<Conv2d*>(children_[i].get());
    auto* bn = i + 1 < children_.size() ? dynamic_cast<BatchNorm*>(children_[i + 1].get()) : nullptr;
    children_[i]->prepare_inference();
    kept.push_back(std::move(children_[i]));
    if (conv && bn) {
      conv->fold(*bn);
      ++i;  // the batch norm is now part of the convolution
    }
    if (conv && i + 1 < children_.size() && children_[i + 1]->kind() == "Relu") {
      conv->fuse_relu();
      ++i;  // and so is the ReLU
    }
    // A one-channel convolution (a net's first) takes the pooling after it: its full-resolution
    // map, the net's biggest, is never written (a detector strip's: 16 MB).
    auto* pool = i + 1 < children_.size() ? dynamic_cast<MaxPool*>(children_[i + 1].get()) : nullptr;
    if (conv && pool && conv->fused_relu() && conv->input_channels() == 1) {
      conv->fuse_pool(pool->kernel_height(), pool->kernel_width());
      ++i;
    }
    // A ReLU after a residual block is taken in the block's sum: one pass over the map fewer.
    auto* residual = dynamic_cast<Residual*>(kept.back().get());
    if (residual && i + 1 < children_.size() && children_[i + 1]->kind() == "Relu") {
      residual->fuse_relu();
      ++i;
    }
  }
  children_ = std::move(kept);
  acts_.clear();
  grads_.clear();
}

}  // namespace ocr
