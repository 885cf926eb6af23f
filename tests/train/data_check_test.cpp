// ocr train --check: every entry training would skip is reported with its path and reason, and
// identical images, stray spaces and characters new to the init model are pointed out.
#include "ocr/train/data_check.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/model/model.h"
#include "ocr/train/trainer.h"

namespace fs = std::filesystem;

namespace {

cv::Mat drawn(const std::string& text, int width) {
  cv::Mat img(32, width, CV_8UC1, cv::Scalar(255));
  cv::putText(img, text, {4, 23}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
  return img;
}

bool mentions(const std::vector<std::string>& lines, const std::string& a, const std::string& b) {
  for (const auto& l : lines)
    if (l.find(a) != std::string::npos && l.find(b) != std::string::npos) return true;
  return false;
}

TEST(DataCheck, ReportsWhatTrainingWouldSkipAndWhatDeservesALook) {
  const fs::path dir = fs::temp_directory_path() / ("ocr-check-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto pair = [&](const std::string& stem, const cv::Mat& img, const std::string& text) {
    cv::imwrite((dir / (stem + ".png")).string(), img);
    std::ofstream(dir / (stem + ".gt.txt")) << text << "\n";
  };
  pair("good1", drawn("one two", 120), "one two");
  pair("good2", drawn("ten", 80), "ten");
  pair("copy", drawn("one two", 120), "one too");          // same pixels, other text
  pair("spaces", drawn("net", 80), "net  toe");             // doubled space
  pair("accent", drawn("cafe", 90), "caf\u00e9");           // a character new to the init model
  pair("narrow", drawn("x", 10), "a very long text for ten pixels");
  cv::imwrite((dir / "orphan.png").string(), drawn("on", 60));
  std::ofstream(dir / "lost.gt.txt") << "no image\n";
  std::ofstream(dir / "broken.png") << "not a png";
  std::ofstream(dir / "broken.gt.txt") << "broken\n";

  const ocr::Alphabet init(U"abcdefghijklmnopqrstuvwxyz ");
  ocr::DataCheckOptions opt;
  opt.spec = "C3,3,8 Relu Mp2,2 Col Lbx16 O";
  opt.init_alphabet = &init;
  ocr::DataCheckReport r = ocr::check_training_data(dir.string(), opt);

  EXPECT_EQ(r.entries, 9);
  EXPECT_EQ(r.usable, 5);  // good1, good2, copy, spaces, accent
  ASSERT_EQ(r.problems.size(), 4u) << ::testing::PrintToString(r.problems);
  EXPECT_TRUE(mentions(r.problems, "orphan.png", "no ground truth"));
  EXPECT_TRUE(mentions(r.problems, "lost.gt.txt", "no image"));
  EXPECT_TRUE(mentions(r.problems, "broken.png", "not an image"));
  EXPECT_TRUE(mentions(r.problems, "narrow.png", "too narrow"));
  ASSERT_EQ(r.warnings.size(), 2u) << ::testing::PrintToString(r.warnings);
  EXPECT_TRUE(mentions(r.warnings, "copy.png", "good1.png"));
  EXPECT_TRUE(mentions(r.warnings, "copy.png", "another ground truth"));
  EXPECT_TRUE(mentions(r.warnings, "spaces.gt.txt", "spaces"));
  EXPECT_EQ(r.new_chars, U"\u00e9");
  EXPECT_EQ(r.char_counts.at(U'o'), 2 + 3 + 1);  // one two, one too, net  toe
  EXPECT_EQ(r.characters, 7 + 3 + 7 + 8 + 4);
  EXPECT_THROW(ocr::check_training_data((dir / "missing").string(), opt), ocr::IoError);
  fs::remove_all(dir);
}

TEST(DataCheck, CharactersByCountMostFrequentFirst) {
  ocr::DataCheckReport r;
  r.char_counts = {{U'b', 3}, {U'a', 3}, {U'z', 9}, {U' ', 1}};
  const auto by = ocr::chars_by_count(r);
  const std::vector<std::pair<char32_t, int64_t>> expected = {{U'z', 9}, {U'a', 3}, {U'b', 3}, {U' ', 1}};
  EXPECT_EQ(by, expected);
}

TEST(DataCheck, ConfigChecksTrainingAndValidationSetsAgainstTheInitModel) {
  const fs::path dir = fs::temp_directory_path() / ("ocr-check-config-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "train");
  fs::create_directories(dir / "val");
  auto pair = [&](const std::string& rel, const cv::Mat& img, const std::string& text) {
    cv::imwrite((dir / (rel + ".png")).string(), img);
    std::ofstream(dir / (rel + ".gt.txt")) << text << "\n";
  };
  pair("train/a", drawn("one two", 120), "one two");
  pair("train/b", drawn("cafe", 90), "caf\u00e9");
  pair("val/c", drawn("ten", 80), "ten");

  ocr::TrainConfig cfg;
  cfg.train = "synth";
  EXPECT_THROW(ocr::check_training_config(cfg), ocr::Error);

  cfg.train = (dir / "train").string();
  cfg.spec = "C3,3,8 Relu Mp2,2 Col Lbx16 O";
  ocr::TrainingDataCheck c = ocr::check_training_config(cfg);
  ASSERT_EQ(c.sets.size(), 1u);
  EXPECT_EQ(c.sets[0].set, cfg.train);
  EXPECT_EQ(c.sets[0].report.usable, 2);
  EXPECT_FALSE(c.with_init);
  EXPECT_TRUE(c.sets[0].report.new_chars.empty());
  EXPECT_FALSE(c.would_skip());

  ocr::Model("C3,3,8 Relu Mp2,2 Col Lbx16 O", ocr::Alphabet(U"abcdefghijklmnopqrstuvwxyz "), 32, 1)
      .save((dir / "init.ocrm").string());
  cfg.init = (dir / "init.ocrm").string();
  cfg.val = (dir / "val").string();
  cfg.spec = "not a spec: the init model's is used";
  std::vector<std::string> seen;
  c = ocr::check_training_config(cfg, [&](const ocr::CheckedSet& set) { seen.push_back(set.set); });
  EXPECT_EQ(seen, (std::vector<std::string>{cfg.train, cfg.val}));
  ASSERT_EQ(c.sets.size(), 2u);
  EXPECT_TRUE(c.with_init);
  EXPECT_EQ(c.sets[0].report.new_chars, U"\u00e9");
  EXPECT_EQ(c.sets[1].set, cfg.val);
  EXPECT_EQ(c.sets[1].report.usable, 1);
  EXPECT_FALSE(c.would_skip());

  std::ofstream(dir / "val" / "lost.gt.txt") << "no image\n";
  EXPECT_TRUE(ocr::check_training_config(cfg).would_skip());
  fs::remove(dir / "val" / "lost.gt.txt");
  fs::remove(dir / "val" / "c.png");
  fs::remove(dir / "val" / "c.gt.txt");
  EXPECT_TRUE(ocr::check_training_config(cfg).would_skip());  // no usable validation line
  cfg.val = (dir / "missing").string();
  EXPECT_THROW(ocr::check_training_config(cfg), ocr::IoError);
  fs::remove_all(dir);
}

}  // namespace
