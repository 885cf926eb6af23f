// Finite-difference check of the map loss's gradient with respect to the logits, in double, on
// two maps of a padded batch with soft targets and per-pixel weights, the hard-negative
// selection held fixed (it is piecewise constant in the logits).
#include <gtest/gtest.h>

#include <cmath>

#include "ocr/core/rng.h"
#include "ocr/nn/map_loss.h"

namespace ocr {
namespace {

static_assert(std::is_same<Scalar, double>::value, "gradient checks run in double");

void check_map_loss_gradient(const Activations* weights, const MapLossOptions& options, uint64_t seed) {
  Rng rng(seed);
  Activations logits, targets;
  logits.resize(2, 3, 4, 6, {6, 4, 1});
  targets.reshape_like(logits, 2);
  for (Index i = 0; i < logits.data.size(); ++i) {
    logits.data.data()[i] = Scalar(rng.normal(0, 2));
    const double u = rng.uniform();
    // Mostly hard labels, some soft ones (blurred line edges).
    targets.data.data()[i] = Scalar(u < 0.2 ? 1.0 : u < 0.3 ? rng.uniform() : 0.0);
  }
  logits.zero_padding();
  targets.zero_padding();
  const auto selection = select_map_loss_pixels(logits, targets, weights, options);
  Activations grad, scratch;
  const MapLossResult r = map_loss(logits, targets, weights, selection, options, grad);
  ASSERT_GT(r.positives, 0);
  ASSERT_GT(r.negatives, 0);
  Index unselected = 0;
  for (unsigned char s : selection) unselected += s == 0;
  ASSERT_GT(unselected, 0) << "the mining must have left some negatives out";
  const double h = 1e-6;
  double worst = 0;
  int checked = 0;
  for (int n = 0; n < logits.batch; ++n)
    for (int x = 0; x < logits.widths[size_t(n)]; ++x)
      for (int y = 0; y < logits.height; ++y)
        for (int c = 0; c < 2; ++c) {
          Scalar& z = logits.data(c, logits.column(x, n, y));
          const Scalar saved = z;
          z = saved + h;
          const double plus = map_loss(logits, targets, weights, selection, options, scratch).loss;
          z = saved - h;
          const double minus = map_loss(logits, targets, weights, selection, options, scratch).loss;
          z = saved;
          const double numeric = (plus - minus) / (2 * h);
          const double analytic = grad.data(c, grad.column(x, n, y));
          worst = std::max(worst, std::abs(numeric - analytic) / (1e-3 + std::abs(numeric) + std::abs(analytic)));
          ++checked;
        }
  EXPECT_EQ(checked, 2 * 4 * (6 + 4 + 1));
  EXPECT_LT(worst, 1e-6);
}

TEST(GradCheck, MapLossCrossEntropyAndDice) {
  MapLossOptions options;
  options.negative_ratio = 1;
  options.dice_weight = 0.7;
  check_map_loss_gradient(nullptr, options, 21);
}

TEST(GradCheck, MapLossWithWeights) {
  Rng rng(22);
  Activations weights;
  weights.resize(1, 3, 4, 6, {6, 4, 1});
  for (Index i = 0; i < weights.data.size(); ++i) {
    const double u = rng.uniform();
    weights.data.data()[i] = Scalar(u < 0.15 ? 0.0 : 0.5 + 2 * u);  // some pixels left out
  }
  MapLossOptions options;
  options.negative_ratio = 2;
  check_map_loss_gradient(&weights, options, 23);
}

}  // namespace
}  // namespace ocr
