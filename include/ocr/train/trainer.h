// The training loop: forward(Train) → CTC loss → backward → Adam, with warm-up and cosine decay,
// periodic validation, atomic checkpoints of the best model, and early stopping.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ocr/core/precision.h"
#include "ocr/model/model.h"
#include "ocr/synth/line_generator.h"

namespace ocr {

struct TrainConfig {
  std::string train;  // folder or list of line images with .gt.txt, or "synth"
  std::string val;    // folder or list; empty: synthetic holdout-font lines (synth), else 5 %
                      // of the training lines held out (40 lines or more)
  std::string out;    // best model by validation CER; the latest goes to <out>.last
  std::string init;   // start from this model (fine-tune or resume)
  std::string spec = "C3,3,16 Bn Relu Mp2,2 R32 Mp2,2 R64 R64 Mp2,1 Col Lbx128 Lbx128 O";  // the shipped model's
  int input_height = 32;
  int64_t iterations = 10000;  // in this run
  double time_budget_minutes = 0;  // if > 0, the run ends (and the schedule decays) by this time
  int batch = 16;
  double lr = 1e-3;
  int warmup = 300;            // iterations of linear warm-up (from scratch; 50 when resuming)
  double decay_fraction = 0.25;  // cosine decay to lr/50 over this final fraction of iterations
  int threads = 0;
  uint64_t seed = 1;
  int val_every = 500;
  int val_lines = 400;         // synthetic validation lines (when val is empty)
  // Perturb labelled lines (never synthetic or validation ones): -1 = when training from scratch
  // (measured: a model trained on 50 UW-III lines read other documents at 10.6 % CER instead of
  // 21.6 %; fine-tuning the shipped model on them it cost 47 edits against 39), 0 off, 1 on.
  int augment = -1;
  // Float, or Bf16 for mixed precision (ocr/core/gemm_bf16.h: bf16 products, float sums, weights
  // and gradients), or Auto: bf16 where a timing finds it faster (training_precision).
  Precision precision = Precision::Float;
  // Fine-tuning: train only the layers after Col; the convolutional backbone runs as in inference.
  bool freeze_backbone = false;
  int patience = 0;            // stop after this many validations without improvement (0 = off)
  // Keep the models of the last N validations beside out, named with their iteration and CER
  // (<out stem>.it<iteration>.cer<percent>.ocrm), for `ocr average` (0 = off).
  int keep_checkpoints = 0;
  std::string synth_profiles;  // "scan_binary=0.5,photo=0.1,..." for the synthetic source
  double synth_hand_share = synth::GeneratorConfig().hand_share;  // share of its fax lines written by hand
  std::string data_description;
};

struct TrainSummary {
  int64_t iterations = 0;
  int64_t lines = 0;          // trained on, over all ranks
  int64_t lines_drawn = 0;    // taken from the data stream by this process (its shard)
  int64_t skipped = 0;
  double best_cer = -1;
  double seconds = 0;
  bool stopped_early = false;
};

// Runs training; throws on unusable data or models. Progress goes to stderr.
TrainSummary train(const TrainConfig& config);

}  // namespace ocr
