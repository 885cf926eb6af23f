#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "ocr/core/error.h"
#include "ocr/core/rng.h"
#include "ocr/model/model.h"
#include "ocr/model/model_file.h"
#include "ocr/nn/network.h"

namespace ocr {
namespace {

const char* kSpec = "C3,3,4 Bn Relu Mp2,2 R6 Mp2,1 Col Lbx5 O";

std::string temp_path(const std::string& name) {
  return "/tmp/ocr_model_test_" + std::to_string(::getpid()) + "_" + name;
}

std::string read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_all(const std::string& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

std::string load_error(const std::string& p) {
  try {
    Model::load(p);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

Activations input_batch() {
  Rng rng(9);
  Activations a;
  a.resize(1, 2, 16, 30, {30, 21});
  for (Index i = 0; i < a.data.size(); ++i) a.data.data()[i] = Scalar(rng.uniform());
  a.zero_padding();
  return a;
}

TEST(ModelFile, SaveLoadGivesBitIdenticalOutputs) {
  Model m(kSpec, Alphabet(U"abc é€"), 16, 3);
  // Move batch-norm statistics away from their defaults so they must round-trip too.
  for (auto& p : m.network().params())
    if (!p.trainable()) p.value->array() += Scalar(0.25);
  m.metadata().iterations = 1234;
  m.metadata().validation_cer = 0.0125;
  m.metadata().extra["lm_alpha"] = "0.5";
  const std::string path = temp_path("a.ocrm");
  m.save(path);
  auto loaded = Model::load(path);
  EXPECT_EQ(loaded->spec(), kSpec);
  EXPECT_EQ(loaded->alphabet().chars(), U"abc é€");
  EXPECT_EQ(loaded->metadata().iterations, 1234);
  EXPECT_NEAR(loaded->metadata().validation_cer, 0.0125, 1e-9);
  EXPECT_EQ(loaded->metadata().extra.at("lm_alpha"), "0.5");
  Activations in = input_batch();
  auto a = m.instantiate_for_inference();
  auto b = loaded->instantiate_for_inference();
  Matrix ya = a->forward(in, Mode::Infer).data;
  Matrix yb = b->forward(in, Mode::Infer).data;
  ASSERT_EQ(ya.size(), yb.size());
  EXPECT_EQ(0, std::memcmp(ya.data(), yb.data(), size_t(ya.size()) * sizeof(Scalar)));
  std::remove(path.c_str());
}

TEST(ModelFile, DamagedFilesAreRejectedWithTheReason) {
  Model m(kSpec, Alphabet(U"abc"), 16, 3);
  const std::string path = temp_path("b.ocrm");
  m.save(path);
  const std::string good = read_all(path);

  write_all(path, good.substr(0, good.size() / 2));
  EXPECT_NE(load_error(path).find("truncated"), std::string::npos) << load_error(path);

  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  write_all(path, flipped);
  EXPECT_NE(load_error(path).find("checksum"), std::string::npos);

  std::string newer = good;
  newer[8] = 9;  // format version
  write_all(path, newer);
  EXPECT_NE(load_error(path).find("newer"), std::string::npos);

  write_all(path, "hello, I am a text file\n");
  EXPECT_NE(load_error(path).find("not an ocr model"), std::string::npos);

  write_all(path, "");
  EXPECT_NE(load_error(path).find(path), std::string::npos);

  EXPECT_NE(load_error(temp_path("missing.ocrm")).find("cannot open"), std::string::npos);
  std::remove(path.c_str());
}

TEST(ModelFile, WrongShapeAndHugeSizesAreErrorsNotAllocations) {
  Model m(kSpec, Alphabet(U"abc"), 16, 3);
  const std::string path = temp_path("c.ocrm");
  m.save(path);
  ModelFileContents c = read_model_file(path);
  // A tensor of the wrong shape.
  c.tensors[0].rows += 1;
  c.tensors[0].values.resize(size_t(c.tensors[0].rows) * size_t(c.tensors[0].cols));
  write_model_file(path, c);
  std::string err = load_error(path);
  EXPECT_NE(err.find("'0.weight' has shape"), std::string::npos) << err;
  // A header claiming an enormous tensor.
  std::remove(path.c_str());
  ModelFileContents huge;
  huge.metadata = {{"spec", kSpec}};
  StoredTensor t;
  t.name = "x";
  t.rows = 1;
  t.cols = 1;
  t.values = {1.0f};
  huge.tensors.push_back(t);
  write_model_file(path, huge);
  std::string raw = read_all(path);
  // Patch rows to 2^31 and fix the checksum so only the size cap can object.
  size_t at = raw.find(std::string("\x01\x00\x00\x00x", 5), 20) + 5;
  uint32_t big = 0x7fffffff;
  std::memcpy(&raw[at], &big, 4);
  uint32_t crc = crc32(raw.data() + 20, raw.size() - 24);
  std::memcpy(&raw[raw.size() - 4], &crc, 4);
  write_all(path, raw);
  err = load_error(path);
  EXPECT_NE(err.find("exceeds the size limit"), std::string::npos) << err;
  std::remove(path.c_str());
}

// Every tensor of the average, trained weights and batch-norm statistics alike, is the mean of
// the checkpoints' tensors; metadata comes from the newest; other runs' models are refused.
TEST(ModelFile, AveragingCheckpointsTakesTheMeanOfEveryTensor) {
  std::vector<std::shared_ptr<const Model>> models;
  for (uint64_t seed : {3, 4, 5}) {
    auto m = std::make_shared<Model>(kSpec, Alphabet(U"abc"), 16, seed);
    for (auto& p : m->network().params())
      if (!p.trainable()) p.value->array() += Scalar(seed);
    m->metadata().iterations = int64_t(seed) * 100;
    m->metadata().validation_cer = 0.01;
    models.push_back(m);
  }
  auto avg = Model::average(models, {"a", "b", "c"});
  EXPECT_EQ(avg->metadata().iterations, 500);
  EXPECT_EQ(avg->metadata().validation_cer, -1);
  ParamList out = avg->network().params();
  std::vector<ParamList> in;
  for (const auto& m : models) in.push_back(const_cast<Model&>(*m).network().params());
  ASSERT_EQ(out.size(), in[0].size());
  int non_trainable = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    non_trainable += !out[i].trainable();
    for (Index j = 0; j < out[i].value->size(); ++j) {
      const double mean = (double(in[0][i].value->data()[j]) + in[1][i].value->data()[j] + in[2][i].value->data()[j]) / 3;
      ASSERT_NEAR(out[i].value->data()[j], mean, 1e-6) << out[i].name;
    }
  }
  EXPECT_GT(non_trainable, 0);  // batch-norm statistics were among them
  // The average of one model is that model, exactly.
  auto same = Model::average({models[0], models[0]}, {"a", "a"});
  Activations x = input_batch();
  Matrix ya = models[0]->instantiate_for_inference()->forward(x, Mode::Infer).data;
  Matrix yb = same->instantiate_for_inference()->forward(x, Mode::Infer).data;
  EXPECT_EQ(0, std::memcmp(ya.data(), yb.data(), size_t(ya.size()) * sizeof(Scalar)));

  auto other_spec = std::make_shared<Model>("C3,3,4 Bn Relu Mp2,2 R6 Mp2,1 Col Lbx6 O", Alphabet(U"abc"), 16, 1);
  auto other_alphabet = std::make_shared<Model>(kSpec, Alphabet(U"abd"), 16, 1);
  for (const auto& bad : {std::shared_ptr<const Model>(other_spec), std::shared_ptr<const Model>(other_alphabet)}) {
    try {
      Model::average({models[0], bad}, {"first.ocrm", "second.ocrm"});
      ADD_FAILURE() << "a model of another run was averaged";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("second.ocrm"), std::string::npos) << e.what();
    }
  }
}

TEST(ModelFile, ExtendingTheAlphabetKeepsOldOutputs) {
  Model m(kSpec, Alphabet(U"abc"), 16, 3);
  Activations in = input_batch();
  Matrix before = m.instantiate_for_inference()->forward(in, Mode::Infer).data;
  m.extend_alphabet(Alphabet(U"cdx"), 5);
  EXPECT_EQ(m.alphabet().chars(), U"abcdx");
  Matrix after = m.instantiate_for_inference()->forward(in, Mode::Infer).data;
  ASSERT_EQ(after.rows(), 6);
  // Old labels keep their logits; log-softmax renormalises, so compare differences of scores.
  for (Index col = 0; col < 3; ++col) {
    EXPECT_NEAR(after(1, col) - after(2, col), before(1, col) - before(2, col), 1e-4);
  }
}

}  // namespace
}  // namespace ocr

namespace ocr {
namespace {

// The standard CRC-32 check value, and the fast paths against a byte-at-a-time loop on every
// length and alignment around the 8-byte and 64-byte steps.
TEST(ModelFile, Crc32MatchesTheStandardAndAPlainLoop) {
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);
  auto plain = [](const unsigned char* p, size_t n, uint32_t crc) {
    crc = ~crc;
    for (size_t i = 0; i < n; ++i) {
      crc ^= p[i];
      for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
  };
  // Past 64 bytes the folding path (PCLMULQDQ) takes the multiples of 16: every length to 400,
  // each alignment, and a long run.
  std::vector<unsigned char> bytes(5000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 37 + 11 + (i >> 7));
  for (size_t off = 0; off < 17; ++off)
    for (size_t n = 0; n + off <= 400; ++n)
      ASSERT_EQ(crc32(bytes.data() + off, n, 12345u), plain(bytes.data() + off, n, 12345u)) << off << " " << n;
  EXPECT_EQ(crc32(bytes.data() + 3, 4997, 0), plain(bytes.data() + 3, 4997, 0));
  // Chained: a CRC continued over a second piece equals the CRC of both.
  EXPECT_EQ(crc32(bytes.data() + 1000, 3000, crc32(bytes.data(), 1000)), crc32(bytes.data(), 4000));
}

}  // namespace
}  // namespace ocr

// Found by fuzz_model: an empty tensor passed a null pointer to memcpy (undefined behaviour,
// caught by the sanitizer build's run of this test).
TEST(ModelFile, EmptyTensorReadsAsEmpty) {
  const std::string path = ::testing::TempDir() + "empty_tensor_" + std::to_string(::getpid()) + ".ocrm";
  ocr::ModelFileContents c;
  c.metadata = {{"k", "v"}};
  c.tensors.push_back({"nothing", 0, 7, {}});
  ocr::write_model_file(path, c);
  const ocr::ModelFileContents back = ocr::read_model_file(path);
  ASSERT_EQ(back.tensors.size(), 1u);
  EXPECT_EQ(back.tensors[0].cols, 7);
  EXPECT_TRUE(back.tensors[0].values.empty());
  std::remove(path.c_str());
}
