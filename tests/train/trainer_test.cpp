// ocr::train end to end on a handful of drawn lines: it learns them, and a resumed run measures
// its starting model on its own validation set instead of trusting the CER stored in the file.
#include "ocr/core/gemm_bf16.h"
#include "ocr/train/trainer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/model/model.h"
#include "ocr/nn/network.h"
#include "ocr/train/line_source.h"

namespace fs = std::filesystem;

namespace {

class Trainer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocr-trainer-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "lines");
    const char* texts[] = {"one", "two", "ten", "net", "toe", "note", "tone", "on"};
    for (int i = 0; i < 8; ++i) {
      cv::Mat img(32, 90, CV_8UC1, cv::Scalar(255));
      cv::putText(img, texts[i], {6, 23}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
      const std::string stem = (dir_ / "lines" / ("l" + std::to_string(i))).string();
      cv::imwrite(stem + ".png", img);
      std::ofstream(stem + ".gt.txt") << texts[i] << "\n";
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  ocr::TrainConfig config() const {
    ocr::TrainConfig c;
    c.train = c.val = (dir_ / "lines").string();
    c.out = (dir_ / "m.ocrm").string();
    c.spec = "C3,3,8 Relu Mp2,2 Col Lbx24 O";
    c.batch = 8;
    c.lr = 3e-3;
    c.warmup = 20;
    c.threads = 1;
    c.seed = 2;
    c.augment = 0;  // the exact lines: these tests are about the loop, not generalisation
    return c;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(Trainer, LearnsAFewLinesAndKeepsTheBest) {
  ocr::TrainConfig c = config();
  c.iterations = 1200;
  c.val_every = 100;
  c.data_description = "eight drawn words";
  ocr::TrainSummary s = ocr::train(c);
  EXPECT_EQ(s.iterations, 1200);
  EXPECT_LT(s.best_cer, 0.1);
  ASSERT_TRUE(fs::exists(c.out));
  ASSERT_TRUE(fs::exists(c.out + ".last"));
  const auto model = ocr::Model::load(c.out);
  EXPECT_NEAR(model->metadata().validation_cer, s.best_cer, 1e-9);
  // The data note: the caller's words, then what the source itself says it read.
  EXPECT_EQ(model->metadata().data, "eight drawn words; " + c.train + " (8 lines)");
}

// --keep-checkpoints N: the models of the last N validations stay beside the output, named by
// iteration and CER, each holding its own validation CER; older ones are removed.
TEST_F(Trainer, KeepsTheLastCheckpointsNamedByIterationAndCer) {
  ocr::TrainConfig c = config();
  c.iterations = 50;
  c.val_every = 10;
  c.keep_checkpoints = 2;
  ocr::train(c);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.path().filename().string().rfind("m.it", 0) == 0) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].rfind("m.it000040.cer", 0), 0u) << names[0];
  EXPECT_EQ(names[1].rfind("m.it000050.cer", 0), 0u) << names[1];
  for (const auto& n : names) {
    auto m = ocr::Model::load((dir_ / n).string());
    const double cer = std::stod(n.substr(n.find(".cer") + 4));
    EXPECT_NEAR(100 * m->metadata().validation_cer, cer, 0.001) << n;
    EXPECT_EQ(n.size() >= 5 && n.substr(n.size() - 5) == ".ocrm", true);
  }
  EXPECT_EQ(ocr::Model::load((dir_ / names[1]).string())->metadata().iterations, 50);
}

// Mixed precision learns the same lines as well (bf16 products, float weights and gradients).
TEST_F(Trainer, LearnsInMixedPrecision) {
  if (!ocr::gemm_bf16_is_native()) GTEST_SKIP() << "no AVX512-BF16 here";
  ocr::TrainConfig c = config();
  c.iterations = 1200;  // as the float run above
  c.val_every = 100;
  c.precision = ocr::Precision::Bf16;
  ocr::TrainSummary s = ocr::train(c);
  ocr::set_bf16_training(false);
  EXPECT_LT(s.best_cer, 0.1);
}

TEST_F(Trainer, ResumeMeasuresTheStartingModelOnItsOwnValidationSet) {
  ocr::TrainConfig c = config();
  c.iterations = 30;
  c.val_every = 30;
  ocr::train(c);
  // Pretend the model was perfect on some other set: no run could ever beat that figure.
  auto m = ocr::Model::load(c.out);
  m->metadata().validation_cer = 0;
  const std::string init = (dir_ / "init.ocrm").string();
  m->save(init);
  fs::remove(c.out);
  ocr::TrainConfig r = config();
  r.init = init;
  r.iterations = 1;
  r.val_every = 1;
  r.lr = 1e-9;  // one step that changes nothing: the baseline is the best
  ocr::TrainSummary s = ocr::train(r);
  ASSERT_TRUE(fs::exists(r.out));
  EXPECT_GT(s.best_cer, 0.0);
  EXPECT_NEAR(ocr::Model::load(r.out)->metadata().validation_cer, s.best_cer, 1e-9);
}

// --freeze-backbone: the convolutions (and batch-norm statistics) of the init model come out
// bit-identical, the layers after Col learn, on one thread and on two (data parallel).
TEST_F(Trainer, FrozenBackboneKeepsTheConvolutionsAndTrainsTheHead) {
  ocr::TrainConfig c = config();
  c.spec = "C3,3,8 Bn Relu Mp2,2 Col Lbx24 O";
  c.iterations = 40;
  c.val_every = 40;
  ocr::train(c);
  const std::string init = (dir_ / "init.ocrm").string();
  fs::rename(c.out, init);
  for (int threads : {1, 2}) {
    ocr::TrainConfig f = config();
    f.init = init;
    f.freeze_backbone = true;
    f.threads = threads;
    f.iterations = 300;
    f.val_every = 300;
    const std::string out = (dir_ / ("frozen" + std::to_string(threads) + ".ocrm")).string();
    f.out = out;
    ocr::train(f);
    auto before = ocr::Model::load(init), after = ocr::Model::load(out + ".last");
    ocr::ParamList pb = before->network().params(), pa = after->network().params();
    ASSERT_EQ(pb.size(), pa.size());
    int head_changed = 0, backbone = 0;
    for (size_t i = 0; i < pb.size(); ++i) {
      const bool in_backbone = pb[i].name.rfind("0.", 0) == 0 || pb[i].name.rfind("1.", 0) == 0;
      if (in_backbone) {
        ++backbone;
        EXPECT_EQ((*pb[i].value - *pa[i].value).cwiseAbs().maxCoeff(), 0) << pb[i].name << " threads " << threads;
      } else {
        head_changed += (*pb[i].value - *pa[i].value).cwiseAbs().maxCoeff() > 1e-4;
      }
    }
    EXPECT_EQ(backbone, 6);  // conv weight and bias, batch-norm gamma, beta, mean, variance
    EXPECT_GE(head_changed, 6) << "threads " << threads;
  }
}

// Without --val, 5 % of 40+ labelled lines are held out for validation (seeded, disjoint from
// training); with fewer there is no validation and the last model is kept.
TEST_F(Trainer, HoldsOutValidationLinesWhenNoneGiven) {
  const char* texts[] = {"one", "two", "ten", "net", "toe", "note", "tone", "on"};
  for (int i = 8; i < 44; ++i) {
    cv::Mat img(32, 90, CV_8UC1, cv::Scalar(255));
    cv::putText(img, texts[i % 8], {6, 23}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
    const std::string stem = (dir_ / "lines" / ("l" + std::to_string(i))).string();
    cv::imwrite(stem + ".png", img);
    std::ofstream(stem + ".gt.txt") << texts[i % 8] << "\n";
  }
  ocr::FileLineSource src((dir_ / "lines").string(), 7);
  ASSERT_EQ(src.samples().size(), 44u);
  std::vector<ocr::LineSample> held = src.hold_out(3);
  ASSERT_EQ(held.size(), 3u);
  EXPECT_EQ(src.samples().size(), 41u);
  for (const auto& h : held)
    for (const auto& t : src.samples()) EXPECT_NE(h.origin, t.origin);
  EXPECT_THROW(src.hold_out(41), ocr::Error);

  ocr::TrainConfig c = config();
  c.val.clear();
  c.augment = 1;
  c.iterations = 2;
  c.val_every = 2;
  ocr::TrainSummary s = ocr::train(c);
  EXPECT_GE(s.best_cer, 0.0);  // measured on the held-out lines
}

// Line i of a file source's stream does not depend on what was drawn before, and each epoch is
// a seeded reordering of all lines: the ranks of an MPI run draw disjoint parts of one stream.
TEST_F(Trainer, FileSourceStreamIsDrawnByIndex) {
  ocr::FileLineSource a((dir_ / "lines").string(), 7), b((dir_ / "lines").string(), 7);
  a.set_augment(true);
  b.set_augment(true);
  std::vector<ocr::LineSample> forward;
  for (uint64_t i = 0; i < 24; ++i) forward.push_back(a.at(i));
  for (uint64_t i = 24; i-- > 0;) {
    const ocr::LineSample s = b.at(i);
    EXPECT_EQ(s.origin, forward[i].origin) << i;
    EXPECT_EQ(cv::norm(s.image, forward[i].image, cv::NORM_INF), 0.0) << i;
  }
  std::vector<std::string> orders;
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::set<std::string> seen;
    std::string order;
    for (int k = 0; k < 8; ++k) {
      seen.insert(forward[size_t(epoch * 8 + k)].origin);
      order += forward[size_t(epoch * 8 + k)].origin + " ";
    }
    EXPECT_EQ(seen.size(), 8u) << "epoch " << epoch << " is not a permutation: " << order;
    orders.push_back(order);
  }
  EXPECT_TRUE(orders[0] != orders[1] || orders[1] != orders[2]);
}

// The loader draws only its shard's indices, in order, and hands on an unusable line marked as
// such (not silently dropped), so all ranks agree on what a stretch of the stream holds.
TEST_F(Trainer, LoaderDrawsItsShardAndMarksUnusableLines) {
  // "net" cannot be encoded without 'e': lines with it are unusable.
  const ocr::Alphabet alphabet(U"notw");
  auto src = std::make_unique<ocr::FileLineSource>((dir_ / "lines").string(), 3);
  ocr::FileLineSource reference((dir_ / "lines").string(), 3);
  ocr::LineNormalization norm;
  norm.height = 32;
  ocr::PrefetchingLoader loader(std::move(src), alphabet, norm, 2, 16, ocr::StreamShard{1, 3});
  int unusable = 0;
  for (uint64_t k = 0; k < 16; ++k) {
    const ocr::PreparedLine p = loader.next();
    const uint64_t index = 1 + 3 * k;
    ASSERT_EQ(p.index, index);
    const ocr::LineSample s = reference.at(index);
    const bool encodable = s.text.find_first_not_of("notw") == std::string::npos;
    EXPECT_EQ(p.usable, encodable) << s.origin << " '" << s.text << "'";
    if (p.usable) {
      EXPECT_EQ(p.text, s.text);
    }
    unusable += !p.usable;
  }
  EXPECT_GT(unusable, 0);
  EXPECT_THROW(ocr::PrefetchingLoader(std::make_unique<ocr::FileLineSource>((dir_ / "lines").string(), 3),
                                      alphabet, norm, 2, 16, ocr::StreamShard{3, 3}),
               ocr::Error);
}

// A line handed to another rank arrives as it left; bytes that do not hold a line are refused.
TEST(PackedLine, RoundTripsAndRefusesBadBytes) {
  ocr::PreparedLine line;
  line.input = ocr::MatrixF::Random(5, 7);
  line.labels = {3, 1, 4, 1, 5};
  line.text = "naïve";
  line.origin = "synth seed=1 line=9";
  line.index = 123456789012ull;
  const std::vector<char> bytes = ocr::pack_line(line);
  const ocr::PreparedLine back = ocr::unpack_line(bytes);
  EXPECT_EQ(back.input, line.input);
  EXPECT_EQ(back.labels, line.labels);
  EXPECT_EQ(back.text, line.text);
  EXPECT_EQ(back.origin, line.origin);
  EXPECT_EQ(back.index, line.index);
  EXPECT_TRUE(back.usable);
  EXPECT_THROW(ocr::unpack_line(std::vector<char>(bytes.begin(), bytes.end() - 1)), ocr::Error);
  EXPECT_THROW(ocr::unpack_line(std::vector<char>(10, 0)), ocr::Error);
  std::vector<char> huge = bytes;
  const uint64_t rows = uint64_t(1) << 40;  // a size whose product with the width would overflow
  std::memcpy(huge.data(), &rows, sizeof rows);
  EXPECT_THROW(ocr::unpack_line(huge), ocr::Error);
}

// Issue 19: a net that pools every line down to 0 frames used to hang; now training fails fast.
TEST_F(Trainer, FailsFastWhenNoLineIsUsable) {
  ocr::TrainConfig c = config();
  c.spec = "C3,3,8 Mp1,16 Mp1,16 Col Lbx8 O";  // width divided by 256: 0 frames for every line
  c.iterations = 10;
  const auto start = std::chrono::steady_clock::now();
  try {
    ocr::train(c);
    FAIL() << "training without a usable line did not fail";
  } catch (const ocr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no usable training lines"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("too narrow"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
  EXPECT_FALSE(fs::exists(c.out));
}
