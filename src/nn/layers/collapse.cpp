#include "ocr/nn/layers/collapse.h"

#include "ocr/core/error.h"

namespace ocr {

void Collapse::forward(const Activations& in, Activations& out, Mode) {
  if (in.height != in_height_)
    throw ShapeError("Collapse expects height " + std::to_string(in_height_) + ", got " +
                     std::to_string(in.height));
  const int D = in.channels() * in.height;
  out.resize(D, in.batch, 1, in.width, in.widths);
  out.data = Eigen::Map<const Matrix>(in.data.data(), D, Index(in.width) * in.batch);
}

void Collapse::backward(const Activations& in, const Activations&, const Activations& dout,
                        Activations* din) {
  if (!din) return;
  din->reshape_like(in, in.channels());
  din->data = Eigen::Map<const Matrix>(dout.data.data(), in.channels(), in.data.cols());
}

}  // namespace ocr
