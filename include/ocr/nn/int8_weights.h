// A layer's weight matrix packed for the int8 kernel (ocr/core/gemm_int8.h) in inference, once
// the layer is prepared and inference_precision() is Int8: packed on first use, since the weights
// are final then. A cache beside the float weights, which training and saving keep using.
#pragma once
#include <cstdint>
#include <vector>

#include "ocr/core/gemm_int8.h"
#include "ocr/core/tensor.h"

namespace ocr {

class Int8Weights {
 public:
  // On where inference_precision() is Int8 (never in the double build); drops any stale packing.
  void prepare();
  // The weights changed (a folded batch norm): pack again on next use.
  void invalidate() { panels_ = Int8Panels(); }
  bool on() const { return on_; }
  bool packed() const { return panels_.rows > 0; }
  // Packs w (or a reordering of the layer's weights that its kernel wants).
  void pack(const Matrix& w) { panels_ = pack_int8_panels(w); }
  const Int8Panels& panels() const { return panels_; }
  // c (rows × p, leading dimension ldc) = w · b, or += with accumulate; b is w.cols() × p floats
  // (leading dimension ldb), quantised per call with the range of all p columns. Packs w itself
  // if nothing is packed.
  void multiply(const Matrix& w, const Scalar* b, Index ldb, Scalar* c, Index ldc, Index p,
                bool accumulate);
  template <class B, class C>
  void multiply(const Matrix& w, const B& b, C&& c, bool accumulate = false) {
    multiply(w, b.data(), b.outerStride(), c.data(), c.outerStride(), b.cols(), accumulate);
  }

 private:
  bool on_ = false;
  Int8Panels panels_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace ocr
