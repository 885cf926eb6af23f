#include "ocr/ctc/greedy_decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ocr/core/error.h"
#include "ocr/core/rng.h"

namespace ocr {
namespace {

// Frames given as probabilities (columns), stored as logs.
Matrix frames(std::initializer_list<std::initializer_list<double>> cols) {
  const int T = static_cast<int>(cols.size()), K = static_cast<int>(cols.begin()->size());
  Matrix m(K, T);
  int t = 0;
  for (const auto& c : cols) {
    int k = 0;
    for (double p : c) m(k++, t) = static_cast<Scalar>(std::log(p));
    ++t;
  }
  return m;
}

TEST(GreedyDecoder, CollapsesRunsAndKeepsRepeatsSeparatedByBlank) {
  // Classes: blank, a, b. Best path: a a _ a b b _  →  "a a b" (two a's: the blank splits them).
  const Matrix lp = frames({{0.1, 0.8, 0.1},
                            {0.3, 0.6, 0.1},
                            {0.7, 0.2, 0.1},
                            {0.2, 0.5, 0.3},
                            {0.1, 0.2, 0.7},
                            {0.05, 0.05, 0.9},
                            {0.9, 0.05, 0.05}});
  const Hypothesis h = GreedyDecoder().decode(lp);
  ASSERT_EQ(h.label_ids(), (std::vector<int>{1, 1, 2}));
  EXPECT_EQ(h.labels[0].first_frame, 0);
  EXPECT_EQ(h.labels[0].last_frame, 1);
  EXPECT_FLOAT_EQ(h.labels[0].confidence, 0.8f);  // peak of the run (0.8, 0.6)
  EXPECT_EQ(h.labels[1].first_frame, 3);
  EXPECT_EQ(h.labels[1].last_frame, 3);
  EXPECT_FLOAT_EQ(h.labels[1].confidence, 0.5f);
  EXPECT_EQ(h.labels[2].first_frame, 4);
  EXPECT_EQ(h.labels[2].last_frame, 5);
  EXPECT_FLOAT_EQ(h.labels[2].confidence, 0.9f);
  const double want = std::log(0.8 * 0.6 * 0.7 * 0.5 * 0.7 * 0.9 * 0.9);
  EXPECT_NEAR(h.log_prob, want, 1e-5);
}

// The mini example: greedy reads "" (blank wins each frame) although p("a") = 0.64 > p("") = 0.36.
TEST(GreedyDecoder, MiniExampleReadsNothing) {
  const Matrix lp = frames({{0.6, 0.4}, {0.6, 0.4}});
  const Hypothesis h = GreedyDecoder().decode(lp);
  EXPECT_TRUE(h.labels.empty());
  EXPECT_NEAR(h.log_prob, 2 * std::log(0.6), 1e-6);
}

TEST(GreedyDecoder, EmptyInput) {
  const Hypothesis h = GreedyDecoder().decode(Matrix(5, 0));
  EXPECT_TRUE(h.labels.empty());
  EXPECT_EQ(h.log_prob, 0);
}

TEST(GreedyDecoder, MaskedLabelsYieldToTheBestAllowedOne) {
  // Classes: blank, a, b, c. Frame 1 prefers b, but b is denied: c (0.3) beats blank (0.2).
  const Matrix lp = frames({{0.1, 0.7, 0.1, 0.1},
                            {0.2, 0.1, 0.4, 0.3},
                            {0.8, 0.1, 0.05, 0.05}});
  EXPECT_EQ(GreedyDecoder().decode(lp).label_ids(), (std::vector<int>{1, 2}));
  const Hypothesis h = GreedyDecoder({true, true, false, true}).decode(lp);
  EXPECT_EQ(h.label_ids(), (std::vector<int>{1, 3}));
  EXPECT_FLOAT_EQ(h.labels[1].confidence, 0.3f);
  EXPECT_NEAR(h.log_prob, std::log(0.7 * 0.3 * 0.8), 1e-5);
  // The blank cannot be masked: the decoder forces it back on.
  EXPECT_EQ(GreedyDecoder({false, true, true, true}).decode(lp).label_ids(),
            (std::vector<int>{1, 2}));
  // Allow-list only a: frame 1 falls back to blank (0.2 > a's 0.1).
  EXPECT_EQ(GreedyDecoder({true, true, false, false}).decode(lp).label_ids(),
            (std::vector<int>{1}));
  EXPECT_THROW(GreedyDecoder({true, true}).decode(lp), ShapeError);
}

// Posteriors synthesised from a known label string (runs of varying width, blanks between
// repeats, padding at both ends, noise) decode back to it, with frames placed where they were put.
TEST(GreedyDecoder, RoundTripFromSynthesisedPosteriors) {
  Rng rng(42);
  const int K = 12;
  for (int rep = 0; rep < 20; ++rep) {
    std::vector<int> labels(static_cast<size_t>(rng.integer(0, 15)));
    for (int& l : labels) l = static_cast<int>(rng.integer(1, K - 1));
    std::vector<int> path(static_cast<size_t>(rng.integer(0, 4)), 0);  // left padding
    std::vector<std::pair<int, int>> spans;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0 && (labels[i] == labels[i - 1] || rng.chance(0.5)))
        path.insert(path.end(), static_cast<size_t>(rng.integer(1, 3)), 0);
      const int first = static_cast<int>(path.size());
      path.insert(path.end(), static_cast<size_t>(rng.integer(1, 4)), labels[i]);
      spans.emplace_back(first, static_cast<int>(path.size()) - 1);
    }
    path.insert(path.end(), static_cast<size_t>(rng.integer(0, 4)), 0);  // right padding
    Matrix lp(K, static_cast<Index>(path.size()));
    for (Index t = 0; t < lp.cols(); ++t) {
      double sum = 0;
      for (int k = 0; k < K; ++k) {
        const double v = rng.uniform(0.0, 0.5) + (k == path[t] ? 2.0 : 0.0);
        lp(k, t) = static_cast<Scalar>(v);
        sum += v;
      }
      for (int k = 0; k < K; ++k) lp(k, t) = static_cast<Scalar>(std::log(lp(k, t) / sum));
    }
    const Hypothesis h = GreedyDecoder().decode(lp);
    ASSERT_EQ(h.label_ids(), labels);
    for (size_t i = 0; i < labels.size(); ++i) {
      EXPECT_EQ(h.labels[i].first_frame, spans[i].first);
      EXPECT_EQ(h.labels[i].last_frame, spans[i].second);
      EXPECT_GT(h.labels[i].confidence, 0.0f);
      EXPECT_LE(h.labels[i].confidence, 1.0f);
    }
  }
}

}  // namespace
}  // namespace ocr
