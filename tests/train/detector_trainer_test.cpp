// The detector's training data (synthetic pages through the recognizer's preprocessing, scaled
// and tiled) and a short training run end to end.
#include "ocr/train/detector_trainer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/detect/detector.h"
#include "ocr/model/model.h"

namespace fs = std::filesystem;

namespace ocr {
namespace {

synth::SyntheticPage clean_page(const std::string& kind, uint64_t seed) {
  synth::PageGeneratorConfig c;
  c.lines.seed = seed;
  synth::PageGenerator gen(c);
  return gen.render_clean(kind);
}

TEST(DetectorData, CoreFollowsTheInkThroughPreprocessing) {
  synth::SyntheticPage page = clean_page("letter", 3);
  // A tilted scan: preprocessing deskews it, and the core must turn with it.
  cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(page.image.cols / 2.f, page.image.rows / 2.f), 4, 1);
  cv::warpAffine(page.image, page.image, rot, page.image.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 255);
  cv::warpAffine(page.core, page.core, rot, page.core.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, 0);
  DetectorPage d = prepare_detector_page(page);
  ASSERT_EQ(d.core.size(), d.working.size());
  ASSERT_GT(d.text_height, 0);
  ASSERT_GT(cv::countNonZero(d.core), 1000);
  // Ink is dense inside x-height bands and rare just above them: on the core the page is much
  // darker than on the same band moved up by 1.5 x-heights (between lines or above ascenders
  // of the line).
  const double under = cv::mean(d.working, d.core)[0];
  cv::Mat shifted;
  const double shift = 1.5 * d.text_height;
  cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, 0, 0, 1, -shift);
  cv::warpAffine(d.core, shifted, m, d.core.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, 0);
  shifted &= ~d.core;
  const double beside = cv::mean(d.working, shifted)[0];
  EXPECT_LT(under, beside - 40) << "core " << under << ", shifted band " << beside;
}

TEST(DetectorData, ScaledTargetsAreAQuarterOfTheInputAndKeepTheLines) {
  synth::SyntheticPage page = clean_page("article", 5);
  DetectorPage d = prepare_detector_page(page);
  DetectorSample s = scale_detector_page(d, 10, 1.0, 4);
  EXPECT_EQ(s.input.rows % 4, 0);
  EXPECT_EQ(s.input.cols % 4, 0);
  EXPECT_EQ(s.target.rows * 4, s.input.rows);
  EXPECT_EQ(s.target.cols * 4, s.input.cols);
  // The core's share of the page survives the scaling (x-height bands of 10 px are 2.5 map px).
  const double before = double(cv::countNonZero(d.core)) / double(d.core.total());
  const double after = double(cv::countNonZero(s.target)) / double(s.target.total());
  EXPECT_NEAR(after, before, 0.35 * before);
  Rng rng(1);
  std::vector<DetectorSample> tiles = cut_tiles(s, 64, 20, 4, rng);
  ASSERT_EQ(tiles.size(), 20u);
  int with_core = 0;
  for (const auto& t : tiles) {
    ASSERT_EQ(t.input.size(), cv::Size(64, 64));
    ASSERT_EQ(t.target.size(), cv::Size(16, 16));
    with_core += cv::countNonZero(t.target) > 0;
  }
  EXPECT_GE(with_core, 10);  // half are centred on a line
  EXPECT_THROW(cut_tiles(s, 66, 1, 4, rng), Error);
}

TEST(DetectorData, TilesOfASmallPageArePaddedWithPaper) {
  DetectorSample s;
  s.input = cv::Mat(40, 24, CV_8UC1, cv::Scalar(0));
  s.target = cv::Mat(10, 6, CV_8UC1, cv::Scalar(1));
  Rng rng(2);
  std::vector<DetectorSample> tiles = cut_tiles(s, 64, 1, 4, rng);
  ASSERT_EQ(tiles[0].input.size(), cv::Size(64, 64));
  EXPECT_EQ(tiles[0].input.at<uint8_t>(63, 63), 255);
  EXPECT_EQ(tiles[0].target.at<uint8_t>(15, 15), 0);
  EXPECT_EQ(cv::countNonZero(tiles[0].target), 60);
}

TEST(DetectorTrainer, ShortRunLowersTheLossAndSavesADetector) {
  const fs::path dir = fs::temp_directory_path() / ("ocr-detector-train-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  DetectorTrainConfig c;
  c.out = (dir / "lines.ocrm").string();
  c.spec = "C3,3,4 Bn Relu Mp2,2 C3,3,8 Bn Relu Mp2,2 Rd8,2 Om1";
  c.tile = 64;
  c.batch = 4;
  c.iterations = 60;
  c.lr = 5e-3;
  c.warmup = 5;
  c.val_every = 60;
  c.val_pages = 2;
  c.threads = 2;
  c.seed = 3;
  c.page_kinds = "letter=1";
  DetectorTrainSummary s = train_detector(c);
  EXPECT_EQ(s.iterations, 60);
  EXPECT_EQ(s.tiles, 240);
  EXPECT_GT(s.pages, 0);
  EXPECT_LT(s.last_loss, 0.8 * s.first_loss) << "first " << s.first_loss << ", last " << s.last_loss;
  auto model = Model::load(c.out, ModelKind::Detector);
  EXPECT_EQ(model->spec(), c.spec);
  EXPECT_NEAR(detector_settings(*model).text_height, 10, 1e-6);
  EXPECT_TRUE(fs::exists(c.out + ".last"));
  // A detector is refused where a recognizer is expected.
  EXPECT_THROW(Model::load(c.out), Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ocr
