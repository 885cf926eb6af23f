#include "ocr/ctc/ctc_loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ocr/core/error.h"
#include "ocr/core/rng.h"

namespace ocr {
namespace {

// Column-wise log-softmax of random logits; scale sets how peaked the frames are.
Matrix random_log_probs(int K, int T, Rng& rng, double scale = 2.0) {
  Matrix m(K, T);
  for (int t = 0; t < T; ++t) {
    double mx = -1e300;
    std::vector<double> z(K);
    for (int k = 0; k < K; ++k) mx = std::max(mx, z[k] = rng.normal(0, scale));
    double sum = 0;
    for (int k = 0; k < K; ++k) sum += std::exp(z[k] - mx);
    for (int k = 0; k < K; ++k) m(k, t) = static_cast<Scalar>(z[k] - mx - std::log(sum));
  }
  return m;
}

std::vector<int> collapse(const std::vector<int>& path) {
  std::vector<int> out;
  int prev = -1;
  for (int c : path) {
    if (c != prev && c != 0) out.push_back(c);
    prev = c;
  }
  return out;
}

// Enumerates all K^T frame paths: p(labels) = Σ over paths collapsing to labels of Π p(path_t),
// and d(−log p)/d log p(k, t) = −(mass of those paths through k at t) / p.
double brute_force(const Matrix& lp, const std::vector<int>& labels, Matrix* grad) {
  const int K = static_cast<int>(lp.rows()), T = static_cast<int>(lp.cols());
  std::vector<int> path(T, 0);
  double total = 0;
  std::vector<double> through(static_cast<size_t>(K) * T, 0.0);
  for (;;) {
    if (collapse(path) == labels) {
      double logp = 0;
      for (int t = 0; t < T; ++t) logp += lp(path[t], t);
      const double p = std::exp(logp);
      total += p;
      for (int t = 0; t < T; ++t) through[static_cast<size_t>(t) * K + path[t]] += p;
    }
    int t = 0;
    while (t < T && ++path[t] == K) path[t++] = 0;
    if (t == T) break;
  }
  grad->setZero(K, T);
  for (int t = 0; t < T; ++t)
    for (int k = 0; k < K; ++k)
      (*grad)(k, t) = static_cast<Scalar>(-through[static_cast<size_t>(t) * K + k] / total);
  return -std::log(total);
}

TEST(CtcLoss, MinFramesCountsRepeats) {
  EXPECT_EQ(ctc_min_frames({}), 0);
  EXPECT_EQ(ctc_min_frames({1, 2, 3}), 3);
  EXPECT_EQ(ctc_min_frames({1, 1}), 3);
  EXPECT_EQ(ctc_min_frames({1, 1, 1, 2, 2}), 8);
  EXPECT_EQ(ctc_min_frames({1, 2, 1}), 3);
}

// Two frames, each [a: 0.4, blank: 0.6]: p("a") = 0.4·0.4 + 0.4·0.6 + 0.6·0.4 = 0.64.
TEST(CtcLoss, MiniExample) {
  Matrix lp(2, 2);
  lp << std::log(0.6), std::log(0.6), std::log(0.4), std::log(0.4);
  Matrix grad;
  EXPECT_NEAR(ctc_loss(lp, {1}, &grad), -std::log(0.64), 1e-6);
  // Occupancy of "a" at frame 0: paths aa + a_ = 0.4 / 0.64.
  EXPECT_NEAR(grad(1, 0), -0.4 / 0.64, 1e-6);
  EXPECT_NEAR(grad(0, 0), -0.24 / 0.64, 1e-6);
  EXPECT_NEAR(grad(1, 1), -0.4 / 0.64, 1e-6);
  // The empty label: only the all-blank path.
  EXPECT_NEAR(ctc_loss(lp, {}, &grad), -2 * std::log(0.6), 1e-6);
  EXPECT_FLOAT_EQ(grad(0, 0), -1);
  EXPECT_FLOAT_EQ(grad(1, 1), 0);
}

TEST(CtcLoss, MatchesBruteForceEnumeration) {
  Rng rng(7);
  int cases = 0;
  for (int K = 2; K <= 4; ++K)
    for (int T = 1; T <= 6; ++T)
      for (int rep = 0; rep < 6; ++rep) {
        const int L = static_cast<int>(rng.integer(0, T));
        std::vector<int> labels(L);
        for (int& l : labels) l = static_cast<int>(rng.integer(1, K - 1));
        if (ctc_min_frames(labels) > T) continue;
        const Matrix lp = random_log_probs(K, T, rng);
        Matrix want_grad, grad;
        const double want = brute_force(lp, labels, &want_grad);
        const double got = ctc_loss(lp, labels, &grad);
        SCOPED_TRACE("K=" + std::to_string(K) + " T=" + std::to_string(T) +
                     " L=" + std::to_string(L));
        EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, want));
        EXPECT_NEAR(ctc_loss(lp, labels), got, 1e-12);  // the no-gradient path agrees
        ASSERT_EQ(grad.rows(), K);
        ASSERT_EQ(grad.cols(), T);
        EXPECT_LT((grad - want_grad).cwiseAbs().maxCoeff(), 1e-6);
        ++cases;
      }
  EXPECT_GT(cases, 60);
}

// Repeated labels are the case where the skip transition must be forbidden.
TEST(CtcLoss, RepeatsNeedABlankBetween) {
  Rng rng(3);
  const Matrix lp = random_log_probs(3, 3, rng);
  // T = 3 fits "aa" only as a, blank, a.
  const double want = -(lp(1, 0) + lp(0, 1) + lp(1, 2));
  Matrix grad;
  EXPECT_NEAR(ctc_loss(lp, {1, 1}, &grad), want, 1e-6);
  EXPECT_FLOAT_EQ(grad(1, 0), -1);
  EXPECT_FLOAT_EQ(grad(0, 1), -1);
  EXPECT_FLOAT_EQ(grad(1, 2), -1);
}

TEST(CtcLoss, UnfittableLabelsThrowWithTheNumbers) {
  Rng rng(1);
  const Matrix lp = random_log_probs(4, 2, rng);
  try {
    ctc_loss(lp, {1, 1});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("at least 3 frames"), std::string::npos) << msg;
    EXPECT_NE(msg.find("got 2"), std::string::npos) << msg;
  }
  EXPECT_THROW(ctc_loss(lp, {1, 2, 3}), ShapeError);
  EXPECT_THROW(ctc_loss(lp, {4}), ShapeError);  // K = 4: labels are 1..3
  EXPECT_THROW(ctc_loss(lp, {0}), ShapeError);  // blank is not a label
  EXPECT_THROW(ctc_loss(Matrix(4, 0), {1}), ShapeError);
  Matrix grad;
  EXPECT_EQ(ctc_loss(Matrix(4, 0), {}, &grad), 0.0);
}

TEST(CtcLoss, NaNInputIsAnError) {
  Rng rng(1);
  Matrix lp = random_log_probs(3, 5, rng);
  lp(1, 2) = std::numeric_limits<Scalar>::quiet_NaN();
  try {
    ctc_loss(lp, {1});
    FAIL() << "expected an error";
  } catch (const ShapeError&) {
    FAIL() << "a NaN is not a shape problem";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NaN at class 1, frame 2"), std::string::npos) << e.what();
  }
  // A NaN in a class the labels never use cannot affect the loss.
  EXPECT_NO_THROW(ctc_loss(lp, {2}));
}

// Long double log-space forward over the whole lattice, no band, no rescaling: a second route.
long double reference_loss(const Matrix& lp, const std::vector<int>& labels) {
  const int T = static_cast<int>(lp.cols()), S = 2 * static_cast<int>(labels.size()) + 1;
  auto cls = [&](int s) { return s % 2 ? labels[s / 2] : 0; };
  const long double ninf = -std::numeric_limits<long double>::infinity();
  auto lse = [&](long double a, long double b) {
    if (a < b) std::swap(a, b);
    return b == ninf ? a : a + std::log1p(std::exp(b - a));
  };
  std::vector<long double> a(S, ninf), n(S);
  a[0] = lp(0, 0);
  if (S > 1) a[1] = lp(cls(1), 0);
  for (int t = 1; t < T; ++t) {
    for (int s = 0; s < S; ++s) {
      long double v = a[s];
      if (s >= 1) v = lse(v, a[s - 1]);
      if (s >= 2 && cls(s) != 0 && cls(s) != cls(s - 2)) v = lse(v, a[s - 2]);
      n[s] = v + lp(cls(s), t);
    }
    a.swap(n);
  }
  return -(S > 1 ? lse(a[S - 1], a[S - 2]) : a[S - 1]);
}

TEST(CtcLoss, StableForLongSequencesWithRepeats) {
  Rng rng(11);
  for (int T : {2000, 2600}) {
    const int K = 6;
    // Peaked frames (scale 8) make per-frame probabilities tiny: p(labels) ~ e^-several-thousand.
    const Matrix lp = random_log_probs(K, T, rng, 8.0);
    std::vector<int> labels;
    while (static_cast<int>(labels.size()) < T / 8) {
      const int c = static_cast<int>(rng.integer(1, K - 1));
      labels.push_back(c);
      if (rng.chance(0.3)) labels.push_back(c);  // plenty of adjacent repeats
    }
    Matrix grad;
    const double loss = ctc_loss(lp, labels, &grad);
    ASSERT_TRUE(std::isfinite(loss));
    ASSERT_TRUE(grad.allFinite());
    const long double want = reference_loss(lp, labels);
    EXPECT_GT(want, 1000.0L);  // far beyond what plain probabilities could represent
    EXPECT_NEAR(loss, static_cast<double>(want), 1e-9 * static_cast<double>(want));
    // Each frame is occupied by exactly one state: occupancies sum to one.
    for (int t = 0; t < T; t += 97) EXPECT_NEAR(grad.col(t).sum(), -1.0, 1e-5);
  }
}

// The benchmark shape (T = 1000, K = 200, 100 labels) with peaked frames that ignore the labels:
// p(labels) ~ e^-21000, with alignments that look hopeless early and dominate later. Rescaling
// each frame to sum 1 flushes those and was off by ~280 nats here; the result must be exact.
TEST(CtcLoss, BadlyFittingLongLine) {
  Rng rng(1);
  const Matrix lp = random_log_probs(200, 1000, rng, 10.0);
  std::vector<int> labels(100);
  for (int& l : labels) l = static_cast<int>(rng.integer(1, 199));
  Matrix grad;
  const double loss = ctc_loss(lp, labels, &grad);
  const double want = static_cast<double>(reference_loss(lp, labels));
  EXPECT_GT(want, 10000);
  EXPECT_NEAR(loss, want, 1e-9 * want);
  for (int t = 0; t < 1000; t += 37) EXPECT_NEAR(grad.col(t).sum(), -1.0, 1e-5);
}

// Random sizes, label sets with repeats, flat to very peaked frames, labels unrelated to the
// frames (p(labels) ~ e^-thousands): the loss must match the long double reference.
TEST(CtcLoss, MatchesReferenceOnRandomCases) {
  Rng rng(5);
  for (int rep = 0; rep < 40; ++rep) {
    const int K = static_cast<int>(rng.integer(2, 30));
    const int T = static_cast<int>(rng.integer(1, 120));
    std::vector<int> labels;
    const int L = static_cast<int>(rng.integer(0, T));
    for (int i = 0; i < L; ++i) {
      labels.push_back(static_cast<int>(rng.integer(1, std::min(K - 1, 4))));
      if (ctc_min_frames(labels) > T) {
        labels.pop_back();
        break;
      }
    }
    const Matrix lp = random_log_probs(K, T, rng, rng.uniform(0.5, 10));
    Matrix grad;
    const double got = ctc_loss(lp, labels, &grad);
    const double want = static_cast<double>(reference_loss(lp, labels));
    EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, want));
    EXPECT_EQ(ctc_loss(lp, labels), got);
    ASSERT_TRUE(grad.allFinite());
    for (int t = 0; t < T; ++t) EXPECT_NEAR(grad.col(t).sum(), -1.0, 1e-5);
  }
}

// A label the network gives e^-900 everywhere would underflow any probability-space recursion:
// one frame of the label among ten gives exactly 900 − ln 10 (runs of two cost e^-1800 more).
TEST(CtcLoss, ExtremeLogProbsStayExact) {
  const int T = 10;
  Matrix lp(3, T);
  lp.row(0).setZero();
  lp.row(1).setConstant(-900);
  lp.row(2).setZero();
  Matrix grad;
  const double loss = ctc_loss(lp, {1}, &grad);
  EXPECT_NEAR(loss, 900 - std::log(10.0), 1e-6);
  for (int t = 0; t < T; ++t) {
    EXPECT_NEAR(grad(1, t), -0.1, 1e-6);
    EXPECT_NEAR(grad(0, t), -0.9, 1e-6);
    EXPECT_EQ(grad(2, t), 0);
  }
  // A class masked to −inf is a large finite penalty (1e5 per frame), never inf or NaN.
  lp.row(1).setConstant(-std::numeric_limits<Scalar>::infinity());
  const double masked = ctc_loss(lp, {1}, &grad);
  EXPECT_NEAR(masked, 1e5 - std::log(10.0), 1e-6);
  EXPECT_TRUE(grad.allFinite());
}

TEST(CtcLoss, ReusesItsWorkspaceAcrossSizes) {
  // Alternating big and small problems must not leave stale state behind.
  Rng rng(9);
  const Matrix big = random_log_probs(50, 300, rng), small = random_log_probs(5, 7, rng);
  std::vector<int> big_labels(60);
  for (int& l : big_labels) l = static_cast<int>(rng.integer(1, 49));
  const std::vector<int> small_labels{1, 2, 2};
  const double b0 = ctc_loss(big, big_labels), s0 = ctc_loss(small, small_labels);
  EXPECT_EQ(ctc_loss(big, big_labels), b0);
  EXPECT_EQ(ctc_loss(small, small_labels), s0);
  Matrix want;
  EXPECT_NEAR(s0, brute_force(small, small_labels, &want), 1e-9);
}

}  // namespace
}  // namespace ocr
