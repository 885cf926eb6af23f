// ocr::train end to end on a handful of drawn lines: it learns them, and a resumed run measures
// its starting model on its own validation set instead of trusting the CER stored in the file.
#include "ocr/train/trainer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/model/model.h"

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
    return c;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(Trainer, LearnsAFewLinesAndKeepsTheBest) {
  ocr::TrainConfig c = config();
  c.iterations = 700;
  c.val_every = 100;
  ocr::TrainSummary s = ocr::train(c);
  EXPECT_EQ(s.iterations, 700);
  EXPECT_LT(s.best_cer, 0.1);
  ASSERT_TRUE(fs::exists(c.out));
  ASSERT_TRUE(fs::exists(c.out + ".last"));
  EXPECT_NEAR(ocr::Model::load(c.out)->metadata().validation_cer, s.best_cer, 1e-9);
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
