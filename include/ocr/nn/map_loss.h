// The per-pixel loss of a map network (the text-line detector), after DBNet's loss for its
// probability map: binary cross-entropy on sigmoid(logits) over all positives and only the
// hardest negatives (online hard-negative mining, at most negative_ratio negatives per
// positive), plus a dice loss over every valid pixel, which weighs a map as a whole and so does
// not let the vast background drown a few thin lines.
//
// logits and targets are Activations of the same geometry (n maps); targets hold 0..1 (a pixel
// is a positive when its target is >= 0.5; a soft target in between is fitted as such by the
// cross-entropy). Padding columns (x >= widths[b]) are ignored. Each map (channel) is mined and
// scored on its own, and the loss is the sum over the maps of
//   Σ_selected w·bce / Σ_selected w  +  dice_weight · (1 − (2 Σ w·p·t + 1) / (Σ w·p + Σ w·t + 1))
// where p = sigmoid(logit), w the per-pixel weight (1 without weights; 0 leaves a pixel out)
// and bce = −t·log p − (1 − t)·log(1 − p), computed from the logit without overflow.
#pragma once
#include <vector>

#include "ocr/nn/activations.h"

namespace ocr {

struct MapLossOptions {
  double negative_ratio = 3;    // hardest negatives kept per positive, per map
  int negatives_without_positives = 1000;  // hardest negatives kept when a map has no positive
  double dice_weight = 1;       // 0 turns the dice term off
};

struct MapLossResult {
  double loss = 0;   // bce + dice_weight · dice, summed over the maps
  double bce = 0;    // cross-entropy part (sum over maps)
  double dice = 0;   // dice part before its weight (sum over maps)
  Index positives = 0, negatives = 0;  // pixels the cross-entropy used, over all maps
};

// Which entries of logits.data (index into data()) the cross-entropy uses: all positives and the
// hardest negatives. Returned on its own so that a gradient check can hold it fixed.
std::vector<unsigned char> select_map_loss_pixels(const Activations& logits, const Activations& targets,
                                                  const Activations* weights, const MapLossOptions& options);

// The loss with a given selection; writes d loss / d logits into dlogits (resized like logits,
// zero in padding columns). weights may be null, or have 1 channel (shared by every map) or n.
// Throws ShapeError when targets or weights do not match the logits' geometry.
MapLossResult map_loss(const Activations& logits, const Activations& targets, const Activations* weights,
                       const std::vector<unsigned char>& selection, const MapLossOptions& options,
                       Activations& dlogits);

// select_map_loss_pixels, then the loss.
MapLossResult map_loss(const Activations& logits, const Activations& targets, const Activations* weights,
                       const MapLossOptions& options, Activations& dlogits);

// probabilities = sigmoid(logits), same geometry, padding columns zero.
void map_probabilities(const Activations& logits, Activations& probabilities);

}  // namespace ocr
