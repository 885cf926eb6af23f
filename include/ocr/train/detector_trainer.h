// Training the text-line detector: tiles of synthetic pages (detector_data.h) → map network →
// per-pixel loss (nn/map_loss.h) → Adam, on the recognizer's schedule, data-parallel steps and
// atomic checkpoints; validated on whole held-out synthetic pages through the run-time detector.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ocr/core/precision.h"
#include "ocr/train/detector_data.h"

namespace ocr {

class TextLineDetector;

struct DetectorTrainConfig {
  std::string out;   // best model by validation line F1; the latest goes to <out>.last
  std::string init;  // start from this detector
  std::string spec = "C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 R32 Rd32,2 Rd32,4 Rd32,8 Om1";
  int tile = 256;            // training tiles, input px square
  // x-height pages are scaled to (stored in the model); 0: 10 px for a new model, the --init
  // model's own otherwise (a value given retrains that model for a new scale)
  double text_height = 0;
  int64_t iterations = 10000;
  double time_budget_minutes = 0;
  int batch = 8;
  double lr = 1e-3;
  int warmup = 200;
  double decay_fraction = 0.25;
  int threads = 0;           // training threads (data-parallel replicas)
  int data_threads = 1;      // page rendering threads
  uint64_t seed = 1;
  int val_every = 500;
  int val_pages = 24;        // held-out synthetic pages (holdout fonts, fixed seed)
  Precision precision = Precision::Float;  // as TrainConfig::precision
  int keep_checkpoints = 0;
  std::string page_kinds;    // "article=0.3,form=0.2,..." (synth::PageGeneratorConfig)
};

struct DetectorTrainSummary {
  int64_t iterations = 0, tiles = 0, pages = 0;
  double best_f1 = -1;
  double seconds = 0;
  double first_loss = -1, last_loss = -1;  // of the first batch; mean of the last 50 (or fewer)
};

DetectorTrainSummary train_detector(const DetectorTrainConfig& config);

// How well a detector finds the lines of labelled pages. Pixels: the thresholded core map
// against the true cores at map resolution. Lines: a true line (a component of the true core
// map) is found when at least half of its pixels are predicted core; a predicted component is
// a false line when less than half of it lies on true cores.
struct DetectorScore {
  double pixel_precision = 0, pixel_recall = 0, pixel_f1 = 0;
  int64_t true_lines = 0, found_lines = 0, predicted_lines = 0, false_lines = 0;
  double line_recall() const { return true_lines ? double(found_lines) / double(true_lines) : 1; }
  double line_precision() const {
    return predicted_lines ? 1 - double(false_lines) / double(predicted_lines) : 1;
  }
  double line_f1() const {
    const double p = line_precision(), r = line_recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
};
DetectorScore score_detector(const TextLineDetector& detector, const std::vector<DetectorPage>& pages);

}  // namespace ocr
