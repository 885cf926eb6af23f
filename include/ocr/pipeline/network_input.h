// Packing normalised line images into network input and unpacking per-line output.
#pragma once
#include <vector>

#include "ocr/core/tensor.h"
#include "ocr/nn/activations.h"

namespace ocr {

// Lines (height × width, all the same height) → 1-channel activations padded to the widest.
Activations make_network_input(const std::vector<const MatrixF*>& lines);

// Frames of line n of a time-major sequence: channels × widths[n].
Matrix sequence_of(const Activations& seq, int n);

}  // namespace ocr
