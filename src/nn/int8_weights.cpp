#include "ocr/nn/int8_weights.h"

#include "ocr/core/error.h"
#include "ocr/core/precision.h"

namespace ocr {

void Int8Weights::prepare() {
#ifdef OCR_SCALAR_DOUBLE
  on_ = false;  // the double build exists for the gradient checks: exact products only
#else
  on_ = inference_precision() == Precision::Int8;
#endif
  invalidate();
}

void Int8Weights::multiply(const Matrix& w, const Scalar* b, Index ldb, Scalar* c, Index ldc, Index p,
                           bool accumulate) {
#ifdef OCR_SCALAR_DOUBLE
  (void)w, (void)b, (void)ldb, (void)c, (void)ldc, (void)p, (void)accumulate;
  throw Error("int8 product in the double build");
#else
  if (!packed()) pack(w);
  gemm_int8(panels_, b, ldb, w.cols(), c, ldc, p, accumulate, scratch_);
#endif
}

}  // namespace ocr
