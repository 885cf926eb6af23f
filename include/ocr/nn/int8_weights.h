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

 private:
  bool on_ = false;
  Int8Panels panels_;
};

}  // namespace ocr
