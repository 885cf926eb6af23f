// Finite-difference check of the CTC loss gradient, in the double-precision engine. The loss
// treats log_probs as free inputs (no softmax inside), so each entry is perturbed on its own.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "ocr/core/rng.h"
#include "ocr/ctc/ctc_loss.h"

namespace ocr {
namespace {

static_assert(std::is_same_v<Scalar, double>, "gradient checks run in the double build");

Matrix random_log_probs(int K, int T, Rng& rng, double scale) {
  Matrix m(K, T);
  for (int t = 0; t < T; ++t) {
    for (int k = 0; k < K; ++k) m(k, t) = rng.normal(0, scale);
    const double mx = m.col(t).maxCoeff();
    m.col(t).array() -= mx + std::log((m.col(t).array() - mx).exp().sum());
  }
  return m;
}

// Largest relative error |analytic − numeric| / max(|analytic| + |numeric|, 1e-3) over all
// entries; the floor keeps entries with a true gradient of zero from dividing by rounding noise.
double max_relative_error(Matrix lp, const std::vector<int>& labels, double h = 1e-4) {
  Matrix grad;
  ctc_loss(lp, labels, &grad);
  double worst = 0;
  for (Index t = 0; t < lp.cols(); ++t)
    for (Index k = 0; k < lp.rows(); ++k) {
      const double x = lp(k, t);
      lp(k, t) = x + h;
      const double up = ctc_loss(lp, labels);
      lp(k, t) = x - h;
      const double down = ctc_loss(lp, labels);
      lp(k, t) = x;
      const double numeric = (up - down) / (2 * h);
      const double err =
          std::abs(grad(k, t) - numeric) / std::max(std::abs(grad(k, t)) + std::abs(numeric), 1e-3);
      worst = std::max(worst, err);
    }
  return worst;
}

TEST(CtcGradcheck, RandomCasesWithRepeats) {
  Rng rng(2024);
  struct Case {
    int K, T;
    std::vector<int> labels;
    double scale;
  };
  const std::vector<Case> cases = {
      {2, 2, {1}, 0.5},                 // the mini example's shape
      {3, 8, {}, 1.0},                  // all blanks
      {4, 10, {1, 2, 3}, 1.0},
      {4, 12, {2, 2, 2}, 2.0},          // repeats: blanks forced between
      {6, 20, {1, 3, 3, 5, 1, 1}, 3.0},  // peaked frames
      {5, 7, {1, 2, 2, 3}, 1.0},        // close to the minimum number of frames (5)
      {5, 5, {1, 2, 3, 4, 1}, 1.0},     // exactly the minimum: a single alignment
  };
  for (const auto& c : cases) {
    const Matrix lp = random_log_probs(c.K, c.T, rng, c.scale);
    SCOPED_TRACE("K=" + std::to_string(c.K) + " T=" + std::to_string(c.T));
    EXPECT_LT(max_relative_error(lp, c.labels), 1e-6);
  }
}

// Frames that disagree with the labels (loss ~1000) must still give exact gradients.
TEST(CtcGradcheck, ExtremeInputs) {
  Rng rng(7);
  Matrix lp = random_log_probs(4, 15, rng, 30.0);
  // A loss near 1000 leaves ~1e-13 relative rounding in each evaluation: a larger step keeps
  // that noise (~1e-16·loss/h) below the bound, and the truncation error stays ~h².
  EXPECT_LT(max_relative_error(lp, {1, 2, 1, 3}, 1e-3), 1e-6);
  lp.row(2).array() -= 500;  // a label the network all but rules out
  EXPECT_LT(max_relative_error(lp, {2, 1, 2}, 1e-3), 1e-6);
}

}  // namespace
}  // namespace ocr
