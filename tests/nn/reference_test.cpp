// The fast layers (im2col + GEMM, batched and threaded) against plain loops, and batched
// padded execution against one line at a time.
#include <algorithm>

#include <gtest/gtest.h>

#include "common/reference_ops.h"
#include "ocr/core/gemm_bf16.h"
#include "ocr/core/rng.h"
#include "ocr/core/threads.h"
#include "ocr/nn/layers/conv2d.h"
#include "ocr/nn/layers/gru.h"
#include "ocr/nn/layers/lstm.h"
#include "ocr/nn/layers/max_pool.h"
#include "ocr/nn/network.h"

namespace ocr {
namespace {

Activations random_batch(Rng& rng, int channels, int height, std::vector<int> widths) {
  Activations a;
  int w = 0;
  for (int x : widths) w = std::max(w, x);
  a.resize(channels, int(widths.size()), height, w, widths);
  for (Index i = 0; i < a.data.size(); ++i) a.data.data()[i] = Scalar(rng.normal());
  a.zero_padding();
  return a;
}

// Gives `to` the parameters of `from` (same spec): twin networks for comparing two code paths.
void copy_params(Network& from, Network& to) {
  auto src = from.params(), dst = to.params();
  ASSERT_EQ(src.size(), dst.size());
  for (size_t i = 0; i < src.size(); ++i) *dst[i].value = *src[i].value;
}

class ConvSweep : public ::testing::TestWithParam<std::tuple<int, int, int, int>> {};

// The convolution's output against plain loops over its weights and input, each value first
// passed through `operand` (identity, or rounding to bf16 for that path).
template <class Operand>
void expect_conv_matches_loops(Conv2d& conv, int kh, int kw, const Activations& in, const Activations& out,
                               Operand operand) {
  const int cin = in.channels(), cout = out.channels(), H = in.height;
  const Matrix weight = conv.weight().unaryExpr([&](Scalar v) { return Scalar(operand(v)); });
  for (int n = 0; n < in.batch; ++n) {
    test::Image3 img(size_t(cin), std::vector<std::vector<double>>(size_t(H), std::vector<double>(size_t(in.widths[n]), 0.0)));
    for (int c = 0; c < cin; ++c)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < in.widths[n]; ++x) img[size_t(c)][size_t(y)][size_t(x)] = operand(in.data(c, in.column(x, n, y)));
    auto ref = test::reference_conv(img, weight, conv.bias(), kh, kw, conv.dilation());
    for (int o = 0; o < cout; ++o)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < in.width; ++x) {
          double expect = x < in.widths[n] ? ref[size_t(o)][size_t(y)][size_t(x)] : 0.0;
          ASSERT_NEAR(out.data(o, out.column(x, n, y)), expect, 1e-4)
              << "o=" << o << " y=" << y << " x=" << x << " n=" << n;
        }
  }
}

TEST_P(ConvSweep, MatchesPlainLoops) {
  auto [kh, kw, cin, cout] = GetParam();
  Rng rng(kh * 100 + kw * 10 + cin);
  Conv2d conv(kh, kw, cin, cout);
  conv.init_params(rng);
  conv.bias().setRandom();
  // Wide enough for several im2col chunks once the patch has 45 values or more.
  Activations in = random_batch(rng, cin, 5, {300, 170, 1});
  Activations out;
  conv.forward(in, out, Mode::Infer);
  expect_conv_matches_loops(conv, kh, kw, in, out, [](Scalar v) { return double(v); });
}

// The bfloat16 path of a prepared convolution against the same plain loops over the rounded
// weights and inputs: only the order of the float sums may differ.
TEST_P(ConvSweep, Bf16MatchesPlainLoopsOnRoundedOperands) {
  auto [kh, kw, cin, cout] = GetParam();
  Rng rng(kh * 100 + kw * 10 + cin);
  Conv2d conv(kh, kw, cin, cout);
  conv.init_params(rng);
  conv.bias().setRandom();
  set_bf16_inference(true);
  conv.prepare_inference();
  if (!conv.uses_bf16()) GTEST_SKIP() << "no AVX512-BF16 in this build";
  Activations in = random_batch(rng, cin, 5, {300, 170, 1});
  Activations out;
  conv.forward(in, out, Mode::Infer);
  expect_conv_matches_loops(conv, kh, kw, in, out, [](Scalar v) { return double(from_bf16(to_bf16(float(v)))); });
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvSweep,
                         ::testing::Values(std::make_tuple(3, 3, 1, 4), std::make_tuple(3, 3, 1, 16),
                                           std::make_tuple(3, 3, 1, 8), std::make_tuple(5, 3, 1, 32),
                                           std::make_tuple(3, 3, 5, 3),
                                           std::make_tuple(1, 1, 6, 2), std::make_tuple(3, 1, 2, 2),
                                           std::make_tuple(5, 3, 3, 7)));

// Dilated convolutions (kh, kw, in, out, dilation) on maps 11 rows high, so that some taps of
// every dilation fall outside the image at the top and bottom, and on padded batch columns.
class DilatedConvSweep : public ::testing::TestWithParam<std::tuple<int, int, int, int, int>> {};

TEST_P(DilatedConvSweep, MatchesPlainLoops) {
  auto [kh, kw, cin, cout, d] = GetParam();
  Rng rng(kh * 1000 + kw * 100 + cin * 10 + d);
  Conv2d conv(kh, kw, cin, cout, d);
  conv.init_params(rng);
  conv.bias().setRandom();
  Activations in = random_batch(rng, cin, 11, {120, 37, 2, 90});
  Activations out;
  conv.forward(in, out, Mode::Infer);
  expect_conv_matches_loops(conv, kh, kw, in, out, [](Scalar v) { return double(v); });
  // Train mode always takes im2col + GEMM (inference of a 1-channel input sums its taps
  // directly): the same sums, up to their order.
  Activations trained;
  conv.forward(in, trained, Mode::Train);
  expect_conv_matches_loops(conv, kh, kw, in, trained, [](Scalar v) { return double(v); });
  EXPECT_LT((trained.data - out.data).cwiseAbs().maxCoeff(), 1e-5);
}

TEST_P(DilatedConvSweep, Bf16MatchesPlainLoopsOnRoundedOperands) {
  auto [kh, kw, cin, cout, d] = GetParam();
  Rng rng(kh * 1000 + kw * 100 + cin * 10 + d);
  Conv2d conv(kh, kw, cin, cout, d);
  conv.init_params(rng);
  conv.bias().setRandom();
  set_bf16_inference(true);
  conv.prepare_inference();
  if (!conv.uses_bf16()) GTEST_SKIP() << "no AVX512-BF16 in this build";
  Activations in = random_batch(rng, cin, 11, {120, 37, 2, 90});
  Activations out;
  conv.forward(in, out, Mode::Infer);
  expect_conv_matches_loops(conv, kh, kw, in, out, [](Scalar v) { return double(from_bf16(to_bf16(float(v)))); });
}

INSTANTIATE_TEST_SUITE_P(Shapes, DilatedConvSweep,
                         ::testing::Values(std::make_tuple(3, 3, 1, 4, 2), std::make_tuple(3, 3, 1, 16, 3),
                                           std::make_tuple(3, 3, 1, 8, 4), std::make_tuple(3, 3, 5, 3, 3),
                                           std::make_tuple(3, 3, 8, 6, 4), std::make_tuple(3, 1, 2, 2, 5),
                                           std::make_tuple(5, 3, 3, 7, 2), std::make_tuple(3, 3, 2, 2, 8),
                                           std::make_tuple(1, 1, 6, 2, 3)));

TEST(Reference, LstmMatchesPlainLoopsPerLine) {
  Rng rng(3);
  Lstm lstm(4, 6);
  lstm.init_params(rng);
  Activations in = random_batch(rng, 4, 1, {9, 5, 1, 7});
  Activations out;
  lstm.forward(in, out, Mode::Infer);
  ParamList p;
  lstm.collect_params(p, "");
  for (int n = 0; n < in.batch; ++n) {
    Matrix x(4, in.widths[n]);
    for (int t = 0; t < in.widths[n]; ++t) x.col(t) = in.data.col(in.column(t, n, 0));
    Matrix ref = test::reference_lstm(x, *p[0].value, *p[1].value, *p[2].value);
    for (int t = 0; t < in.width; ++t)
      for (int k = 0; k < 6; ++k) {
        double expect = t < in.widths[n] ? ref(k, t) : 0.0;
        ASSERT_NEAR(out.data(k, out.column(t, n, 0)), expect, 1e-5);
      }
  }
}

TEST(Reference, GruMatchesPlainLoopsPerLine) {
  Rng rng(13);
  Gru gru(4, 6);
  gru.init_params(rng);
  ParamList p;
  gru.collect_params(p, "");
  p[2].value->setRandom();  // biases too: they start at zero
  p[3].value->setRandom();
  Activations in = random_batch(rng, 4, 1, {9, 5, 1, 7});
  for (Mode mode : {Mode::Infer, Mode::Train}) {
    Activations out;
    gru.forward(in, out, mode);
    for (int n = 0; n < in.batch; ++n) {
      Matrix x(4, in.widths[n]);
      for (int t = 0; t < in.widths[n]; ++t) x.col(t) = in.data.col(in.column(t, n, 0));
      Matrix ref = test::reference_gru(x, *p[0].value, *p[1].value, *p[2].value, *p[3].value);
      for (int t = 0; t < in.width; ++t)
        for (int k = 0; k < 6; ++k) {
          double expect = t < in.widths[n] ? ref(k, t) : 0.0;
          ASSERT_NEAR(out.data(k, out.column(t, n, 0)), expect, 1e-5);
        }
    }
  }
}

// A whole network run on a padded batch gives each line what it gives that line alone, and the
// threaded run equals the single-threaded one.
TEST(Reference, BatchedPaddedNetworkEqualsOneLineAtATime) {
  Rng rng(4);
  Network net("C3,3,4 Bn Relu Mp2,2 R6 Se2 Mp2,1 Col Lbx5 Gbx3 O", 16, 7);
  net.init_params(rng);
  // Non-trivial batch-norm statistics so folding is exercised.
  for (auto& p : net.params())
    if (p.name.find("running_var") != std::string::npos) p.value->setConstant(Scalar(1.7));
    else if (p.name.find("running_mean") != std::string::npos) p.value->setConstant(Scalar(0.2));
  Activations batch = random_batch(rng, 1, 16, {40, 23, 64, 8});
  set_thread_count(2);
  Activations all = net.forward(batch, Mode::Infer);
  set_thread_count(1);
  Activations all_single_thread = net.forward(batch, Mode::Infer);
  EXPECT_TRUE(all.data.isApprox(all_single_thread.data, 1e-5f));
  for (int n = 0; n < batch.batch; ++n) {
    Activations one;
    one.resize(1, 1, 16, batch.widths[n], {batch.widths[n]});
    for (int x = 0; x < batch.widths[n]; ++x)
      for (int y = 0; y < 16; ++y) one.data(0, one.column(x, 0, y)) = batch.data(0, batch.column(x, n, y));
    const Activations& o = net.forward(one, Mode::Infer);
    ASSERT_EQ(o.width, batch.widths[n] / net.width_divisor());
    for (int t = 0; t < o.width; ++t)
      for (int k = 0; k < 7; ++k)
        ASSERT_NEAR(o.data(k, o.column(t, 0, 0)), all.data(k, all.column(t, n, 0)), 2e-4)
            << "line " << n << " frame " << t;
  }
  set_thread_count(0);
}

// prepare_inference folds each Bn into its convolution and fuses the Relu after it.
TEST(Reference, FoldedBatchNormAndFusedReluMatchUnfolded) {
  Rng rng(5);
  Network a("C3,3,4 Bn Relu R8 Mp2,2 Col Lbx4 O", 8, 5);
  a.init_params(rng);
  for (auto& p : a.params()) {
    if (p.name.find("running_var") != std::string::npos) p.value->setRandom(), p.value->array() += 1.5f;
    if (p.name.find("running_mean") != std::string::npos || p.name.find("beta") != std::string::npos ||
        p.name.find("gamma") != std::string::npos)
      p.value->setRandom();
  }
  Network b("C3,3,4 Bn Relu R8 Mp2,2 Col Lbx4 O", 8, 5);
  copy_params(a, b);
  set_bf16_inference(false);  // the folding itself, in float: bf16 has its own tests
  b.prepare_inference();
  set_bf16_inference(true);
  Activations in = random_batch(rng, 1, 8, {30, 17});
  Activations ya = a.forward(in, Mode::Infer);
  const Activations& yb = b.forward(in, Mode::Infer);
  ASSERT_EQ(ya.data.rows(), yb.data.rows());
  EXPECT_LT((ya.data - yb.data).cwiseAbs().maxCoeff(), 1e-4);
}

// The first convolution takes the pooling after it in a prepared net: the pooled map equals the
// convolution's map pooled, to the bit (the same sums, the same maxima), on odd widths and heights,
// a batch of ragged lines, 8 and 16 channels, poolings of 2x2, 2x1 and 1x2; and a prepared net
// keeps the unfused one's geometry and output.
TEST(Reference, ConvolutionWithItsPoolingFusedEqualsBoth) {
  struct Case {
    int kh, kw, out, ph, pw;
  };
  for (const Case& c : {Case{3, 3, 8, 2, 2}, Case{3, 3, 16, 2, 2}, Case{3, 3, 16, 2, 1}, Case{5, 3, 8, 1, 2}}) {
    Rng rng(13 + c.out);
    Conv2d conv(c.kh, c.kw, 1, c.out), fused(c.kh, c.kw, 1, c.out);
    conv.init_params(rng);
    conv.bias().setRandom();
    fused.weight() = conv.weight();
    fused.bias() = conv.bias();
    conv.fuse_relu();
    fused.fuse_relu();
    fused.fuse_pool(c.ph, c.pw);
    Activations in = random_batch(rng, 1, 11, {31, 18, 5}), full, pooled, got;
    conv.forward(in, full, Mode::Infer);
    MaxPool pool(c.ph, c.pw);
    pool.forward(full, pooled, Mode::Infer);
    fused.forward(in, got, Mode::Infer);
    ASSERT_EQ(got.data.rows(), pooled.data.rows());
    ASSERT_EQ(got.data.cols(), pooled.data.cols());
    EXPECT_EQ(got.height, pooled.height);
    EXPECT_EQ(got.widths, pooled.widths);
    EXPECT_EQ((got.data - pooled.data).cwiseAbs().maxCoeff(), 0) << c.ph << "x" << c.pw;
    EXPECT_GT(got.data.maxCoeff(), 0);
    EXPECT_EQ(fused.width_divisor(), c.pw);
    EXPECT_EQ(fused.output_height(11), 11 / c.ph);
  }
  // In a net: prepared (fused) and not, the same frames and the same outputs.
  Rng rng(3);
  Network a("C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 Col Lbx8 O", 16, 7), b("C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 Col Lbx8 O", 16, 7);
  a.init_params(rng);
  copy_params(a, b);
  set_bf16_inference(false);
  b.prepare_inference();
  set_bf16_inference(true);
  EXPECT_EQ(a.width_divisor(), b.width_divisor());
  Activations in = random_batch(rng, 1, 16, {40, 23});
  const Activations ya = a.forward(in, Mode::Infer);
  const Activations& yb = b.forward(in, Mode::Infer);
  ASSERT_EQ(ya.data.cols(), yb.data.cols());
  EXPECT_LT((ya.data - yb.data).cwiseAbs().maxCoeff(), 1e-4);
}

// A whole prepared network in bfloat16 against the same network in float: the per-frame
// log-probabilities move by less than 0.05.
TEST(Reference, Bf16NetworkStaysCloseToFloat) {
  if (!bf16_inference_enabled()) GTEST_SKIP() << "no AVX512-BF16 here";
  Rng rng(6);
  const std::string spec = "C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 R32 Mp2,1 Col Lbx16 O";
  Network f(spec, 32, 20), h(spec, 32, 20);
  f.init_params(rng);
  copy_params(f, h);
  set_bf16_inference(false);
  f.prepare_inference();
  set_bf16_inference(true);
  h.prepare_inference();
  Activations in = random_batch(rng, 1, 32, {200, 120});
  const Matrix yf = f.forward(in, Mode::Infer).data;
  const Matrix yh = h.forward(in, Mode::Infer).data;
  ASSERT_EQ(yf.cols(), yh.cols());
  const double diff = (yf - yh).cwiseAbs().maxCoeff();
  EXPECT_GT(diff, 0.0);  // it did run in bf16
  EXPECT_LT(diff, 0.05);
}

// Mixed-precision training: the same network's gradients with bf16 products (forward, input and
// weight gradients) against the float ones, on the second of two steps (so stale bf16 copies of moved
// weights would show). This small random net is touchy: 0.2 % noise on its input alone moves
// its gradients by up to 6 %, and bf16 rounding in every layer by up to 11 % (measured); a
// misplaced or stale product moves them by far more. Biases ahead of a batch norm have no
// gradient to speak of and are skipped.
TEST(Reference, MixedPrecisionGradientsStayCloseToFloat) {
  if (!gemm_bf16_is_native()) GTEST_SKIP() << "no AVX512-BF16 here";
  Rng rng(12);
  const std::string spec = "C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 Col Lbx16 O";
  Network f(spec, 16, 12), h(spec, 16, 12);
  f.init_params(rng);
  copy_params(f, h);
  auto pf = f.params(), ph = h.params();
  Activations in = random_batch(rng, 1, 16, {120, 90});
  // The gradient of a smooth loss, 0.5·Σ(y − t)² towards a random target: structured, unlike
  // noise, whose gradients cancel to little and magnify any rounding.
  Activations dout = f.forward(in, Mode::Train);
  Matrix target = dout.data;
  for (Index i = 0; i < target.size(); ++i) target.data()[i] = Scalar(std::log(rng.uniform(0.01, 1.0)));
  Matrix yf, yh;
  for (int step = 0; step < 2; ++step) {
    zero_grads(pf);
    zero_grads(ph);
    set_bf16_training(false);
    yf = f.forward(in, Mode::Train).data;
    dout.data = yf - target;
    dout.zero_padding();
    f.backward(dout);
    set_bf16_training(true);
    yh = h.forward(in, Mode::Train).data;
    h.backward(dout);
    set_bf16_training(false);
    if (step == 0)  // the same step on both: the weights move, identically
      for (size_t i = 0; i < pf.size(); ++i)
        if (pf[i].trainable()) {
          *pf[i].value -= Scalar(1e-3) * *pf[i].grad;
          *ph[i].value = *pf[i].value;
        }
  }
  EXPECT_GT((yf - yh).cwiseAbs().maxCoeff(), 0.0);  // it did run in bf16
  EXPECT_LT((yf - yh).cwiseAbs().maxCoeff(), 0.05);
  double largest = 0;
  for (const auto& p : pf)
    if (p.trainable()) largest = std::max(largest, double(p.grad->norm()));
  for (size_t i = 0; i < pf.size(); ++i) {
    if (!pf[i].trainable() || pf[i].grad->norm() < 1e-3 * largest) continue;
    const double rel = (*pf[i].grad - *ph[i].grad).norm() / pf[i].grad->norm();
    EXPECT_LT(rel, 0.2) << pf[i].name;
  }
}

// A prepared recurrent layer in bfloat16 (input projection and every step) against the float
// one: the rounding must not build up along a long sequence. False when this build has no bf16.
template <class Rnn>
bool bf16_stays_close_to_float(uint64_t seed) {
  set_bf16_inference(true);
  Rng rng(seed);
  Rnn f(24, 32), h(24, 32);
  f.init_params(rng);
  ParamList pf, ph;
  f.collect_params(pf, "");
  h.collect_params(ph, "");
  for (size_t i = 0; i < pf.size(); ++i) *ph[i].value = *pf[i].value;
  h.prepare_inference();
  if (!h.uses_bf16()) return false;
  Activations in = random_batch(rng, 24, 1, {400, 250, 3});
  Activations yf, yh;
  f.forward(in, yf, Mode::Infer);
  h.forward(in, yh, Mode::Infer);
  const double diff = (yf.data - yh.data).cwiseAbs().maxCoeff();
  EXPECT_GT(diff, 0.0);
  EXPECT_LT(diff, 0.02);  // outputs are in (-1, 1)
  return true;
}

TEST(Reference, Bf16LstmStaysCloseToFloat) {
  if (!bf16_stays_close_to_float<Lstm>(8)) GTEST_SKIP() << "no AVX512-BF16 here";
}

// The same for a GRU: its gates and the step that mixes the old state through them.
TEST(Reference, Bf16GruStaysCloseToFloat) {
  if (!bf16_stays_close_to_float<Gru>(18)) GTEST_SKIP() << "no AVX512-BF16 here";
}

// Inference lets two buffers take turns along a Sequential; training keeps every output. Both
// must compute the same thing, also when the buffers are reused for inputs of other widths.
TEST(Reference, InferenceWithTwoBuffersMatchesTraining) {
  Rng rng(9);
  const std::string spec = "C3,3,4 Relu Mp2,2 C3,3,6 Relu C3,3,6 Relu Mp2,1 Col Lbx4 Lbx4 O";
  Network a(spec, 8, 5), b(spec, 8, 5);
  a.init_params(rng);
  copy_params(a, b);
  Activations wide = random_batch(rng, 1, 8, {40, 33}), narrow = random_batch(rng, 1, 8, {12});
  const Activations trained = a.forward(wide, Mode::Train);
  b.forward(narrow, Mode::Infer);
  const Activations inferred = b.forward(wide, Mode::Infer);
  ASSERT_EQ(trained.data.rows(), inferred.data.rows());
  ASSERT_EQ(trained.data.cols(), inferred.data.cols());
  EXPECT_LT((trained.data - inferred.data).cwiseAbs().maxCoeff(), 1e-4);
}

}  // namespace
}  // namespace ocr

namespace ocr {
namespace {

// Backward walks the same cache-sized chunks as forward, rebuilding each patch matrix: its weight
// and input gradients against direct sums over all pixels, on a batch of many chunks.
void expect_conv_backward_matches_loops(int d, uint64_t seed) {
  Rng rng(seed);
  const int kh = 3, kw = 3, C = 6, O = 5, H = 6;
  Conv2d conv(kh, kw, C, O, d);
  conv.init_params(rng);
  Activations in = random_batch(rng, C, H, {400, 250, 3});  // 54-value patches: 6 chunks
  Activations out, dout, din;
  conv.forward(in, out, Mode::Train);
  dout.reshape_like(out, O);
  for (Index i = 0; i < dout.data.size(); ++i) dout.data.data()[i] = Scalar(rng.uniform(-1, 1));
  dout.zero_padding();
  conv.backward(in, out, dout, &din);
  ParamList params;
  conv.collect_params(params, "");
  const Matrix& dw = *params[0].grad;
  auto at = [&](const Activations& a, int c, int x, int n, int y) -> double {
    if (y < 0 || y >= a.height || x < 0 || x >= a.width) return 0.0;
    return double(a.data(c, a.column(x, n, y)));
  };
  for (int o = 0; o < O; ++o)
    for (int ky = 0; ky < kh; ++ky)
      for (int kx = 0; kx < kw; ++kx)
        for (int c = 0; c < C; ++c) {
          double sum = 0;
          for (int n = 0; n < in.batch; ++n)
            for (int x = 0; x < in.widths[n]; ++x)
              for (int y = 0; y < H; ++y)
                sum += at(dout, o, x, n, y) * at(in, c, x + (kx - 1) * d, n, y + (ky - 1) * d);
          ASSERT_NEAR(dw(o, (ky * kw + kx) * C + c), sum, 1e-3) << o << " " << ky << kx << " " << c;
        }
  for (int n = 0; n < in.batch; ++n)
    for (int x = 0; x < in.width; ++x)
      for (int y = 0; y < H; ++y)
        for (int c = 0; c < C; ++c) {
          double sum = 0;
          if (x < in.widths[n])
            for (int o = 0; o < O; ++o)
              for (int ky = 0; ky < kh; ++ky)
                for (int kx = 0; kx < kw; ++kx)
                  sum += at(dout, o, x - (kx - 1) * d, n, y - (ky - 1) * d) *
                         double(conv.weight()(o, (ky * kw + kx) * C + c));
          ASSERT_NEAR(din.data(c, din.column(x, n, y)), sum, 1e-4) << n << " " << x << " " << y << " " << c;
        }
}

TEST(Reference, ChunkedConvBackwardMatchesPlainLoops) { expect_conv_backward_matches_loops(1, 6); }

// Dilation 2 reaches two of the six rows beyond the tap; dilation 4 leaves only the centre row's
// taps inside for the middle rows: both edges of the range test in col2im.
TEST(Reference, DilatedConvBackwardMatchesPlainLoops) {
  expect_conv_backward_matches_loops(2, 16);
  expect_conv_backward_matches_loops(4, 17);
}

}  // namespace
}  // namespace ocr

namespace ocr {
namespace {

// The channel-vectorised max-pool against a plain per-element loop, in both modes.
TEST(Reference, MaxPoolMatchesPlainLoop) {
  Rng rng(8);
  // 5 channels: the general loops; 8, 16, 32: inference's fixed-width path.
  for (int channels : {5, 8, 16, 32})
    for (auto [kh, kw] : {std::pair{2, 2}, std::pair{2, 1}}) {
      Activations in = random_batch(rng, channels, 6, {9, 4, 7});
      for (Mode mode : {Mode::Train, Mode::Infer}) {
        MaxPool pool(kh, kw);
        Activations out;
        pool.forward(in, out, mode);
        ASSERT_EQ(out.height, 6 / kh);
        ASSERT_EQ(out.width, 9 / kw);
        for (int n = 0; n < in.batch; ++n)
          for (int x = 0; x < out.width; ++x)
            for (int y = 0; y < out.height; ++y)
              for (int c = 0; c < channels; ++c) {
                float expect = 0;
                if (x < in.widths[n] / kw) {
                  expect = -1e30f;
                  for (int ky = 0; ky < kh; ++ky)
                    for (int kx = 0; kx < kw; ++kx)
                      expect = std::max(expect, in.data(c, in.column(kw * x + kx, n, kh * y + ky)));
                }
                ASSERT_EQ(out.data(c, out.column(x, n, y)), expect)
                    << channels << " channels, " << kh << "x" << kw << ": " << n << " " << x << " " << y << " " << c;
              }
      }
    }
}

}  // namespace
}  // namespace ocr

namespace ocr {
namespace {

// A BiLSTM's two directions run on two threads when the caller is not already parallel: the
// same output, bit for bit, as one after the other.
TEST(Reference, ParallelBranchesOnThreadsMatchSerial) {
  Rng rng(14);
  const std::string spec = "C3,3,4 Relu Mp2,2 Col Lbx8 Lbx8 O";
  Network net(spec, 8, 6);
  net.init_params(rng);
  Activations in = random_batch(rng, 1, 8, {60, 41});
  set_thread_count(1);
  const Matrix serial = net.forward(in, Mode::Infer).data;
  set_thread_count(2);
  const Matrix threaded = net.forward(in, Mode::Infer).data;
  set_thread_count(0);
  EXPECT_EQ((serial - threaded).cwiseAbs().maxCoeff(), 0);
}

}  // namespace
}  // namespace ocr
