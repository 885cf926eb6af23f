#include "ocr/nn/layers/log_softmax.h"

namespace ocr {

void LogSoftmax::forward(const Activations& in, Activations& out, Mode) {
  out.reshape_like(in, in.channels());
  RowVector max = in.data.colwise().maxCoeff();
  out.data = in.data.rowwise() - max;
  RowVector lse = out.data.array().exp().colwise().sum().log().matrix();
  out.data.rowwise() -= lse;
  out.zero_padding();
}

void LogSoftmax::backward(const Activations&, const Activations& out, const Activations& dout,
                          Activations* din) {
  if (!din) return;
  // d in = d out − softmax · Σ d out
  din->reshape_like(out, out.channels());
  RowVector sum = dout.data.colwise().sum();
  din->data = dout.data - (out.data.array().exp().rowwise() * sum.array()).matrix();
  din->zero_padding();
}

}  // namespace ocr
