#include "ocr/ctc/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ocr/core/error.h"

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

// One feature per character whose beam logit is its position, so a sample shows which characters
// it was cut from.
std::vector<ConfidenceFeatures> numbered(size_t n) {
  std::vector<ConfidenceFeatures> f(n);
  for (size_t k = 0; k < n; ++k) f[k].beam_logit = float(k);
  return f;
}

TEST(Calibration, LineSamplesJudgeCharactersAndWordsByAlignment) {
  std::vector<CalibrationSample> words, chars;
  // "cat" is misread as "cot"; "sat" was dropped from the reading; "on" is right.
  add_line_samples(U"the cot on", numbered(10), U"the cat sat on", words, chars);
  ASSERT_EQ(chars.size(), 8u);  // spaces are not items
  const std::vector<bool> char_right = {true, true, true, true, false, true, true, true};
  const std::vector<float> char_pos = {0, 1, 2, 4, 5, 6, 8, 9};
  for (size_t k = 0; k < chars.size(); ++k) {
    EXPECT_EQ(chars[k].correct, char_right[k]) << k;
    ASSERT_EQ(chars[k].chars.size(), 1u);
    EXPECT_EQ(chars[k].chars[0].beam_logit, char_pos[k]);
  }
  ASSERT_EQ(words.size(), 3u);
  EXPECT_TRUE(words[0].correct);
  EXPECT_FALSE(words[1].correct);
  EXPECT_TRUE(words[2].correct);
  ASSERT_EQ(words[1].chars.size(), 3u);
  EXPECT_EQ(words[1].chars[0].beam_logit, 4.f);
  EXPECT_EQ(words[1].chars[2].beam_logit, 6.f);
  ASSERT_EQ(words[2].chars.size(), 2u);
  EXPECT_EQ(words[2].chars[0].beam_logit, 8.f);

  // Items are appended; runs of spaces and an empty reading give no word.
  add_line_samples(U"  on  ", numbered(6), U"", words, chars);
  add_line_samples(U"", {}, U"gone", words, chars);
  ASSERT_EQ(words.size(), 4u);
  EXPECT_FALSE(words[3].correct);
  EXPECT_EQ(words[3].chars[0].beam_logit, 2.f);
  EXPECT_EQ(chars.size(), 10u);
  EXPECT_THROW(add_line_samples(U"abc", numbered(2), U"abc", words, chars), Error);
}

TEST(Calibration, CheckFitsOnEvenWordsAndMeasuresOddOnes) {
  auto words = synthetic(20001, 3), chars = synthetic(5000, 4);
  const CalibrationCheck c = fit_and_check_calibration(words, chars, 10);
  EXPECT_EQ(c.fitted_words, 10001u);
  EXPECT_NEAR(c.calibration.scale, 0.5, 0.1);
  EXPECT_NEAR(c.calibration.peak, 1.0, 0.1);
  EXPECT_NEAR(c.calibration.bias, -0.3, 0.15);
  // The fit is the one of the even-numbered words alone.
  std::vector<CalibrationSample> even, odd;
  for (size_t i = 0; i < words.size(); ++i) (i % 2 ? odd : even).push_back(words[i]);
  const Calibration direct = fit_calibration(even);
  EXPECT_FLOAT_EQ(c.calibration.scale, direct.scale);
  EXPECT_FLOAT_EQ(c.calibration.bias, direct.bias);

  EXPECT_EQ(c.raw_words.items, 10000u);
  EXPECT_EQ(c.words.items, 10000u);
  EXPECT_EQ(c.chars.items, 5000u);
  for (const ReliabilityTable* t : {&c.raw_words, &c.words, &c.chars}) {
    int64_t n = 0;
    double ece = 0;
    for (const auto& b : t->bins) {
      EXPECT_GT(b.count, 0);
      EXPECT_GE(b.reported, b.lo - 1e-9);
      EXPECT_LE(b.reported, b.hi + 1e-9);
      n += b.count;
      ece += std::abs(b.reported - b.observed) * b.count;
    }
    EXPECT_EQ(n, int64_t(t->items));
    EXPECT_NEAR(t->ece, ece / n, 1e-9);
  }
  // The raw map is off; the fitted one is calibrated on items it was not fitted on.
  EXPECT_GT(c.raw_words.ece, 0.05);
  EXPECT_LT(c.words.ece, 0.02);
  EXPECT_LT(c.chars.ece, 0.03);
  double odd_ece = 0;
  reliability(odd, direct, 10, &odd_ece);
  EXPECT_NEAR(c.words.ece, odd_ece, 1e-12);

  EXPECT_THROW(fit_and_check_calibration({}, chars, 10), Error);
}

}  // namespace
}  // namespace ocr
