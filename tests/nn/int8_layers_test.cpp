// Layers prepared for int8 inference against their float twins. A convolution: the same map
// within the error the 8-bit steps of weights and inputs allow, on several chunks, padded batch
// columns, dilation, and inputs of one sign (after a ReLU) or both. An LSTM, whose input
// projection alone runs in int8: the same outputs within a small error after many steps; a GRU
// (input projection and recurrence in int8) the same.
#include <algorithm>
#include <optional>

#include <gtest/gtest.h>

#include "ocr/core/precision.h"
#include "ocr/core/rng.h"
#include "ocr/nn/layers/conv2d.h"
#include "ocr/nn/layers/gru.h"
#include "ocr/nn/layers/lstm.h"
#include "ocr/nn/layers/max_pool.h"
#include "ocr/nn/layers/relu.h"
#include "ocr/nn/layers/residual.h"
#include "ocr/nn/layers/sequential.h"

namespace ocr {
namespace {

Activations random_batch(Rng& rng, int channels, int height, std::vector<int> widths, double lo) {
  Activations a;
  int w = 0;
  for (int x : widths) w = std::max(w, x);
  a.resize(channels, int(widths.size()), height, w, widths);
  for (Index i = 0; i < a.data.size(); ++i) a.data.data()[i] = Scalar(std::max(lo, rng.normal()));
  a.zero_padding();
  return a;
}

class Int8ConvSweep : public ::testing::TestWithParam<std::tuple<int, int, int, int, int>> {};

TEST_P(Int8ConvSweep, StaysCloseToFloat) {
  auto [kh, kw, cin, cout, d] = GetParam();
  const Precision before = inference_precision();
  for (double lo : {0.0, -1e9}) {
    Rng rng(kh * 1000 + kw * 100 + cin * 10 + d);
    Conv2d f(kh, kw, cin, cout, d), q(kh, kw, cin, cout, d);
    f.init_params(rng);
    f.bias().setRandom();
    q.weight() = f.weight();
    q.bias() = f.bias();
    set_inference_precision(Precision::Float);
    f.prepare_inference();
    set_inference_precision(Precision::Int8);
    q.prepare_inference();
    set_inference_precision(before);
    if (!q.uses_int8()) GTEST_SKIP() << "no AVX512-VNNI on this CPU";
    ASSERT_FALSE(f.uses_int8());
    // 600 columns of up to 8 rows: several chunks of the widest patch.
    Activations in = random_batch(rng, cin, 8, {75, 40, 3, 75}, lo);
    Activations yf, yq;
    f.forward(in, yf, Mode::Infer);
    q.forward(in, yq, Mode::Infer);
    ASSERT_EQ(yf.data.rows(), yq.data.rows());
    ASSERT_EQ(yf.data.cols(), yq.data.cols());
    // 255 steps over the input's range and 127 over each weight row's: a few per cent of the
    // typical output at most (measured: 0.6-0.8 % of the norm, 0.9-1.1 % with both signs).
    const double rel = double((yq.data - yf.data).norm() / yf.data.norm());
    EXPECT_LT(rel, 0.025) << (lo == 0 ? "non-negative input" : "input of both signs");
    EXPECT_LT(double((yq.data - yf.data).cwiseAbs().maxCoeff()), 0.05 * double(yf.data.cwiseAbs().maxCoeff()));
    // The padding columns of the batch stay zero.
    for (int n = 0; n < in.batch; ++n)
      for (int x = in.widths[size_t(n)]; x < in.width; ++x)
        for (int y = 0; y < in.height; ++y)
          ASSERT_EQ(yq.data.col(yq.column(x, n, y)).cwiseAbs().maxCoeff(), 0) << x << "," << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Int8ConvSweep,
                         ::testing::Values(std::make_tuple(3, 3, 16, 32, 1), std::make_tuple(3, 3, 64, 64, 1),
                                           // Channels in fours: the padded path without im2col.
                                           std::make_tuple(3, 3, 8, 16, 1), std::make_tuple(3, 3, 32, 32, 4),
                                           std::make_tuple(3, 3, 8, 8, 2), std::make_tuple(1, 1, 8, 16, 1),
                                           std::make_tuple(5, 3, 4, 7, 1), std::make_tuple(3, 5, 12, 5, 3),
                                           std::make_tuple(1, 1, 6, 2, 1), std::make_tuple(3, 3, 5, 17, 2),
                                           std::make_tuple(5, 3, 3, 7, 1)));

// The ranges layers hand the next int8 convolution (so that it need not read its input once more
// to find them) are the exact ones: min(0, least) and max(0, greatest) of the map as written, by a
// one-channel convolution and an int8 one with fused ReLUs, a pooling and a residual block's
// fused ReLU; a block without one, or a layer with nothing to tell, tells nothing.
TEST(Int8Ranges, HandedOnRangesAreExact) {
  const Precision before = inference_precision();
  set_inference_precision(Precision::Int8);
  Rng rng(21);
  auto exact = [](const Activations& a, const char* what) {
    ASSERT_TRUE(a.range_known) << what;
    EXPECT_EQ(a.range_lo, std::min(0.0f, float(a.data.minCoeff()))) << what;
    EXPECT_EQ(a.range_hi, std::max(0.0f, float(a.data.maxCoeff()))) << what;
  };
  Conv2d first(3, 3, 1, 8);
  first.init_params(rng);
  first.bias().setRandom();
  first.fuse_relu();
  first.prepare_inference();
  Activations image = random_batch(rng, 1, 16, {40, 23}, -1e9), a, b, c;
  first.forward(image, a, Mode::Infer);
  exact(a, "one-channel convolution");
  MaxPool pool(2, 2);
  pool.forward(a, b, Mode::Infer);
  exact(b, "pooling");
  Conv2d second(3, 3, 8, 16);
  second.init_params(rng);
  second.bias().setRandom();
  second.fuse_relu();
  second.prepare_inference();
  second.forward(b, c, Mode::Infer);
  if (second.uses_int8()) exact(c, "int8 convolution");
  // The same input without its range reads the same: the range was the one it would have found.
  Activations b_unknown = b, c2;
  b_unknown.range_known = false;
  second.forward(b_unknown, c2, Mode::Infer);
  EXPECT_EQ((c2.data - c.data).cwiseAbs().maxCoeff(), 0);
  for (bool fused : {true, false}) {
    auto body = std::make_unique<Sequential>();
    auto conv = std::make_unique<Conv2d>(3, 3, 16, 16);
    conv->init_params(rng);
    body->add(std::move(conv));
    Residual block(std::move(body), std::make_unique<Sequential>());
    if (fused) block.fuse_relu();
    block.prepare_inference();
    Activations d;
    block.forward(c, d, Mode::Infer);
    if (fused) exact(d, "residual block");
    else EXPECT_FALSE(d.range_known);
  }
  // A map of both signs after a pooling: no range (the pooling knows only non-negative maps').
  Activations signed_map = random_batch(rng, 8, 8, {20}, -1e9), pooled;
  pool.forward(signed_map, pooled, Mode::Infer);
  EXPECT_FALSE(pooled.range_known);
  set_inference_precision(before);
}

// A recurrent layer and its twin with the same weights, prepared for float and for int8
// inference, on a batch (the recurrence through the block kernel) and one line (through its
// one-column path): the int8 outputs within the given error, the padding frames zero. Returns the
// largest difference seen, or nothing when this CPU has no int8 kernel.
template <class Rnn>
std::optional<double> int8_stays_close_to_float(uint64_t seed) {
  const Precision before = inference_precision();
  Rng rng(seed);
  Rnn f(48, 32), q(48, 32);
  f.init_params(rng);
  ParamList pf, pq;
  f.collect_params(pf, "");
  q.collect_params(pq, "");
  for (size_t i = 0; i < pf.size(); ++i) *pq[i].value = *pf[i].value;
  set_inference_precision(Precision::Float);
  f.prepare_inference();
  set_inference_precision(Precision::Int8);
  q.prepare_inference();
  set_inference_precision(before);
  if (!q.uses_int8()) return std::nullopt;
  EXPECT_FALSE(f.uses_int8());
  double largest = 0;
  for (const std::vector<int>& widths : {std::vector<int>{200, 120, 7}, std::vector<int>{200}}) {
    Activations in = random_batch(rng, 48, 1, widths, -1e9);
    Activations yf, yq;
    f.forward(in, yf, Mode::Infer);
    q.forward(in, yq, Mode::Infer);
    const double rel = double((yq.data - yf.data).norm() / yf.data.norm());
    const double worst = double((yq.data - yf.data).cwiseAbs().maxCoeff());
    EXPECT_LT(rel, 0.03) << widths.size();
    EXPECT_LT(worst, 0.1) << widths.size();
    largest = std::max(largest, worst);
    for (int n = 0; n < in.batch; ++n)  // the padding frames stay zero
      for (int x = in.widths[size_t(n)]; x < in.width; ++x)
        EXPECT_EQ(yq.data.col(yq.column(x, n, 0)).cwiseAbs().maxCoeff(), 0) << x << "," << n;
  }
  return largest;
}

// Measured, the LSTM's input projection and recurrence in int8: 1.1 % of the norm, at most 0.017
// (the batch) and 0.012 (one line) on outputs in (-1, 1), after 200 steps.
TEST(Int8Lstm, StaysCloseToFloat) {
  if (!int8_stays_close_to_float<Lstm>(41)) GTEST_SKIP() << "no AVX512-VNNI on this CPU";
}

TEST(Int8Gru, StaysCloseToFloat) {
  const std::optional<double> worst = int8_stays_close_to_float<Gru>(43);
  if (!worst) GTEST_SKIP() << "no AVX512-VNNI on this CPU";
  EXPECT_GT(*worst, 0.0) << "the int8 path should differ a little";
}

}  // namespace
}  // namespace ocr
