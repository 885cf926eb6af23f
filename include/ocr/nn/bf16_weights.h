// A layer's weight matrix (or its transpose), multiplied in bfloat16 (ocr/core/gemm_bf16.h): in
// inference once the layer is prepared (its weights are final then, packed on first use), in
// training while mixed precision is on (packed afresh each pass: the optimizer moves them).
// Layers keep their float weights for training and saving; this is a cache beside them.
#pragma once
#include <vector>

#include "ocr/core/gemm_bf16.h"
#include "ocr/core/tensor.h"
#include "ocr/nn/layer.h"

namespace ocr {

class Bf16Weights {
 public:
  // On where bf16_inference_enabled() (never in the double build); drops any stale packing.
  void prepare();
  // The weights changed (a folded batch norm): pack again on next use.
  void invalidate() { panels_ = Bf16Panels(); }
  bool on() const { return on_; }
  // Whether a pass in this mode multiplies in bf16. A training pass must invalidate() first.
  bool active(Mode mode) const { return mode == Mode::Infer ? on_ : bf16_training_enabled(); }
  bool packed() const { return panels_.rows > 0; }
  // Packs w (or a reordering of the layer's weights that its kernel wants).
  void pack(const Matrix& w) { panels_ = pack_bf16_panels(w); }
  const Bf16Panels& panels() const { return panels_; }
  // c (rows × p, leading dimension ldc) = w · b, or += with accumulate; b is w.cols() × p floats
  // with leading dimension ldb. Packs w itself if nothing is packed.
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

// dst (m × n) = a (m × p) · bᵀ (b: n × p), or += with accumulate, in bf16 (gemm_bf16_nt): the
// weight gradients of mixed-precision training. Not in the double build.
void gemm_bf16_nt_scalar(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                         Index m, Index n, Index p, bool accumulate);
template <class Dst, class A, class B>
void gemm_nt_bf16(const A& a, const B& b, Dst&& dst, bool accumulate) {
  gemm_bf16_nt_scalar(a.data(), a.outerStride(), b.data(), b.outerStride(), dst.data(), dst.outerStride(),
                      a.rows(), b.rows(), a.cols(), accumulate);
}

}  // namespace ocr
