#include "ocr/synth/data_set.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "ocr/core/error.h"
#include "ocr/core/file.h"

namespace ocr::synth {
namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(OCR_SOURCE_DIR) + "/data";

GeneratorConfig config(uint64_t seed) {
  GeneratorConfig c;
  c.fonts_table = kData + "/fonts.tsv";
  c.alphabet = kData + "/eng.alphabet";
  c.corpus = kData + "/corpus-sample.txt";  // the corpus CI has
  c.seed = seed;
  c.profile_weights = {{"scan_gray", 1.0}};
  return c;
}

class DataSet : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ocr_data_set_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

TEST_F(DataSet, StemsArePaddedSoNamesSortInOrder) {
  EXPECT_EQ(item_stem(7, 10), "000007");
  EXPECT_EQ(item_stem(123456, 999999), "123456");
  EXPECT_EQ(item_stem(12, 1234567), "0000012");
}

TEST_F(DataSet, LinePairsAreTheGeneratorsLinesInOrder) {
  LineGenerator gen(config(5));
  write_line_set(gen, (dir_ / "lines").string(), 3);
  LineGenerator same(config(5));
  for (int i = 1; i <= 3; ++i) {
    const LineSample s = same.next();
    const std::string base = (dir_ / "lines" / item_stem(i, 3)).string();
    EXPECT_EQ(read_file(base + ".gt.txt"), s.text + "\n");
    const cv::Mat img = cv::imread(base + ".png", cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(img.empty());
    EXPECT_EQ(img.size(), s.image.size());
    EXPECT_EQ(cv::norm(img, s.image, cv::NORM_INF), 0);
  }
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "lines")) {
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
    ++files;
  }
  EXPECT_EQ(files, 6);
}

TEST_F(DataSet, PagesComeWithTheirDetectorTargetAndPageXml) {
  PageGeneratorConfig c;
  c.lines = config(2);
  c.lines.profile_weights.clear();
  PageGenerator gen(c);
  write_page_set(gen, dir_.string(), 1);
  EXPECT_EQ(names(), (std::vector<std::string>{"000001.core.png", "000001.png", "000001.xml"}));
  const cv::Mat page = cv::imread((dir_ / "000001.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat core = cv::imread((dir_ / "000001.core.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(core.size(), page.size());
  EXPECT_NE(read_file((dir_ / "000001.xml").string()).find("imageFilename=\"000001.png\""), std::string::npos);
}

TEST_F(DataSet, MeasuresTheLineImagesOfAFolderInNameOrder) {
  fs::create_directories(dir_);
  LineGenerator gen(config(9));
  std::vector<LineStats> expected;
  // Written out of order; a blank image has nothing to measure, a text file is no image.
  for (const char* name : {"b.png", "a.png", "c.tif"}) {
    const cv::Mat img = gen.next().image;
    cv::imwrite((dir_ / name).string(), img);
  }
  for (const char* name : {"a.png", "b.png", "c.tif"}) {
    LineStats s;
    ASSERT_TRUE(measure_line(cv::imread((dir_ / name).string(), cv::IMREAD_GRAYSCALE), &s));
    expected.push_back(s);
  }
  cv::imwrite((dir_ / "blank.png").string(), cv::Mat(40, 200, CV_8UC1, cv::Scalar(255)));
  std::ofstream(dir_ / "notes.txt") << "not an image";
  const std::vector<LineStats> got = measure_line_folder(dir_.string());
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(got[i].x_height, expected[i].x_height) << i;
    EXPECT_DOUBLE_EQ(got[i].stroke_width, expected[i].stroke_width) << i;
  }
  EXPECT_THROW(measure_line_folder((dir_ / "notes.txt").string()), IoError);
}

}  // namespace
}  // namespace ocr::synth
