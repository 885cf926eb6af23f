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

}  // namespace
