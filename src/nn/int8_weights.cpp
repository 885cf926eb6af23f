#include "ocr/nn/int8_weights.h"

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

}  // namespace ocr
