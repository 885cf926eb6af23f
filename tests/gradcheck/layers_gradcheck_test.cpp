// Finite-difference gradient checks of every differentiable layer, in double precision, on
// mini-batches whose lines have different widths (so padding is exercised too).
#include <gtest/gtest.h>

#include "common/gradcheck.h"
#include "ocr/nn/layers/batch_norm.h"
#include "ocr/nn/layers/collapse.h"
#include "ocr/nn/layers/conv2d.h"
#include "ocr/nn/layers/gru.h"
#include "ocr/nn/layers/linear.h"
#include "ocr/nn/layers/log_softmax.h"
#include "ocr/nn/layers/lstm.h"
#include "ocr/nn/layers/max_pool.h"
#include "ocr/nn/layers/parallel.h"
#include "ocr/nn/layers/relu.h"
#include "ocr/nn/layers/residual.h"
#include "ocr/nn/layers/reverse.h"
#include "ocr/nn/layers/sequential.h"
#include "ocr/nn/layers/squeeze_excite.h"

namespace ocr {
namespace {

using test::check_gradients;
using test::random_batch;

static_assert(std::is_same<Scalar, double>::value, "gradient checks run in double");

constexpr double kTol = 1e-6;

TEST(GradCheck, Conv2d3x3) {
  Rng rng(1);
  Conv2d layer(3, 3, 2, 3);
  layer.init_params(rng);
  auto r = check_gradients(layer, random_batch(rng, 2, 4, {5, 3}), rng);
  EXPECT_GRADIENTS_MATCH(r, kTol);
}

TEST(GradCheck, Conv2dNonSquareAndPointwise) {
  Rng rng(2);
  Conv2d a(3, 1, 3, 2), b(1, 1, 3, 4);
  a.init_params(rng);
  b.init_params(rng);
  auto ra = check_gradients(a, random_batch(rng, 3, 3, {4, 2, 3}), rng);
  EXPECT_GRADIENTS_MATCH(ra, kTol);
  auto rb = check_gradients(b, random_batch(rng, 3, 2, {3, 1}), rng);
  EXPECT_GRADIENTS_MATCH(rb, kTol);
}

// Dilations 2 and 3 on maps 5 and 7 rows high: taps fall outside at every edge, and the
// narrower lines of the batch are padding where the wider ones still read.
TEST(GradCheck, Conv2dDilated) {
  Rng rng(12);
  Conv2d a(3, 3, 2, 3, 2), b(3, 1, 2, 2, 3);
  a.init_params(rng);
  b.init_params(rng);
  auto ra = check_gradients(a, random_batch(rng, 2, 5, {7, 3, 5}), rng);
  EXPECT_GRADIENTS_MATCH(ra, kTol);
  auto rb = check_gradients(b, random_batch(rng, 2, 7, {4, 6}), rng);
  EXPECT_GRADIENTS_MATCH(rb, kTol);
}

TEST(GradCheck, BatchNormTraining) {
  Rng rng(3);
  BatchNorm layer(3);
  layer.init_params(rng);
  auto r = check_gradients(layer, random_batch(rng, 3, 2, {4, 2}), rng);
  EXPECT_GRADIENTS_MATCH(r, kTol);
}

TEST(GradCheck, Relu) {
  Rng rng(4);
  Relu layer;
  auto r = check_gradients(layer, random_batch(rng, 3, 2, {4, 3}), rng);
  EXPECT_GRADIENTS_MATCH(r, kTol);
}

TEST(GradCheck, MaxPool) {
  Rng rng(5);
  MaxPool a(2, 2), b(2, 1);
  auto ra = check_gradients(a, random_batch(rng, 2, 4, {6, 4}), rng);
  EXPECT_GRADIENTS_MATCH(ra, kTol);
  auto rb = check_gradients(b, random_batch(rng, 2, 4, {3, 2}), rng);
  EXPECT_GRADIENTS_MATCH(rb, kTol);
}

TEST(GradCheck, CollapseLinearLogSoftmax) {
  Rng rng(6);
  Sequential seq;
  seq.add(std::make_unique<Collapse>(3));
  seq.add(std::make_unique<Linear>(6, 5));
  seq.add(std::make_unique<LogSoftmax>());
  seq.init_params(rng);
  auto r = check_gradients(seq, random_batch(rng, 2, 3, {4, 2}), rng);
  EXPECT_GRADIENTS_MATCH(r, kTol);
}

TEST(GradCheck, Lstm) {
  Rng rng(7);
  Lstm layer(3, 4);
  layer.init_params(rng);
  auto r = check_gradients(layer, random_batch(rng, 3, 1, {6, 3, 1}), rng);
  EXPECT_GRADIENTS_MATCH(r, kTol);
}

TEST(GradCheck, Gru) {
  Rng rng(8);
  Gru layer(3, 4);
  layer.init_params(rng);
  auto r = check_gradients(layer, random_batch(rng, 3, 1, {6, 3, 1}), rng);
  EXPECT_GRADIENTS_MATCH(r, kTol);
}

TEST(GradCheck, BidirectionalLstmByComposition) {
  Rng rng(9);
  Parallel bi;
  bi.add(std::make_unique<Lstm>(2, 3));
  bi.add(std::make_unique<Reverse>(std::make_unique<Lstm>(2, 3)));
  bi.init_params(rng);
  auto r = check_gradients(bi, random_batch(rng, 2, 1, {5, 2}), rng);
  EXPECT_GRADIENTS_MATCH(r, kTol);
}

std::unique_ptr<Residual> make_block(int in, int out) {
  auto body = std::make_unique<Sequential>();
  body->add(std::make_unique<Conv2d>(3, 3, in, out));
  body->add(std::make_unique<BatchNorm>(out));
  body->add(std::make_unique<Relu>());
  body->add(std::make_unique<Conv2d>(3, 3, out, out));
  body->add(std::make_unique<BatchNorm>(out));
  auto shortcut = std::make_unique<Sequential>();
  if (in != out) {
    shortcut->add(std::make_unique<Conv2d>(1, 1, in, out));
    shortcut->add(std::make_unique<BatchNorm>(out));
  }
  return std::make_unique<Residual>(std::move(body), std::move(shortcut));
}

TEST(GradCheck, ResidualWithProjectionAndIdentity) {
  Rng rng(10);
  auto proj = make_block(2, 3);
  proj->init_params(rng);
  auto rp = check_gradients(*proj, random_batch(rng, 2, 3, {4, 3}), rng);
  EXPECT_GRADIENTS_MATCH(rp, kTol);
  auto ident = make_block(3, 3);
  ident->init_params(rng);
  auto ri = check_gradients(*ident, random_batch(rng, 3, 3, {4, 2}), rng);
  EXPECT_GRADIENTS_MATCH(ri, kTol);
}

TEST(GradCheck, SqueezeExcite) {
  Rng rng(11);
  SqueezeExcite layer(4, 2);
  layer.init_params(rng);
  auto r = check_gradients(layer, random_batch(rng, 4, 2, {4, 2}), rng);
  EXPECT_GRADIENTS_MATCH(r, kTol);
}

}  // namespace
}  // namespace ocr
