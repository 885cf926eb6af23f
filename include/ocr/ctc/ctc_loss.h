// Connectionist temporal classification loss, in log space.
#pragma once
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

// log_probs: K × T, column t holds log-softmax scores of the K classes at frame t (blank = 0).
// labels: the target, each in 1..K-1. Returns −log p(labels | log_probs) summed over all
// alignments. If grad is given it is set to d loss / d log_probs (K × T), i.e. minus the
// posterior occupancy of each class at each frame. Throws ShapeError when the labels cannot fit
// in T frames (repeats need a blank between them), never returns NaN or infinity (a class at
// -inf is treated as a huge finite penalty); a NaN among the labels' log-probs throws Error.
double ctc_loss(const Matrix& log_probs, const std::vector<int>& labels, Matrix* grad = nullptr);

// Minimum number of frames an alignment of labels needs.
int ctc_min_frames(const std::vector<int>& labels);

}  // namespace ocr
