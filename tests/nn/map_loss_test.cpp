// The detector's per-pixel loss on small maps whose values are worked out by hand: the
// cross-entropy, the hard-negative selection, the dice term and its gradient, padding, weights,
// and extreme logits.
#include <gtest/gtest.h>

#include <cmath>

#include "ocr/core/error.h"
#include "ocr/nn/map_loss.h"

namespace ocr {
namespace {

// One map, one line one pixel high: values in x order.
Activations row(const std::vector<double>& values) {
  Activations a;
  const int w = int(values.size());
  a.resize(1, 1, 1, w, {w});
  for (int x = 0; x < w; ++x) a.data(0, a.column(x, 0, 0)) = Scalar(values[size_t(x)]);
  return a;
}

double at(const Activations& a, int x) { return double(a.data(0, a.column(x, 0, 0))); }

MapLossOptions without_dice() {
  MapLossOptions o;
  o.dice_weight = 0;
  return o;
}

TEST(MapLoss, CrossEntropyOverPositivesAndAllNegativesWhenFew) {
  // One positive allows three negatives: here all of them.
  Activations logits = row({0, 2, -1, 3}), targets = row({1, 0, 0, 0}), d;
  MapLossResult r = map_loss(logits, targets, nullptr, without_dice(), d);
  const double expect = (std::log(2.0) + std::log1p(std::exp(2.0)) + std::log1p(std::exp(-1.0)) +
                         std::log1p(std::exp(3.0))) / 4;
  EXPECT_NEAR(r.loss, expect, 1e-6);
  EXPECT_NEAR(r.bce, expect, 1e-6);
  EXPECT_EQ(r.positives, 1);
  EXPECT_EQ(r.negatives, 3);
  // d/dz = (σ(z) − t) / 4.
  EXPECT_NEAR(at(d, 0), (0.5 - 1) / 4, 1e-6);
  EXPECT_NEAR(at(d, 1), 1 / (1 + std::exp(-2.0)) / 4, 1e-6);
  EXPECT_NEAR(at(d, 2), 1 / (1 + std::exp(1.0)) / 4, 1e-6);
}

TEST(MapLoss, KeepsOnlyTheHardestNegatives) {
  MapLossOptions o = without_dice();
  o.negative_ratio = 2;
  // One positive, five negatives: the two with the highest logits (x = 4 and x = 2) are kept.
  Activations logits = row({1, -3, 0.5, -1, 2, -2}), targets = row({1, 0, 0, 0, 0, 0}), d;
  auto sel = select_map_loss_pixels(logits, targets, nullptr, o);
  EXPECT_EQ(sel, (std::vector<unsigned char>{1, 0, 1, 0, 1, 0}));
  MapLossResult r = map_loss(logits, targets, nullptr, o, d);
  EXPECT_EQ(r.negatives, 2);
  const double expect = (std::log1p(std::exp(-1.0)) + std::log1p(std::exp(0.5)) + std::log1p(std::exp(2.0))) / 3;
  EXPECT_NEAR(r.loss, expect, 1e-6);
  for (int x : {1, 3, 5}) EXPECT_EQ(at(d, x), 0) << x;
  EXPECT_GT(at(d, 4), at(d, 2));
}

TEST(MapLoss, WithoutPositivesAFixedNumberOfNegatives) {
  MapLossOptions o = without_dice();
  o.negatives_without_positives = 2;
  Activations logits = row({-4, 3, -1, 1, -2}), targets = row({0, 0, 0, 0.2, 0}), d;
  EXPECT_EQ(select_map_loss_pixels(logits, targets, nullptr, o), (std::vector<unsigned char>{0, 1, 0, 1, 0}));
  MapLossResult r = map_loss(logits, targets, nullptr, o, d);
  EXPECT_EQ(r.positives, 0);
  EXPECT_EQ(r.negatives, 2);
  // A soft target: −0.2·log σ(1) − 0.8·log(1 − σ(1)) = log(1 + e) − 0.2.
  const double expect = (std::log1p(std::exp(3.0)) + std::log1p(std::exp(1.0)) - 0.2) / 2;
  EXPECT_NEAR(r.loss, expect, 1e-6);
}

TEST(MapLoss, DiceTermAndItsGradient) {
  // p = 0.5 everywhere, targets 1 0 1 0: Σpt = 1, Σp + Σt = 4, dice = 1 − 3/5 = 0.4. (GCC 12.2
  // with -march=znver3 -O2 miscompiles the list {1, 1, 0, 0} here into four ones.)
  Activations logits = row({0, 0, 0, 0}), targets = row({1, 0, 1, 0}), d;
  ASSERT_EQ(at(targets, 1) + at(targets, 3), 0);
  MapLossOptions o;
  o.dice_weight = 2;
  MapLossResult r = map_loss(logits, targets, nullptr, o, d);
  EXPECT_NEAR(r.dice, 0.4, 1e-6);
  EXPECT_NEAR(r.bce, std::log(2.0), 1e-6);
  EXPECT_NEAR(r.loss, std::log(2.0) + 0.8, 1e-6);
  // dice' = −(2t·5 − 3)/25 · p(1 − p): −0.07 for a positive, +0.03 for a negative; bce' = ±0.125.
  EXPECT_NEAR(at(d, 0), 2 * -0.07 - 0.125, 1e-6);
  EXPECT_NEAR(at(d, 3), 2 * 0.03 + 0.125, 1e-6);
}

TEST(MapLoss, PaddingAndZeroWeightsAreIgnored) {
  // Line 2 of the batch is 2 columns wide; its padding holds targets and weights that would
  // count if they were read.
  Activations logits, targets, weights, d;
  logits.resize(2, 2, 2, 3, {3, 2});
  targets.reshape_like(logits, 2);
  weights.reshape_like(logits, 1);
  for (Index i = 0; i < logits.data.size(); ++i) {
    logits.data.data()[i] = Scalar(std::sin(double(i)));
    targets.data.data()[i] = Scalar(i % 3 == 0);
  }
  weights.data.setOnes();
  logits.zero_padding();
  MapLossResult base = map_loss(logits, targets, &weights, MapLossOptions(), d);
  Activations garbage = targets;
  for (int y = 0; y < 2; ++y) garbage.data.col(garbage.column(2, 1, y)).setConstant(1);
  Activations d2;
  MapLossResult padded = map_loss(logits, garbage, &weights, MapLossOptions(), d2);
  EXPECT_EQ(base.loss, padded.loss);
  for (int y = 0; y < 2; ++y) EXPECT_EQ(d2.data.col(d2.column(2, 1, y)).cwiseAbs().sum(), 0);

  // A pixel of weight 0 counts as much as one that is not there: compare with the line cut short.
  Activations cut_logits, cut_targets, cut_weights, d3;
  cut_logits.resize(2, 2, 2, 3, {3, 2});
  cut_logits.data = logits.data;
  cut_targets = targets;
  cut_weights = weights;
  for (int y = 0; y < 2; ++y) weights.data(0, weights.column(2, 0, y)) = 0;
  MapLossResult weighted = map_loss(logits, targets, &weights, MapLossOptions(), d);
  cut_logits.widths = cut_targets.widths = cut_weights.widths = {2, 2};
  cut_logits.zero_padding();
  MapLossResult cut = map_loss(cut_logits, cut_targets, &cut_weights, MapLossOptions(), d3);
  EXPECT_NEAR(weighted.loss, cut.loss, 1e-6);
  EXPECT_NE(weighted.loss, base.loss);
  EXPECT_EQ(d.data.col(d.column(2, 0, 1)).cwiseAbs().sum(), 0);
}

TEST(MapLoss, ExtremeLogitsStayFinite) {
  Activations logits = row({1000, -1000, 1000, -1000}), targets = row({1, 0, 0, 1}), d;
  MapLossResult r = map_loss(logits, targets, nullptr, without_dice(), d);
  // Two right with certainty (0), two wrong by 1000 each.
  EXPECT_NEAR(r.loss, 2000.0 / 4, 1e-3);
  EXPECT_TRUE(d.data.allFinite());
  EXPECT_NEAR(at(d, 2), 0.25, 1e-6);
  EXPECT_NEAR(at(d, 3), -0.25, 1e-6);
  MapLossResult with_dice = map_loss(logits, targets, nullptr, MapLossOptions(), d);
  EXPECT_TRUE(std::isfinite(with_dice.loss));
  EXPECT_TRUE(d.data.allFinite());

  Activations p;
  map_probabilities(logits, p);
  EXPECT_EQ(at(p, 0), 1);
  EXPECT_EQ(at(p, 1), 0);
  map_probabilities(row({0, std::log(3.0)}), p);
  EXPECT_NEAR(at(p, 0), 0.5, 1e-7);
  EXPECT_NEAR(at(p, 1), 0.75, 1e-6);
}

TEST(MapLoss, MismatchedShapesAreRefused) {
  Activations logits = row({0, 1, 2}), targets = row({0, 1}), d;
  EXPECT_THROW(map_loss(logits, targets, nullptr, MapLossOptions(), d), ShapeError);
  Activations weights;
  weights.resize(2, 1, 1, 3, {3});
  Activations two_maps;
  two_maps.resize(3, 1, 1, 3, {3});
  EXPECT_THROW(map_loss(logits, row({0, 1, 0}), &weights, MapLossOptions(), d), ShapeError);
  EXPECT_THROW(map_loss(two_maps, two_maps, &weights, MapLossOptions(), d), ShapeError);
}

}  // namespace
}  // namespace ocr
