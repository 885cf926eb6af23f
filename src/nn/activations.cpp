#include "ocr/nn/activations.h"

namespace ocr {

void Activations::reshape_like(const Activations& g, int channels) {
  resize(channels, g.batch, g.height, g.width, g.widths);
}

void Activations::resize(int c, int n, int h, int w, std::vector<int> ws) {
  batch = n;
  height = h;
  width = w;
  widths = std::move(ws);
  range_known = false;
  data.resize(c, Index(w) * n * h);
}

void Activations::zero_padding_of(Matrix& m) const {
  for (int n = 0; n < batch; ++n)
    for (int x = widths[n]; x < width; ++x) m.middleCols(column(x, n, 0), height).setZero();
}

Index Activations::valid_pixels() const {
  Index total = 0;
  for (int w : widths) total += Index(w) * height;
  return total;
}

}  // namespace ocr
