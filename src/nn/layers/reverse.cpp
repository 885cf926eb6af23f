#include "ocr/nn/layers/reverse.h"

#include "ocr/core/error.h"

namespace ocr {

void reverse_sequences(const Activations& in, Activations& out) {
  OCR_CHECK(in.height == 1, "Reverse needs a sequence (height 1)");
  out.reshape_like(in, in.channels());
  for (int n = 0; n < in.batch; ++n) {
    const int len = in.widths[n];
    for (int t = 0; t < in.width; ++t) {
      if (t < len)
        out.data.col(in.column(t, n, 0)) = in.data.col(in.column(len - 1 - t, n, 0));
      else
        out.data.col(in.column(t, n, 0)).setZero();
    }
  }
}

int Reverse::output_height(int in_height) const {
  if (in_height != 1) throw ShapeError("a reversed layer needs a sequence: add Col before it");
  return child_->output_height(in_height);
}

void Reverse::forward(const Activations& in, Activations& out, Mode mode) {
  reverse_sequences(in, rin_);
  child_->forward(rin_, rout_, mode);
  reverse_sequences(rout_, out);
  if (mode == Mode::Infer && !keep_inference_buffers_) rin_ = rout_ = Activations();
}

void Reverse::backward(const Activations&, const Activations&, const Activations& dout,
                       Activations* din) {
  reverse_sequences(dout, rdout_);
  child_->backward(rin_, rout_, rdout_, din ? &rdin_ : nullptr);
  if (din) reverse_sequences(rdin_, *din);
}

void Reverse::collect_params(ParamList& out, const std::string& prefix) {
  child_->collect_params(out, prefix);
}

}  // namespace ocr
