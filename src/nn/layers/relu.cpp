#include "ocr/nn/layers/relu.h"

namespace ocr {

void Relu::forward(const Activations& in, Activations& out, Mode) {
  out.reshape_like(in, in.channels());
  out.data = in.data.cwiseMax(Scalar(0));
}

void Relu::backward(const Activations&, const Activations& out, const Activations& dout,
                    Activations* din) {
  if (!din) return;
  din->reshape_like(out, out.channels());
  din->data = (out.data.array() > Scalar(0)).select(dout.data, Scalar(0));
}

}  // namespace ocr
