// Hand-made CTC outputs for decoder tests: frames of probabilities written out as rows, and the
// text a hypothesis spells.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ocr/ctc/alphabet.h"
#include "ocr/core/tensor.h"
#include "ocr/ctc/beam_decoder.h"

namespace ocr::test {

// K × T log-probs from rows of probabilities given frame by frame (a zero becomes log 1e-30).
inline Matrix from_probs(const std::vector<std::vector<double>>& frames) {
  Matrix m(frames[0].size(), frames.size());
  for (size_t t = 0; t < frames.size(); ++t)
    for (size_t k = 0; k < frames[t].size(); ++k)
      m(k, t) = static_cast<Scalar>(std::log(std::max(frames[t][k], 1e-30)));
  return m;
}

inline std::string text(const Alphabet& a, const Hypothesis& h) { return a.decode(h.label_ids()); }

}  // namespace ocr::test
