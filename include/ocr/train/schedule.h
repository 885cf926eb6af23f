// What the recognizer's and the detector's training loops share: the learning-rate schedule and
// the names of kept checkpoints.
#pragma once
#include <cstdint>
#include <deque>
#include <string>

namespace ocr {

// Linear warm-up over `warmup` iterations, then constant, then a cosine decay to lr/50 over the
// final decay_fraction of the run; progress is the fraction of the run done (by iterations or by
// the time budget, whichever is ahead).
double scheduled_learning_rate(double lr, double decay_fraction, int64_t iteration, int warmup, double progress);

// "runs/eng.ocrm", iteration 12000, error 0.00512 -> "runs/eng.it012000.cer0.512.ocrm" (metric
// names the figure; a negative error leaves it out): sorted by name they are in training order,
// and a glob picks a range for `ocr average`.
std::string checkpoint_path(const std::string& out, int64_t iteration, double error, const std::string& metric = "cer");

// Records a checkpoint just written at `path` among the kept ones (oldest first) and deletes the
// oldest files beyond `keep`.
void keep_checkpoint(std::deque<std::string>& kept, const std::string& path, int keep);

}  // namespace ocr
