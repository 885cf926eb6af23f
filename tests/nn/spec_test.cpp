#include <gtest/gtest.h>

#include "ocr/core/error.h"
#include "ocr/core/precision.h"
#include "ocr/core/rng.h"
#include "ocr/nn/network.h"

namespace ocr {
namespace {

std::string spec_error(const std::string& spec, int height = 32) {
  try {
    Network n(spec, height, 10);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, BuildsTheDefaultNetAndCountsItsCost) {
  Network n("C3,3,32 Bn Relu Mp2,2 R64 Mp2,2 R128 Mp2,1 Col Lbx128 Lbx128 O", 32, 100);
  EXPECT_EQ(n.width_divisor(), 4);
  double gflop = 2 * n.forward_macs(400) / 1e9;
  EXPECT_GT(gflop, 0.8);  // the figure for this net: 0.9 GFLOP per 32×400 line
  EXPECT_LT(gflop, 1.0);
}

TEST(Spec, BadTokensArePointedAt) {
  EXPECT_NE(spec_error("C3,3,32 Bn Foo Col Lbx8 O").find("token 3 'Foo'"), std::string::npos);
  EXPECT_NE(spec_error("C3,3,32 Lbx8 O").find("put Col before it"), std::string::npos);
  EXPECT_NE(spec_error("C3,3 Col O").find("token 1"), std::string::npos);
  EXPECT_NE(spec_error("C3,3,8 Col Lbx8").find("must end with O"), std::string::npos);
  EXPECT_NE(spec_error("C3,3,8 Col O Lbx8").find("last token"), std::string::npos);
  EXPECT_NE(spec_error("Mp2,2 Mp2,2 Col O", 2).find("token 2"), std::string::npos);
  EXPECT_NE(spec_error("C2,2,8 Col O").find("odd"), std::string::npos);
  EXPECT_NE(spec_error("").find("empty"), std::string::npos);
  EXPECT_EQ(spec_error("C3,3,8 Bn Relu Mp2,2 R16 Se4 Mp2,1 Col Fc32 Relu Gbx8 Lfx4 Lrx4 O"), "");
}

// Issue 19: absurd sizes are refused before anything is allocated, naming the token and the limit.
TEST(Spec, AbsurdSizesAreRefusedQuickly) {
  EXPECT_NE(spec_error("C3,3,999999 Col O").find("token 1 'C3,3,999999': channels 999999 is over the limit of 4096"),
            std::string::npos);
  EXPECT_NE(spec_error("C3,3,16 Mp1,999999 Col O").find("pooling window 999999 is over the limit"), std::string::npos);
  EXPECT_NE(spec_error("C999,3,16 Col O").find("kernel size 999"), std::string::npos);
  EXPECT_NE(spec_error("C3,3,16 Col Lbx999999 O").find("units 999999"), std::string::npos);
  EXPECT_NE(spec_error("R4096 R4096 R4096 Col O").find("parameters (limit)"), std::string::npos);
  // Found by fuzz_net_spec: 76 M parameters (12 s to build under the sanitizers) were let through.
  EXPECT_NE(spec_error("C3,3,32 Bn Relu R2864 Bn Relu R64 Col O").find("over 25000000 parameters"), std::string::npos);
}

std::string map_spec_error(const std::string& spec, int height = 32, int maps = 0) {
  try {
    Network n(spec, height, maps);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, MapSpecsAreFullyConvolutional) {
  EXPECT_TRUE(Network::is_map_spec("C3,3,8 Om2"));
  EXPECT_FALSE(Network::is_map_spec("C3,3,8 Col O"));
  EXPECT_NE(map_spec_error("C3,3,8 Col Om1").find("token 2 'Col': a map spec"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 Lbx8 Om1").find("token 2 'Lbx8': a map spec"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 Fc8 Om1").find("fully convolutional"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 O Om1").find("token 2 'O': O must be the last"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 Om1 Relu").find("token 2 'Om1': Om1 must be the last"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 Om").find("number of maps"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 Om0").find("token 2 'Om0'"), std::string::npos);
  EXPECT_NE(map_spec_error("Cd3,3,8 Om1").find("token 1 'Cd3,3,8'"), std::string::npos);
  EXPECT_NE(map_spec_error("Cd4,3,8,2 Om1").find("odd"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 Rd8,65 Om1").find("dilation 65 is over 64"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 Rd8 Om1").find("token 2 'Rd8'"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 Om1", 32, 2).find("gives 1 maps, the caller asked for 2"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8 Mp4,4 Om1", 30).find("not a multiple"), std::string::npos);
  EXPECT_NE(map_spec_error("C3,3,8").find("must end with O (a recognizer) or Om<n>"), std::string::npos);
  EXPECT_EQ(map_spec_error("C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 R32 Rd32,2 Rd32,4 Rd32,8 Om1", 256), "");
  EXPECT_EQ(map_spec_error("C3,3,8 Mp2,2 Cd3,3,8,3 Om3", 64, 3), "");
  // Dilated tokens also fit in a recognizer's backbone.
  EXPECT_EQ(spec_error("C3,3,8 Rd8,2 Cd3,3,8,2 Mp2,2 Col Lbx8 O", 16), "");
}

// The map network runs on any multiple of its height pooling and any width, batches with
// padding included, and gives n logit maps at a quarter of the resolution.
TEST(Spec, MapNetworkRunsOnAnySizeAndKeepsPadding) {
  Network n("C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 R16 Rd16,2 Om2", 64);
  EXPECT_TRUE(n.outputs_maps());
  EXPECT_EQ(n.num_classes(), 2);
  EXPECT_EQ(n.height_divisor(), 4);
  EXPECT_EQ(n.width_divisor(), 4);
  EXPECT_NE(n.summary().find("Conv2d -> 2 x H/4 x W/4"), std::string::npos) << n.summary();
  Rng rng(3);
  n.init_params(rng);
  Activations in;
  in.resize(1, 2, 36, 50, {50, 33});
  for (Index i = 0; i < in.data.size(); ++i) in.data.data()[i] = Scalar(rng.uniform());
  in.zero_padding();
  for (Mode mode : {Mode::Infer, Mode::Train}) {
    const Activations& out = n.forward(in, mode);
    EXPECT_EQ(out.channels(), 2);
    EXPECT_EQ(out.height, 9);
    EXPECT_EQ(out.width, 12);
    EXPECT_EQ(out.widths, (std::vector<int>{12, 8}));
    EXPECT_GT(out.data.cwiseAbs().maxCoeff(), 0);
    for (int x = 8; x < 12; ++x)
      for (int y = 0; y < 9; ++y) EXPECT_EQ(out.data.col(out.column(x, 1, y)).cwiseAbs().sum(), 0);
  }
  in.resize(1, 1, 38, 20, {20});
  in.data.setZero();
  EXPECT_THROW(n.forward(in, Mode::Infer), ShapeError);
}

// Freeing each container's buffers after inference (the detector's page strips) changes no
// output, whatever ran before: residual blocks with and without projections, a BiLSTM's
// Parallel and Reverse, two calls in a row and a training pass between.
TEST(Spec, InferenceWithoutKeptBuffersGivesTheSameOutput) {
  const std::string spec = "C3,3,8 Bn Relu Mp2,2 R16 R16 Mp2,2 Col Lbx12 O";
  Rng init(5);
  Network kept(spec, 16, 7);
  kept.init_params(init);
  Network lean(spec, 16, 7);
  ParamList a = kept.params(), b = lean.params();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) *b[i].value = *a[i].value;
  lean.set_keep_inference_buffers(false);
  Rng rng(9);
  for (int call = 0; call < 3; ++call) {
    Activations in;
    in.resize(1, 2, 16, 40 - 8 * call, {40 - 8 * call, 23});
    for (Index i = 0; i < in.data.size(); ++i) in.data.data()[i] = Scalar(rng.uniform());
    in.zero_padding();
    if (call == 1) {  // training keeps what backward needs, as ever (and moves batch statistics)
      kept.forward(in, Mode::Train);
      lean.forward(in, Mode::Train);
    }
    const Matrix want = kept.forward(in, Mode::Infer).data;
    const Matrix& got = lean.forward(in, Mode::Infer).data;
    ASSERT_EQ(got.rows(), want.rows());
    ASSERT_EQ(got.cols(), want.cols());
    EXPECT_EQ((got - want).cwiseAbs().maxCoeff(), 0) << "call " << call;
  }
}

// Preparing for inference folds batch norms into convolutions and takes each ReLU into the
// convolution or residual sum before it; in float the outputs stay those of the layers as built.
TEST(Spec, PreparedForInferenceGivesTheSameOutput) {
  const Precision before = inference_precision();
  set_inference_precision(Precision::Float);
  Network n("C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 R16 Col Lbx12 O", 16, 7);
  Rng rng(21);
  n.init_params(rng);
  for (const Param& p : n.params())  // batch norms with statistics of their own
    if (p.name.find("running") != std::string::npos) *p.value = p.value->unaryExpr([&](Scalar) { return Scalar(0.5 + rng.uniform()); });
  Activations in;
  in.resize(1, 2, 16, 40, {40, 27});
  for (Index i = 0; i < in.data.size(); ++i) in.data.data()[i] = Scalar(rng.uniform());
  in.zero_padding();
  const Matrix want = n.forward(in, Mode::Infer).data;
  ASSERT_NE(n.summary().find("Relu"), std::string::npos);
  n.prepare_inference();
  EXPECT_EQ(n.summary().find("Relu"), std::string::npos) << n.summary();  // every ReLU fused
  const Matrix got = n.forward(in, Mode::Infer).data;
  ASSERT_EQ(got.cols(), want.cols());
  EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-4);
  set_inference_precision(before);
}

// Dilation as the spec wires it: the impulse response of Cd3,3,1,3 has taps 3 pixels apart,
// and Rd1,2's two dilated convolutions (plus the identity) reach offsets {-4, -2, 0, 2, 4}².
TEST(Spec, DilatedTokensSpreadAnImpulseByTheirDilation) {
  auto response = [](const std::string& spec) {
    Network n(spec, 24);
    for (auto& p : n.params()) {
      if (p.name.find("weight") != std::string::npos || p.name.find("gamma") != std::string::npos)
        p.value->setOnes();
      else if (p.name.find("running_var") != std::string::npos) p.value->setOnes();
      else p.value->setZero();
    }
    Activations in;
    in.resize(1, 1, 24, 24, {24});
    in.data.setZero();
    in.data(0, in.column(12, 0, 12)) = 1;
    Activations out = n.forward(in, Mode::Infer);
    std::vector<std::pair<int, int>> hits;
    for (int x = 0; x < 24; ++x)
      for (int y = 0; y < 24; ++y)
        if (std::abs(out.data(0, out.column(x, 0, y))) > 1e-3) hits.emplace_back(y - 12, x - 12);
    return hits;
  };
  auto cd = response("Cd3,3,1,3 Om1");
  ASSERT_EQ(cd.size(), 9u);
  for (auto [dy, dx] : cd) {
    EXPECT_EQ(dy % 3, 0);
    EXPECT_EQ(dx % 3, 0);
    EXPECT_LE(std::abs(dy), 3);
    EXPECT_LE(std::abs(dx), 3);
  }
  auto rd = response("Rd1,2 Om1");
  ASSERT_EQ(rd.size(), 25u);
  for (auto [dy, dx] : rd) {
    EXPECT_EQ(dy % 2, 0);
    EXPECT_EQ(dx % 2, 0);
    EXPECT_LE(std::abs(dy), 4);
    EXPECT_LE(std::abs(dx), 4);
  }
}

TEST(Spec, DilationCostsNoMoreMultiplyAdds) {
  Network dilated("C3,3,8 Mp2,2 Rd16,4 Cd3,3,16,2 Om1", 64), same("C3,3,8 Mp2,2 R16 C3,3,16 Om1", 64);
  EXPECT_EQ(dilated.forward_macs(200), same.forward_macs(200));
  // The detector's first net on a 512 x 1600 strip: about 4.4 G multiply-adds (by hand: 72 per
  // full-resolution pixel, ~3 700 per half-, ~72 000 per quarter-resolution pixel).
  Network det("C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 R32 Rd32,2 Rd32,4 Rd32,8 Om1", 256);
  const double macs = det.forward_macs(1600, 512);
  EXPECT_GT(macs, 4.3e9);
  EXPECT_LT(macs, 4.6e9);
  EXPECT_NEAR(det.forward_macs(1600, 256) * 2, macs, 1e-6 * macs);
}

TEST(Spec, GradientBuffersAreAllocatedOnlyByBackward) {
  // A network built for recognition holds no gradient memory (a third of the model's size per
  // copy); the first backward sizes the buffers it accumulates into.
  Network n("C3,3,8 Bn Relu Mp2,2 R8 Se4 Mp2,1 Col Fc16 Relu Gbx8 Lbx8 O", 16, 12);
  Rng rng(5);
  n.init_params(rng);
  ParamList params = n.params();
  Index trainable = 0;
  for (const auto& p : params)
    if (p.trainable()) {
      ++trainable;
      EXPECT_EQ(p.grad->size(), 0) << p.name;
    }
  EXPECT_GT(trainable, 15);

  Activations in;
  in.resize(1, 2, 16, 24, {24, 19});
  for (Index i = 0; i < in.data.size(); ++i) in.data.data()[i] = Scalar(rng.uniform());
  in.zero_padding();
  const Activations& out = n.forward(in, Mode::Train);
  Activations dout;
  dout.reshape_like(out, out.channels());
  dout.data.setConstant(Scalar(0.01));
  dout.zero_padding();
  n.backward(dout);
  for (const auto& p : params)
    if (p.trainable()) {
      ASSERT_EQ(p.grad->rows(), p.value->rows()) << p.name;
      ASSERT_EQ(p.grad->cols(), p.value->cols()) << p.name;
      EXPECT_GT(p.grad->norm(), 0) << p.name;
    }
}

}  // namespace
}  // namespace ocr
