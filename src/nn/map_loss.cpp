#include "ocr/nn/map_loss.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ocr/core/error.h"

namespace ocr {

namespace {

constexpr double kDiceSmoothing = 1;

double sigmoid(double z) {
  // Either branch takes exp of a non-positive number: no overflow for any logit.
  if (z >= 0) return 1 / (1 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1 + e);
}

// −t·log σ(z) − (1 − t)·log(1 − σ(z)) = max(z, 0) − z·t + log(1 + e^−|z|).
double bce_with_logit(double z, double t) {
  return std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::abs(z)));
}

std::string geometry(const Activations& a) {
  return std::to_string(a.channels()) + " x " + std::to_string(a.batch) + " x " + std::to_string(a.height) +
         " x " + std::to_string(a.width);
}

void check_geometry(const Activations& logits, const Activations& targets, const Activations* weights) {
  auto same_layout = [&](const Activations& a) {
    return a.batch == logits.batch && a.height == logits.height && a.width == logits.width &&
           a.widths == logits.widths && a.data.cols() == logits.data.cols();
  };
  if (!same_layout(targets) || targets.channels() != logits.channels())
    throw ShapeError("map loss: targets are " + geometry(targets) + ", logits " + geometry(logits) +
                     " (maps x batch x height x width, with the same valid widths)");
  if (weights && (!same_layout(*weights) || (weights->channels() != 1 && weights->channels() != logits.channels())))
    throw ShapeError("map loss: weights are " + geometry(*weights) + ", logits " + geometry(logits) +
                     " (weights have 1 channel or one per map)");
}

// Calls f(column) for every valid (non-padding) column.
template <class F>
void for_valid_columns(const Activations& a, F f) {
  for (int x = 0; x < a.width; ++x)
    for (int n = 0; n < a.batch; ++n) {
      if (!a.valid(x, n)) continue;
      const Index first = a.column(x, n, 0);
      for (int y = 0; y < a.height; ++y) f(first + y);
    }
}

double weight_at(const Activations* weights, int channel, Index column) {
  if (!weights) return 1;
  return double(weights->data(weights->channels() == 1 ? 0 : channel, column));
}

}  // namespace

std::vector<unsigned char> select_map_loss_pixels(const Activations& logits, const Activations& targets,
                                                  const Activations* weights, const MapLossOptions& options) {
  check_geometry(logits, targets, weights);
  std::vector<unsigned char> selected(size_t(logits.data.size()), 0);
  std::vector<std::pair<double, Index>> negatives;  // (weighted loss, entry)
  for (int c = 0; c < logits.channels(); ++c) {
    negatives.clear();
    Index positives = 0;
    for_valid_columns(logits, [&](Index col) {
      const double w = weight_at(weights, c, col);
      if (w <= 0) return;
      const double t = double(targets.data(c, col));
      const Index entry = col * logits.channels() + c;
      if (t >= 0.5) {
        selected[size_t(entry)] = 1;
        ++positives;
      } else {
        negatives.emplace_back(w * bce_with_logit(double(logits.data(c, col)), t), entry);
      }
    });
    const double wanted = positives > 0 ? options.negative_ratio * double(positives)
                                        : double(options.negatives_without_positives);
    const size_t keep = std::min(negatives.size(), size_t(std::max(0.0, wanted)));
    if (keep < negatives.size())
      std::nth_element(negatives.begin(), negatives.begin() + Index(keep), negatives.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t i = 0; i < keep; ++i) selected[size_t(negatives[i].second)] = 1;
  }
  return selected;
}

MapLossResult map_loss(const Activations& logits, const Activations& targets, const Activations* weights,
                       const std::vector<unsigned char>& selection, const MapLossOptions& options,
                       Activations& dlogits) {
  check_geometry(logits, targets, weights);
  OCR_CHECK(selection.size() == size_t(logits.data.size()), "map loss selection has the wrong size");
  const int maps = logits.channels();
  dlogits.reshape_like(logits, maps);
  dlogits.data.setZero();
  MapLossResult result;
  for (int c = 0; c < maps; ++c) {
    // Cross-entropy over the selection, normalised by its total weight.
    double bce_sum = 0, weight_sum = 0;
    // Dice sums: intersection Σ w·p·t, and Σ w·p + Σ w·t.
    double intersection = 0, union_sum = 0;
    for_valid_columns(logits, [&](Index col) {
      const double w = weight_at(weights, c, col);
      if (w <= 0) return;
      const double z = double(logits.data(c, col)), t = double(targets.data(c, col)), p = sigmoid(z);
      intersection += w * p * t;
      union_sum += w * (p + t);
      if (!selection[size_t(col * maps + c)]) return;
      bce_sum += w * bce_with_logit(z, t);
      weight_sum += w;
      if (t >= 0.5) ++result.positives;
      else ++result.negatives;
    });
    const double bce = weight_sum > 0 ? bce_sum / weight_sum : 0;
    const double numerator = 2 * intersection + kDiceSmoothing, denominator = union_sum + kDiceSmoothing;
    const double dice = 1 - numerator / denominator;
    result.bce += bce;
    result.dice += dice;
    // d dice / d p_i = −w_i (2 t_i · denominator − numerator) / denominator², and dp/dz = p (1 − p).
    const double dice_scale = options.dice_weight / (denominator * denominator);
    for_valid_columns(logits, [&](Index col) {
      const double w = weight_at(weights, c, col);
      if (w <= 0) return;
      const double z = double(logits.data(c, col)), t = double(targets.data(c, col)), p = sigmoid(z);
      double g = -dice_scale * w * (2 * t * denominator - numerator) * p * (1 - p);
      if (selection[size_t(col * maps + c)] && weight_sum > 0) g += w * (p - t) / weight_sum;
      dlogits.data(c, col) = Scalar(g);
    });
  }
  result.loss = result.bce + options.dice_weight * result.dice;
  return result;
}

MapLossResult map_loss(const Activations& logits, const Activations& targets, const Activations* weights,
                       const MapLossOptions& options, Activations& dlogits) {
  return map_loss(logits, targets, weights, select_map_loss_pixels(logits, targets, weights, options), options,
                  dlogits);
}

void map_probabilities(const Activations& logits, Activations& probabilities) {
  probabilities.reshape_like(logits, logits.channels());
  const Index size = logits.data.size();
  const Scalar* z = logits.data.data();
  Scalar* p = probabilities.data.data();
  for (Index i = 0; i < size; ++i) p[i] = Scalar(sigmoid(double(z[i])));
  probabilities.zero_padding();
}

}  // namespace ocr
