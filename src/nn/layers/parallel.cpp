#include "ocr/nn/layers/parallel.h"

#include "ocr/core/error.h"

namespace ocr {

int Parallel::output_channels(int c) const {
  int total = 0;
  for (const auto& l : children_) total += l->output_channels(c);
  return total;
}

int Parallel::output_height(int h) const {
  int out = children_.front()->output_height(h);
  for (const auto& l : children_)
    if (l->output_height(h) != out) throw ShapeError("Parallel branches disagree on height");
  return out;
}

int Parallel::width_divisor() const {
  int d = children_.front()->width_divisor();
  for (const auto& l : children_)
    if (l->width_divisor() != d) throw ShapeError("Parallel branches disagree on width");
  return d;
}

void Parallel::forward(const Activations& in, Activations& out, Mode mode) {
  outs_.resize(children_.size());
  int total = 0;
  for (size_t i = 0; i < children_.size(); ++i) {
    children_[i]->forward(in, outs_[i], mode);
    total += outs_[i].channels();
  }
  out.reshape_like(outs_[0], total);
  int row = 0;
  for (auto& o : outs_) {
    out.data.middleRows(row, o.channels()) = o.data;
    row += o.channels();
  }
}

void Parallel::backward(const Activations& in, const Activations&, const Activations& dout,
                        Activations* din) {
  douts_.resize(children_.size());
  int row = 0;
  for (size_t i = 0; i < children_.size(); ++i) {
    const int c = outs_[i].channels();
    douts_[i].reshape_like(outs_[i], c);
    douts_[i].data = dout.data.middleRows(row, c);
    row += c;
    if (i == 0) {
      children_[i]->backward(in, outs_[i], douts_[i], din);
    } else {
      children_[i]->backward(in, outs_[i], douts_[i], din ? &din_part_ : nullptr);
      if (din) din->data += din_part_.data;
    }
  }
}

void Parallel::collect_params(ParamList& out, const std::string& prefix) {
  for (size_t i = 0; i < children_.size(); ++i)
    children_[i]->collect_params(out, prefix + std::to_string(i) + ".");
}

void Parallel::init_params(Rng& rng) {
  for (auto& l : children_) l->init_params(rng);
}

void Parallel::prepare_inference() {
  for (auto& l : children_) l->prepare_inference();
}

}  // namespace ocr
