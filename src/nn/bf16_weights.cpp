#include "ocr/nn/bf16_weights.h"

#include "ocr/core/error.h"

namespace ocr {

void Bf16Weights::prepare() {
#ifdef OCR_SCALAR_DOUBLE
  on_ = false;  // the double build exists for the gradient checks: exact products only
#else
  on_ = bf16_inference_enabled();
#endif
  invalidate();
}

void Bf16Weights::multiply(const Matrix& w, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                           Index p, bool accumulate) {
#ifdef OCR_SCALAR_DOUBLE
  (void)w, (void)b, (void)ldb, (void)c, (void)ldc, (void)p, (void)accumulate;
  throw Error("bfloat16 product in the double build");
#else
  if (!packed()) pack(w);
  gemm_bf16(panels_, b, ldb, w.cols(), c, ldc, p, accumulate, scratch_);
#endif
}

void gemm_bf16_nt_scalar(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                         Index m, Index n, Index p, bool accumulate) {
#ifdef OCR_SCALAR_DOUBLE
  (void)a, (void)lda, (void)b, (void)ldb, (void)c, (void)ldc, (void)m, (void)n, (void)p, (void)accumulate;
  throw Error("bfloat16 product in the double build");
#else
  gemm_bf16_nt(a, lda, b, ldb, c, ldc, m, n, p, accumulate);
#endif
}

}  // namespace ocr
