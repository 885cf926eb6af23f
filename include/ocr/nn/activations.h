// The tensor that flows between layers: a mini-batch of lines padded to a common width.
#pragma once
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

// data is channels × (width · batch · height), column ((x · batch) + n) · height + y.
// Channels of one pixel are contiguous (im2col copies whole pixels), one image column (x, n) is a
// contiguous block of height · channels values (so collapsing height into features is a reshape),
// and a sequence (height 1) comes out time-major: column t · batch + n, which is what the LSTM's
// per-step GEMM over the mini-batch wants.
// Invariant: columns with x >= widths[n] (padding) are zero after every layer, so padding never
// leaks into convolutions, recurrences, batch-norm statistics or the loss.
struct Activations {
  Matrix data;
  int batch = 0;
  int height = 0;
  int width = 0;
  std::vector<int> widths;  // valid width of each line, <= width
  // min(0, least value) and max(0, greatest value) of data, where the layer that wrote it had
  // every value in registers anyway (a fused ReLU's epilogue, a pooling): the range an int8
  // convolution quantises its input for, which it would otherwise read the map once more to find
  // (4 % of a page's time). resize() forgets it; a layer that changes data after its child wrote it
  // must forget it too.
  bool range_known = false;
  float range_lo = 0, range_hi = 0;
  void set_range(float lo, float hi) {
    range_known = true;
    range_lo = lo;
    range_hi = hi;
  }

  int channels() const { return static_cast<int>(data.rows()); }
  Index column(int x, int n, int y) const { return (Index(x) * batch + n) * height + y; }
  // Resizes data (contents unspecified) and copies the geometry.
  void reshape_like(const Activations& geometry, int channels);
  void resize(int channels, int batch, int height, int width, std::vector<int> widths);
  // Zeroes the padding columns of data, or of another matrix with this geometry.
  void zero_padding() { zero_padding_of(data); }
  void zero_padding_of(Matrix& m) const;
  // Number of valid (non-padding) pixels.
  Index valid_pixels() const;
  bool valid(int x, int n) const { return x < widths[n]; }
};

}  // namespace ocr
