// Detector models in .ocrm files: the round trip, refusal of the wrong kind of model, files
// from before the kind key, and batch-norm folding for a fully convolutional spec.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "ocr/core/error.h"
#include "ocr/core/gemm_bf16.h"
#include "ocr/core/rng.h"
#include "ocr/model/model.h"
#include "ocr/model/model_file.h"
#include "ocr/nn/network.h"

namespace ocr {
namespace {

const char* kDetectorSpec = "C3,3,4 Bn Relu Mp2,2 R6 Mp2,2 Rd6,2 Rd6,4 Om2";
const char* kRecognizerSpec = "C3,3,4 Bn Relu Mp2,2 R6 Mp2,1 Col Lbx5 O";

std::string temp_path(const std::string& name) {
  return "/tmp/ocr_detector_model_test_" + std::to_string(::getpid()) + "_" + name;
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Batch-norm statistics and affine parameters away from their defaults, so that folding them
// into the convolutions changes the weights.
void randomise_batch_norms(Model& m) {
  for (auto& p : m.network().params()) {
    if (p.name.find("running_var") != std::string::npos) p.value->setRandom(), p.value->array() += Scalar(1.5);
    if (p.name.find("running_mean") != std::string::npos || p.name.find("gamma") != std::string::npos ||
        p.name.find("beta") != std::string::npos)
      p.value->setRandom();
  }
}

// A page strip taller than the training tiles (any multiple of 4 will do), two lines wide.
Activations strip() {
  Rng rng(4);
  Activations a;
  a.resize(1, 2, 40, 52, {52, 37});
  for (Index i = 0; i < a.data.size(); ++i) a.data.data()[i] = Scalar(rng.uniform() < 0.2);
  a.zero_padding();
  return a;
}

TEST(DetectorModel, SaveLoadRoundTripGivesBitIdenticalMaps) {
  Model m(kDetectorSpec, 64, 7);
  randomise_batch_norms(m);
  m.metadata().iterations = 321;
  m.metadata().extra["detector.text_height"] = "10";
  m.metadata().extra["detector.threshold"] = "0.45";
  EXPECT_EQ(m.kind(), ModelKind::Detector);
  EXPECT_EQ(m.num_classes(), 2);
  const std::string path = temp_path("det.ocrm");
  m.save(path);
  auto loaded = Model::load(path, ModelKind::Detector);
  EXPECT_TRUE(loaded->is_detector());
  EXPECT_EQ(loaded->spec(), kDetectorSpec);
  EXPECT_EQ(loaded->input_height(), 64);
  EXPECT_EQ(loaded->alphabet().chars(), U"");
  EXPECT_EQ(loaded->num_classes(), 2);
  EXPECT_EQ(loaded->metadata().iterations, 321);
  EXPECT_EQ(loaded->metadata().extra.at("detector.text_height"), "10");
  EXPECT_EQ(loaded->metadata().extra.at("detector.threshold"), "0.45");
  EXPECT_EQ(*read_model_file(path).find("kind"), "detector");
  EXPECT_EQ(read_model_file(path).find("alphabet"), nullptr);
  Activations in = strip();
  auto a = m.instantiate_for_inference();
  auto b = loaded->instantiate_for_inference();
  const Matrix ya = a->forward(in, Mode::Infer).data;
  const Activations& out = b->forward(in, Mode::Infer);
  EXPECT_EQ(out.channels(), 2);
  EXPECT_EQ(out.height, 10);
  EXPECT_EQ(out.widths, (std::vector<int>{13, 9}));
  ASSERT_EQ(ya.size(), out.data.size());
  EXPECT_EQ(0, std::memcmp(ya.data(), out.data.data(), size_t(ya.size()) * sizeof(Scalar)));
  EXPECT_EQ(Model::load_any(path)->kind(), ModelKind::Detector);
  std::remove(path.c_str());
}

TEST(DetectorModel, TheWrongKindIsRefusedNamingTheFile) {
  const std::string det = temp_path("d.ocrm"), rec = temp_path("r.ocrm");
  Model(kDetectorSpec, 64, 1).save(det);
  Model(kRecognizerSpec, Alphabet(U"ab"), 16, 1).save(rec);
  const std::string e1 = error_of([&] { Model::load(det); });
  EXPECT_NE(e1.find(det + " is a detector model; a recognizer is needed"), std::string::npos) << e1;
  const std::string e2 = error_of([&] { Model::load(rec, ModelKind::Detector); });
  EXPECT_NE(e2.find(rec + " is a recognizer model; a detector is needed"), std::string::npos) << e2;
  EXPECT_EQ(Model::load(rec)->kind(), ModelKind::Recognizer);
  EXPECT_EQ(Model::load_any(rec)->kind(), ModelKind::Recognizer);

  // Kind and spec must agree, and a detector has no alphabet.
  ModelFileContents c = read_model_file(det);
  for (auto& kv : c.metadata)
    if (kv.first == "kind") kv.second = "segmenter";
  write_model_file(det, c);
  EXPECT_NE(error_of([&] { Model::load_any(det); }).find("unknown model kind 'segmenter'"), std::string::npos);
  for (auto& kv : c.metadata)
    if (kv.first == "kind") kv.second = "recognizer";
  c.metadata.emplace_back("alphabet", "ab");
  write_model_file(det, c);
  EXPECT_NE(error_of([&] { Model::load(det); }).find("a recognizer's spec must end in O"), std::string::npos);
  for (auto& kv : c.metadata)
    if (kv.first == "kind") kv.second = "detector";
  write_model_file(det, c);
  EXPECT_NE(error_of([&] { Model::load(det, ModelKind::Detector); }).find("a detector has no alphabet"),
            std::string::npos);

  // Building one kind from the other's spec.
  EXPECT_NE(error_of([&] { Model(kDetectorSpec, Alphabet(U"ab"), 64, 1); }).find("that is a detector"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Model(kRecognizerSpec, 16, 1); }).find("must end in Om<n>"), std::string::npos);
  EXPECT_NE(error_of([&] { Model(kDetectorSpec, 62, 1); }).find("not a multiple"), std::string::npos);
  std::remove(det.c_str());
  std::remove(rec.c_str());
}

// Files written before models had a kind are recognizers, and still load as before.
TEST(DetectorModel, FilesWithoutAKindAreRecognizers) {
  const std::string path = temp_path("old.ocrm");
  Model(kRecognizerSpec, Alphabet(U"xyz"), 16, 2).save(path);
  ModelFileContents c = read_model_file(path);
  ASSERT_EQ(c.metadata.front().first, "kind");
  c.metadata.erase(c.metadata.begin());
  write_model_file(path, c);
  auto m = Model::load(path);
  EXPECT_EQ(m->kind(), ModelKind::Recognizer);
  EXPECT_EQ(m->alphabet().chars(), U"xyz");
  EXPECT_NE(error_of([&] { Model::load(path, ModelKind::Detector); }).find("is a recognizer model"),
            std::string::npos);
  std::remove(path.c_str());
}

// instantiate_for_inference folds every batch norm (in the dilated residual blocks too) and fuses
// the ReLUs: in float, its maps equal the unfolded network's Infer-mode forward.
TEST(DetectorModel, FoldedInferenceEqualsUnfoldedForward) {
  Model m(kDetectorSpec, 64, 3);
  randomise_batch_norms(m);
  Activations in = strip();
  const Matrix unfolded = m.network().forward(in, Mode::Infer).data;
  set_bf16_inference(false);  // the folding itself: bf16 has its own tests
  auto folded = m.instantiate_for_inference();
  set_bf16_inference(true);
  const Matrix y = folded->forward(in, Mode::Infer).data;
  ASSERT_EQ(y.rows(), unfolded.rows());
  ASSERT_EQ(y.cols(), unfolded.cols());
  EXPECT_GT(unfolded.cwiseAbs().maxCoeff(), 0.1);
  EXPECT_LT((y - unfolded).cwiseAbs().maxCoeff(), 1e-4 * (1 + unfolded.cwiseAbs().maxCoeff()));
  // Folding really happened: fewer parameters in the inference copy.
  EXPECT_LT(folded->params().size(), m.network().params().size());
}

TEST(DetectorModel, AveragingAndAlphabetsFollowTheKind) {
  auto a = std::make_shared<Model>(kDetectorSpec, 64, 1);
  auto b = std::make_shared<Model>(kDetectorSpec, 64, 2);
  auto r = std::make_shared<Model>(kRecognizerSpec, Alphabet(U"ab"), 16, 3);
  auto avg = Model::average({a, b}, {"a", "b"});
  EXPECT_TRUE(avg->is_detector());
  const Matrix& wa = *a->network().params()[0].value;
  const Matrix& wb = *b->network().params()[0].value;
  EXPECT_LT((*avg->network().params()[0].value - (wa + wb) / 2).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_NE(error_of([&] { Model::average({a, r}, {"a", "r"}); }).find("r: model kind differs"), std::string::npos);
  EXPECT_NE(error_of([&] { a->extend_alphabet(Alphabet(U"c"), 1); }).find("no alphabet"), std::string::npos);
}

}  // namespace
}  // namespace ocr
