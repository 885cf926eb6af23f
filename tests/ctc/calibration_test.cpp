#include "ocr/ctc/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace ocr {
namespace {

// Items whose true probability of being right is a known logistic function of the features.
std::vector<CalibrationSample> synthetic(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> xb(2.f, 2.f), xp(1.f, 2.f);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<CalibrationSample> out;
  for (int i = 0; i < n; ++i) {
    CalibrationSample s;
    ConfidenceFeatures f{std::clamp(xb(rng), -9.2f, 9.2f), std::clamp(xp(rng), -9.2f, 9.2f)};
    s.chars.push_back(f);
    double p = 1 / (1 + std::exp(-(0.5 * f.beam_logit + 1.0 * f.peak_logit - 0.3)));
    s.correct = u(rng) < p;
    out.push_back(s);
  }
  return out;
}

TEST(Calibration, RecoversAKnownMapAndCalibratesHeldOutItems) {
  auto train = synthetic(20000, 1), test = synthetic(20000, 2);
  double raw_ece = 0, ece = 0;
  reliability(test, Calibration{}, 10, &raw_ece);
  Calibration c = fit_calibration(train);
  EXPECT_NEAR(c.scale, 0.5, 0.1);
  EXPECT_NEAR(c.peak, 1.0, 0.1);
  EXPECT_NEAR(c.bias, -0.3, 0.15);
  auto bins = reliability(test, c, 10, &ece);
  EXPECT_GT(raw_ece, 0.05);
  EXPECT_LT(ece, 0.02);
  for (const auto& b : bins)
    if (b.count > 500) { EXPECT_NEAR(b.reported, b.observed, 0.04) << b.lo << "-" << b.hi; }
}

TEST(Calibration, WordConfidenceIsItsWeakestCharacter) {
  CalibrationSample w;
  w.chars = {{3.f, 0.f}, {-1.f, 0.f}, {2.f, 0.f}};
  EXPECT_NEAR(sample_confidence(w, Calibration{}), 1 / (1 + std::exp(1.0)), 1e-6);
}

TEST(Calibration, SeparableDataStaysFinite) {
  std::vector<CalibrationSample> s;
  for (int i = 0; i < 50; ++i) {
    CalibrationSample x;
    x.chars = {{i < 25 ? -2.f : 2.f, 0.f}};
    x.correct = i >= 25;
    s.push_back(x);
  }
  Calibration c = fit_calibration(s);
  EXPECT_TRUE(std::isfinite(c.scale) && std::isfinite(c.bias));
  EXPECT_LT(std::abs(c.scale), 20.f);
  EXPECT_GT(sample_confidence(s.back(), c), 0.9f);
  EXPECT_LT(sample_confidence(s.front(), c), 0.1f);
}

}  // namespace
}  // namespace ocr
