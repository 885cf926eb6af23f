#include "ocr/eval/dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ocr/core/error.h"
#include "ocr/eval/report.h"
#include "eval/temp_tree.h"

namespace fs = std::filesystem;

namespace ocr {
namespace {

class DatasetTest : public test::TempTree {
 protected:
  void SetUp() override {
    make_root("ocr_dataset_test_");
    std::filesystem::create_directories(root_ / "lines");
    std::filesystem::create_directories(root_ / "pred");
    // Images are never opened here, so their bytes do not matter.
    write("lines/a.png", "png");
    write("lines/a.gt.txt", "hello world\n");
    write("lines/b.bin.png", "png");
    write("lines/b.nrm.png", "png");
    write("lines/b.gt.txt", "\xEF\xBB\xBFwo\xCC\x88rld\r\n");  // BOM, CRLF
    write("lines/c.png", "png");                                  // no ground truth
    write("lines/d.gt.txt", "orphan\n");                          // no image
    write("lines/e.tif", "tif");
    write("lines/e.gt.txt", " \n");                               // empty
    write("lines/f.JPG", "jpg");
    write("lines/f.gt.txt", "bad \xFF\n");                        // not UTF-8
    write("lines/notes.txt", "not a line");
  }
};

TEST(Dataset, Stems) {
  EXPECT_EQ(path_stem("a/b/x.bin.png"), "x");
  EXPECT_EQ(path_stem("x"), "x");
  EXPECT_EQ(path_stem("dir.v2/x.gt.txt"), "x");
  EXPECT_TRUE(is_line_image("a/x.nrm.png"));
  EXPECT_TRUE(is_line_image("X.TIFF"));
  EXPECT_TRUE(is_line_image("x.jpeg"));
  EXPECT_FALSE(is_line_image("x.gt.txt"));
  EXPECT_FALSE(is_line_image("x.pdf"));
}

TEST_F(DatasetTest, PairsImagesWithGroundTruthInADirectory) {
  std::vector<std::string> problems;
  const auto pairs = find_gt_pairs(path("lines"), &problems);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].image, path("lines/a.png"));
  EXPECT_EQ(pairs[0].gt_path, path("lines/a.gt.txt"));
  EXPECT_EQ(pairs[0].text, "hello world");
  EXPECT_EQ(pairs[1].image, path("lines/b.bin.png"));  // preferred over .nrm.png
  EXPECT_EQ(pairs[1].text, "wo\xCC\x88rld");           // BOM and CRLF gone, content untouched
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_TRUE(mentions(problems, path("lines/c.gt.txt")));  // the missing file, by path
  EXPECT_TRUE(mentions(problems, path("lines/d.gt.txt")));
  EXPECT_TRUE(mentions(problems, "empty ground truth " + path("lines/e.gt.txt")));
  EXPECT_TRUE(mentions(problems, path("lines/f.gt.txt") + ": not valid UTF-8"));
}

TEST_F(DatasetTest, ReadsListFiles) {
  write("list.txt",
        "# training lines\n"
        "lines/a.png\n"
        "\n"
        "  lines/missing.png  \n" +
            path("lines/c.png") + "\n" +
            "lines/b.gt.txt\n"
            "lines/d.gt.txt\n");
  std::vector<std::string> problems;
  // Relative entries are found from the list's directory (the current one has no lines/).
  const auto pairs = find_gt_pairs(path("list.txt"), &problems);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(fs::path(pairs[0].image).filename(), "a.png");
  EXPECT_EQ(pairs[0].text, "hello world");
  EXPECT_EQ(fs::path(pairs[1].image).filename(), "b.bin.png");
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_TRUE(mentions(problems, "list.txt:4: no such image lines/missing.png"));
  EXPECT_TRUE(mentions(problems, path("lines/c.gt.txt")));
  EXPECT_TRUE(mentions(problems, "list.txt:7: no image for ground truth"));
}

TEST_F(DatasetTest, MissingInputIsAnIoError) {
  EXPECT_THROW(find_gt_pairs(path("nope")), IoError);
  EXPECT_THROW(read_line_text(path("nope.txt")), IoError);
}

// Issue 19: a "transcription" of gigabytes is refused unread, naming the file and the limit.
TEST_F(DatasetTest, OversizedGroundTruthIsRefused) {
  write("big.gt.txt", std::string((1 << 20) + 1, 'a'));
  try {
    read_line_text(path("big.gt.txt"));
    FAIL() << "accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path("big.gt.txt") + ": file too large"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at most 1048576"), std::string::npos) << e.what();
  }
}

TEST_F(DatasetTest, ComparesExistingPredictions) {
  write("pred/a.txt", "hallo world\n");
  write("pred/b.pred.txt", "wörld");  // composed ö: equal to the decomposed gt after NFC
  std::vector<std::string> problems;
  const auto pairs = find_gt_pairs(path("lines"), &problems);
  problems.clear();
  EvalAccumulator acc;
  EXPECT_EQ(evaluate_predictions(pairs, path("pred"), acc, &problems), 2u);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(acc.char_edits(), 1);
  EXPECT_EQ(acc.gt_chars(), 11 + 5);
  EXPECT_EQ(acc.word_edits(), 1);
  EXPECT_EQ(acc.gt_words(), 3);
  EXPECT_EQ(find_prediction(path("pred"), path("lines/a.png")), path("pred/a.txt"));
  EXPECT_EQ(find_prediction(path("pred"), path("lines/b.bin.png")), path("pred/b.pred.txt"));
  // What `ocr recognize --output-dir` writes for x.bin.png is found too.
  write("pred/b.bin.txt", "x");
  fs::remove(root_ / "pred/b.pred.txt");
  EXPECT_EQ(find_prediction(path("pred"), path("lines/b.bin.png")), path("pred/b.bin.txt"));
  EXPECT_EQ(find_prediction(path("pred"), path("lines/c.png")), "");
  write("pred/b.pred.txt", "wörld");

  // A missing prediction is reported with the path that was looked for, and skipped.
  fs::remove(root_ / "pred/a.txt");
  EvalAccumulator acc2;
  EXPECT_EQ(evaluate_predictions(pairs, path("pred"), acc2, &problems), 1u);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find(path("pred") + "/a.txt"), std::string::npos) << problems[0];
  // An empty prediction is a reading that deleted everything.
  write("pred/a.txt", "");
  EvalAccumulator acc3;
  EXPECT_EQ(evaluate_predictions(pairs, path("pred"), acc3, nullptr), 2u);
  EXPECT_EQ(acc3.char_edits(), 11);
}

}  // namespace
}  // namespace ocr
