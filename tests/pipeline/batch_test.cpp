#include "ocr/pipeline/batch.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <sstream>

#include "image/test_pages.h"
#include "ocr/core/error.h"
#include "pipeline/fake_reader.h"

namespace fs = std::filesystem;

namespace {

class BatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("ocr-batch-test-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    in_ = root_ / "in";
    fs::create_directories(in_ / "a");
    cv::Mat line = ocr::test::single_line();
    cv::imwrite((in_ / "one.png").string(), line);
    cv::imwrite((in_ / "a" / "scan.png").string(), line);
    cv::imwrite((in_ / "010001.bin.png").string(), line);
    std::ofstream(in_ / "notes.png") << "not an image at all\n";
    std::ofstream(in_ / "empty.png");
    std::vector<uchar> png;
    cv::imencode(".png", line, png);
    std::ofstream(in_ / "cut.png", std::ios::binary).write(reinterpret_cast<char*>(png.data()), 100);
    std::ofstream(in_ / "README.txt") << "ignored: not an image extension\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(in_ / "locked", fs::perms::owner_all, ec);
    fs::remove_all(root_, ec);
  }
  ocr::BatchSummary run(const std::vector<std::string>& inputs, ocr::BatchOptions opt,
                        std::string* stdout_text = nullptr, bool recursive = true) {
    std::vector<std::string> errors;
    auto list = ocr::expand_inputs(inputs, recursive, "", errors);
    opt.progress = 0;
    std::ostringstream out;
    ocr::PageRecognizer rec(ocr::test::fake_reader());
    auto s = ocr::run_batch(rec, list, opt, out);
    for (const auto& e : errors) s.errors.push_back(e);
    if (stdout_text) *stdout_text = out.str();
    return s;
  }
  fs::path root_, in_;
};

int count_tmp(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().string().find(".tmp") != std::string::npos) ++n;
  return n;
}

}  // namespace

TEST_F(BatchTest, FolderWithBrokenFilesMirrorsTreeAndReportsFailures) {
  ocr::BatchOptions opt;
  opt.output_dir = (root_ / "out").string();
  opt.formats = {ocr::OutputFormat::Txt, ocr::OutputFormat::Hocr};
  auto s = run({in_.string()}, opt);
  EXPECT_EQ(s.inputs, 6);
  EXPECT_EQ(s.done, 3);
  EXPECT_EQ(s.failed, 3);
  ASSERT_EQ(s.errors.size(), 3u);
  for (const auto& e : s.errors) {
    bool named = e.find("notes.png") != std::string::npos || e.find("empty.png") != std::string::npos ||
                 e.find("cut.png") != std::string::npos;
    EXPECT_TRUE(named) << e;
  }
  EXPECT_TRUE(fs::exists(root_ / "out" / "a" / "scan.txt"));
  EXPECT_TRUE(fs::exists(root_ / "out" / "a" / "scan.hocr"));
  EXPECT_TRUE(fs::exists(root_ / "out" / "010001.bin.txt"));
  EXPECT_TRUE(fs::exists(root_ / "out" / "one.txt"));
  EXPECT_FALSE(fs::exists(root_ / "out" / "notes.txt"));  // no partial output for a bad input
  EXPECT_FALSE(fs::exists(root_ / "out" / "cut.txt"));
  EXPECT_EQ(count_tmp(root_ / "out"), 0);
  std::ifstream t(root_ / "out" / "one.txt");
  std::string text((std::istreambuf_iterator<char>(t)), std::istreambuf_iterator<char>());
  // The stand-in reader makes 3-4 words of x's of the four drawn words.
  EXPECT_TRUE(std::regex_match(text, std::regex("x+( x+){2,3}\n"))) << text;
}

TEST_F(BatchTest, ResumeSkipsFinishedInputsUnlessForced) {
  ocr::BatchOptions opt;
  opt.output_dir = (root_ / "out").string();
  auto first = run({(in_ / "one.png").string(), (in_ / "a").string()}, opt);
  EXPECT_EQ(first.done, 2);
  // "Interrupted": one output lost; the rerun redoes only that one.
  fs::remove(root_ / "out" / "scan.txt");
  auto again = run({(in_ / "one.png").string(), (in_ / "a").string()}, opt);
  EXPECT_EQ(again.skipped, 1);
  EXPECT_EQ(again.done, 1);
  opt.force = true;
  EXPECT_EQ(run({(in_ / "one.png").string()}, opt).done, 1);
}

TEST_F(BatchTest, FailFastStopsAtTheFirstBadInput) {
  ocr::BatchOptions opt;
  opt.output_dir = (root_ / "out").string();
  opt.fail_fast = true;
  opt.jobs = 1;
  auto s = run({(in_ / "notes.png").string(), (in_ / "one.png").string()}, opt);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.done, 0);
}

TEST_F(BatchTest, StdoutAndOutputFile) {
  ocr::BatchOptions opt;
  std::string out;
  auto s = run({(in_ / "one.png").string(), (in_ / "missing.png").string(), (in_ / "a" / "scan.png").string()},
               opt, &out);
  EXPECT_EQ(s.failed, 1);
  auto ff = out.find('\f');
  ASSERT_NE(ff, std::string::npos);
  EXPECT_EQ(out.substr(0, ff), out.substr(ff + 1));  // the same line image twice, in order
  EXPECT_TRUE(std::regex_match(out.substr(0, ff), std::regex("x+( x+)+\n"))) << out;
  opt.formats = {ocr::OutputFormat::Tsv};
  run({(in_ / "one.png").string(), (in_ / "one.png").string()}, opt, &out);
  EXPECT_EQ(out.find("level\t"), 0u);
  EXPECT_EQ(out.find("level\t", 1), std::string::npos);  // one header for the stream
  opt.formats = {ocr::OutputFormat::Txt, ocr::OutputFormat::Alto};
  EXPECT_THROW(run({(in_ / "one.png").string()}, opt, &out), ocr::Error);  // several formats on stdout
  opt.output_file = (root_ / "res.txt").string();
  run({(in_ / "one.png").string(), (in_ / "a" / "scan.png").string()}, opt, &out);
  EXPECT_TRUE(fs::exists(root_ / "res.txt"));
  EXPECT_TRUE(fs::exists(root_ / "res.xml"));
  EXPECT_TRUE(out.empty());
}

TEST_F(BatchTest, UnreadableFolderIsReportedAndTheRestGoOn) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every folder";
  fs::create_directories(in_ / "locked");
  cv::imwrite((in_ / "locked" / "x.png").string(), ocr::test::single_line());
  fs::permissions(in_ / "locked", fs::perms::none);
  std::vector<std::string> errors;
  auto list = ocr::expand_inputs({(in_ / "locked").string(), in_.string()}, true, "", errors);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("locked"), std::string::npos);
  EXPECT_GE(list.size(), 6u);
}

TEST_F(BatchTest, InputExpansionAndNames) {
  std::vector<std::string> errors;
  std::ofstream(root_ / "list.txt") << "# comment\n" << (in_ / "one.png").string() << "\n\n"
                                    << (in_ / "a").string() << "\n";
  auto list = ocr::expand_inputs({}, false, (root_ / "list.txt").string(), errors);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].relative, "scan.png");
  auto flat = ocr::expand_inputs({in_.string()}, false, "", errors);
  EXPECT_EQ(flat.size(), 5u);  // not descending into a/
  ocr::expand_inputs({}, false, (root_ / "nope.txt").string(), errors);
  EXPECT_FALSE(errors.empty());
  EXPECT_EQ(ocr::output_path("D", {"x/a/scan.png", "a/scan.png"}, ocr::OutputFormat::Txt), "D/a/scan.txt");
  EXPECT_EQ(ocr::output_path("D", {"010001.bin.png", "010001.bin.png"}, ocr::OutputFormat::Txt),
            "D/010001.bin.txt");
  EXPECT_EQ(ocr::output_path("D", {"p.tif", "p.tif"}, ocr::OutputFormat::Page), "D/p.page.xml");
  EXPECT_EQ(ocr::output_file_for("r.txt", ocr::OutputFormat::Hocr, true), "r.hocr");
  EXPECT_EQ(ocr::output_file_for("r.txt", ocr::OutputFormat::Hocr, false), "r.txt");
}

// Found by fuzzing: a 70-byte list naming itself three times read 3^8 lists before the depth cap
// stopped it (a timeout). A list on its own trail is a cycle, refused at once; lists naming
// lists (no cycle) multiply too, and stop at 1 000 list files per input.
TEST_F(BatchTest, ListsNamingThemselvesOrEachOtherAreBounded) {
  const std::string self = (root_ / "self.txt").string();
  std::ofstream(self) << (in_ / "one.png").string() << "\n@" << self << "\n@" << self << "\n@" << self << "\n";
  std::vector<std::string> errors;
  auto once = ocr::expand_inputs({"@" + self}, false, "", errors);
  ASSERT_EQ(once.size(), 1u);  // one.png, read once
  ASSERT_EQ(errors.size(), 3u);
  for (const auto& e : errors) EXPECT_NE(e.find("this list names itself"), std::string::npos) << e;
  // Nine lists, each naming the next three times: 3^8 paths to the last, no cycle.
  for (int i = 0; i < 9; ++i) {
    std::ofstream list(root_ / ("chain" + std::to_string(i) + ".txt"));
    list << (in_ / "one.png").string() << "\n";
    if (i < 8)
      for (int k = 0; k < 3; ++k) list << "@" << (root_ / ("chain" + std::to_string(i + 1) + ".txt")).string() << "\n";
  }
  errors.clear();
  auto many = ocr::expand_inputs({"@" + (root_ / "chain0.txt").string()}, false, "", errors);
  EXPECT_EQ(many.size(), 1000u);  // one line read from each list file opened
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.back().find("more than 1000 lists"), std::string::npos) << errors.back();
}

// Found by fuzzing: glibc's glob lets `.*` match "." and "..", so `.*/*` read the parent folder
// and `.*/.*/.*/*` climbed the tree. A wildcard never matches them, as in bash and zsh; written
// out, "." and ".." still work.
TEST_F(BatchTest, PatternsDoNotClimbThroughDotDot) {
  const fs::path sub = in_ / "sub";
  fs::create_directories(sub / ".hidden");
  const cv::Mat line = ocr::test::single_line();
  cv::imwrite((sub / "mine.png").string(), line);
  cv::imwrite((sub / ".hidden" / "h.png").string(), line);
  std::vector<std::string> errors;
  auto got = ocr::expand_inputs({(sub / ".*" / "*.png").string()}, false, "", errors);
  ASSERT_EQ(got.size(), 1u) << (got.empty() ? "" : got[0].path);
  EXPECT_EQ(fs::path(got[0].path).filename(), "h.png");
  // ".." written out is the user's choice: in_'s own PNGs.
  got = ocr::expand_inputs({(sub / ".." / "one.p?g").string()}, false, "", errors);
  ASSERT_EQ(got.size(), 1u);
  // ... but `sub/.*/.*/*.png` does not reach in_ through `sub/../.`, nor root_ further up.
  errors.clear();
  got = ocr::expand_inputs({(sub / ".*" / ".*" / "*.png").string()}, false, "", errors);
  EXPECT_TRUE(got.empty()) << got[0].path;
  ASSERT_EQ(errors.size(), 1u);  // only "." and ".." matched: as no match
  EXPECT_NE(errors[0].find("no file matches this pattern"), std::string::npos) << errors[0];
}

TEST_F(BatchTest, AtomicWriteLeavesNoTempAndFailsCleanly) {
  std::string p = (root_ / "w" / "deep" / "f.txt").string();
  ocr::write_file_atomic(p, "hello");
  std::ifstream f(p);
  std::string s;
  std::getline(f, s);
  EXPECT_EQ(s, "hello");
  EXPECT_EQ(count_tmp(root_ / "w"), 0);
  EXPECT_THROW(ocr::write_file_atomic((in_ / "one.png" / "x.txt").string(), "x"), ocr::IoError);
}
