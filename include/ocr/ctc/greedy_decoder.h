// Best-path CTC decoding: the most likely class at each frame, repeats collapsed, blanks dropped.
#pragma once
#include <vector>

#include "ocr/ctc/decoder.h"

namespace ocr {

class GreedyDecoder : public Decoder {
 public:
  GreedyDecoder() = default;
  // allowed[k] says whether label k may be emitted (size K, the network's class count). Disallowed
  // labels are masked out before the per-frame argmax, so a frame whose best class is masked
  // emits its best allowed class instead. The blank is always allowed.
  explicit GreedyDecoder(std::vector<bool> allowed);

  // Each DecodedLabel spans the frames of its run on the best path. Its confidence is the peak
  // posterior exp(log_probs(label, t)) over that run: the run's single surest frame, so wide
  // glyphs spread over many frames are not penalised for their length (a product over the run
  // would be), and a glyph the net hesitates on everywhere scores low. log_prob is the sum of the
  // best path's log-probs (the path's own probability, not the label sequence's).
  // Throws ShapeError when an allow-list was given and its size is not log_probs.rows().
  Hypothesis decode(const Matrix& log_probs) const override;

 private:
  std::vector<bool> allowed_;  // empty: every label allowed
};

}  // namespace ocr
