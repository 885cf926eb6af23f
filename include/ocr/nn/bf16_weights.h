// A layer's weight matrix, multiplied in bfloat16 in inference (ocr/core/gemm_bf16.h): off until
// the layer is prepared for inference (its weights are final then), packed on first use after.
// Layers keep their float weights for training and saving; this is a cache beside them.
#pragma once
#include <vector>

#include "ocr/core/gemm_bf16.h"
#include "ocr/core/tensor.h"

namespace ocr {

class Bf16Weights {
 public:
  // On where bf16_inference_enabled() (never in the double build); drops any stale packing.
  void prepare();
  // The weights changed (a folded batch norm): pack again on next use.
  void invalidate() { panels_ = Bf16Panels(); }
  bool on() const { return on_; }
  bool packed() const { return panels_.rows > 0; }
  // Packs w (or a reordering of the layer's weights that its kernel wants).
  void pack(const Matrix& w) { panels_ = pack_bf16_panels(w); }
  const Bf16Panels& panels() const { return panels_; }
  // c (rows × p, leading dimension ldc) = w · b, or += with accumulate; b is w.cols() × p floats
  // with leading dimension ldb. Only when on(); packs w itself if needed.
  void multiply(const Matrix& w, const Scalar* b, Index ldb, Scalar* c, Index ldc, Index p,
                bool accumulate);
  template <class B, class C>
  void multiply(const Matrix& w, const B& b, C&& c, bool accumulate = false) {
    multiply(w, b.data(), b.outerStride(), c.data(), c.outerStride(), b.cols(), accumulate);
  }

 private:
  bool on_ = false;
  Bf16Panels panels_;
  std::vector<bf16> scratch_;
};

}  // namespace ocr
