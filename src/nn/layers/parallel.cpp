#include "ocr/nn/layers/parallel.h"

#include <omp.h>

#include <algorithm>
#include <exception>

#include "ocr/core/error.h"
#include "ocr/core/threads.h"

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
  // The branches are independent (the two directions of a BiLSTM, whose steps cannot spread over
  // cores): on a free core each runs on its own thread. Inside a parallel region (batches of
  // lines, training replicas) they stay on the caller's.
  const int n = int(children_.size());
  const bool threads = n > 1 && !omp_in_parallel() && thread_count() > 1;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
#pragma omp parallel for schedule(static, 1) num_threads(std::min(n, std::max(1, thread_count()))) if (threads)
  for (int i = 0; i < n; ++i) {
    try {
      children_[size_t(i)]->forward(in, outs_[size_t(i)], mode);
    } catch (...) {
      errors[size_t(i)] = std::current_exception();
    }
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  int total = 0;
  for (const auto& o : outs_) total += o.channels();
  out.reshape_like(outs_[0], total);
  int row = 0;
  for (auto& o : outs_) {
    out.data.middleRows(row, o.channels()) = o.data;
    row += o.channels();
  }
  if (mode == Mode::Infer && !keep_inference_buffers_) outs_.clear();
}

void Parallel::set_keep_inference_buffers(bool keep) {
  keep_inference_buffers_ = keep;
  for (auto& l : children_) l->set_keep_inference_buffers(keep);
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
