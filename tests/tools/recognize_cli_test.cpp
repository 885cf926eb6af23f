// Runs the built `ocr recognize` on generated images with a small random-weight model: formats,
// layouts, batch semantics, exit codes and every bad-input case of issue 4.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "image/test_pages.h"
#include "ocr/model/model.h"

#include "tools/cli_helpers.h"

namespace fs = std::filesystem;

namespace {

using ocr::test::have;
using ocr::test::Result;
using ocr::test::slurp;

class RecognizeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ocr-cli-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "in" / "sub");
    ocr::Model m("C3,3,8 Relu Mp2,2 Col Lbx16 O", ocr::Alphabet(U"abcdefghijklmnopqrstuvwxyz "), 32, 1);
    m.save((dir_ / "model.ocrm").string());
    cv::imwrite((dir_ / "line.png").string(), ocr::test::single_line());
    cv::imwrite((dir_ / "page.png").string(), ocr::test::two_column_page());
    cv::imwrite((dir_ / "in" / "a.png").string(), ocr::test::single_line());
    cv::imwrite((dir_ / "in" / "sub" / "b.tif").string(), ocr::test::single_line());
    cv::imwrite((dir_ / "in" / "010001.bin.png").string(), ocr::test::single_line());
    std::ofstream(dir_ / "in" / "broken.png") << "this is text, not a PNG\n";
    std::ofstream(dir_ / "in" / "sub" / "empty.jpg");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // Runs `ocr recognize` with the test model, greedy decoding, no progress bar.
  static Result run(const std::string& args, const std::string& stdin_file = "") {
    const char* bin = std::getenv("OCR_TEST_BINARY");
    std::string exe = bin ? bin : OCR_BINARY;
    fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    std::string cmd = "cd '" + dir_.string() + "' && '" + exe + "' recognize -m model.ocrm --decoder greedy --lm none " +
                      args + (stdin_file.empty() ? " </dev/null" : " <'" + stdin_file + "'") + " >'" +
                      out.string() + "' 2>'" + err.string() + "'";
    int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128, slurp(out), slurp(err)};
  }
  static int lines_of(const std::string& s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
  }
  static fs::path dir_;
};

fs::path RecognizeCli::dir_;

}  // namespace

TEST_F(RecognizeCli, EveryFormatToStdout) {
  for (std::string f : {"txt", "json", "hocr", "tsv", "alto", "page"}) {
    // Upright only past the first: the test model's unsure readings have every page tried turned
    // three ways (the orientation check has tests of its own), most of a run's time.
    auto r = run("--format " + f + (f == "txt" ? "" : " --rotate 0") + " page.png");
    EXPECT_EQ(r.code, 0) << f << ": " << r.err;
    if (f == "tsv") { EXPECT_EQ(r.out.rfind("level\tpage_num", 0), 0u); }
    if (f == "hocr") { EXPECT_NE(r.out.find("ocr_page"), std::string::npos); }
    if (f == "alto") { EXPECT_NE(r.out.find("ns-v4#"), std::string::npos); }
    if (f == "page") { EXPECT_NE(r.out.find("2019-07-15"), std::string::npos); }
    if (f == "json") { EXPECT_NE(r.out.find("\"skew_angle\""), std::string::npos); }
    if ((f == "hocr" || f == "alto" || f == "page") && have("xmllint")) {
      std::ofstream(dir_ / "doc.xml") << r.out;
      EXPECT_EQ(std::system(("xmllint --noout '" + (dir_ / "doc.xml").string() + "'").c_str()), 0) << f;
    }
  }
}

TEST_F(RecognizeCli, LayoutModesAndStdin) {
  for (std::string l : {"auto", "page", "block", "line", "3", "6", "7"}) {
    auto r = run("--layout " + l + (l == "auto" ? "" : " --rotate 0") + " -f hocr page.png");
    EXPECT_EQ(r.code, 0) << l << ": " << r.err;
  }
  auto s = run("-f json -", (dir_ / "line.png").string());
  EXPECT_EQ(s.code, 0) << s.err;
  EXPECT_NE(s.out.find("\"source\":\"-\""), std::string::npos);
  EXPECT_NE(s.out.find("\"layout\":\"line\""), std::string::npos);
  EXPECT_NE(run("--layout columns page.png").code, 0);
}

TEST_F(RecognizeCli, OutputFileWithSeveralFormats) {
  auto r = run("-f txt,hocr,alto,page,tsv,json -o res.txt line.png page.png");
  EXPECT_EQ(r.code, 0) << r.err;
  for (std::string e : {"res.txt", "res.hocr", "res.xml", "res.page.xml", "res.tsv", "res.json"})
    EXPECT_TRUE(fs::exists(dir_ / e)) << e;
  // The summary counts the lines of a combined document too (it once counted them after the
  // pages had moved into it: "0 lines").
  EXPECT_EQ(r.err.find(" 0 lines"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" lines in "), std::string::npos) << r.err;
  EXPECT_NE(run("-f txt,hocr line.png").code, 0);  // several formats need a destination
}

TEST_F(RecognizeCli, FolderBatchMirrorsReportsBadFilesAndResumes) {
  fs::remove_all(dir_ / "out");
  auto r = run("--recursive --output-dir out -f txt,hocr in");
  EXPECT_EQ(r.code, 1) << "a failed input must fail the run";
  EXPECT_NE(r.err.find("broken.png"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("empty.jpg"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "a.txt"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "a.hocr"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "sub" / "b.txt"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "010001.bin.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "broken.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "sub" / "empty.txt"));
  EXPECT_NE(r.err.find("3 done"), std::string::npos) << r.err;
  // Interrupted run: one output missing. The rerun does just that one.
  auto before = fs::last_write_time(dir_ / "out" / "a.txt");
  fs::remove(dir_ / "out" / "sub" / "b.txt");
  auto again = run("--recursive --output-dir out -f txt,hocr in");
  EXPECT_NE(again.err.find("1 done, 2 skipped"), std::string::npos) << again.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "sub" / "b.txt"));
  EXPECT_EQ(fs::last_write_time(dir_ / "out" / "a.txt"), before);
  auto forced = run("--recursive --output-dir out --force in/a.png");
  EXPECT_EQ(forced.code, 0) << forced.err;
  // Without --recursive the subfolder is not read.
  fs::remove_all(dir_ / "flat");
  run("--output-dir flat in");
  EXPECT_FALSE(fs::exists(dir_ / "flat" / "sub"));
  // A folder with no images of its own says so (and how to reach its subfolders), and succeeds.
  fs::create_directories(dir_ / "nested" / "deeper");
  fs::copy_file(dir_ / "in" / "a.png", dir_ / "nested" / "deeper" / "a.png", fs::copy_options::overwrite_existing);
  auto nested = run("nested");
  EXPECT_EQ(nested.code, 0) << nested.err;
  EXPECT_NE(nested.err.find("nested: no images in this folder (its subfolders are read with -r)"), std::string::npos)
      << nested.err;
  EXPECT_EQ(run("-r nested").err.find("no images"), std::string::npos);
  // --fail-fast stops at the first bad input.
  auto ff = run("--fail-fast in/broken.png in/a.png");
  EXPECT_EQ(ff.code, 1);
  EXPECT_TRUE(ff.out.empty());
  // --files-from with a list on stdin.
  std::ofstream(dir_ / "list.txt") << "in/a.png\nin/sub/b.tif\n";
  auto fl = run("--files-from -", (dir_ / "list.txt").string());
  EXPECT_EQ(fl.code, 0) << fl.err;
}

TEST_F(RecognizeCli, GlobsListsAndSuffix) {
  fs::remove_all(dir_ / "gl");
  // A quoted pattern is expanded by ocr (folders of 100 000 files overflow the shell's argv).
  auto g = run("--output-dir gl --suffix .pred.txt 'in/*.png'");
  EXPECT_EQ(g.code, 1) << "in/broken.png matches and fails";
  EXPECT_TRUE(fs::exists(dir_ / "gl" / "in" / "a.pred.txt"));
  EXPECT_TRUE(fs::exists(dir_ / "gl" / "in" / "010001.bin.pred.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "gl" / "in" / "a.txt"));
  // Resuming looks for the suffixed names.
  auto again = run("--output-dir gl --suffix .pred.txt in/a.png in/010001.bin.png");
  EXPECT_NE(again.err.find("0 done, 2 skipped"), std::string::npos) << again.err;
  auto none = run("'nomatch*.png'");
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.err.find("nomatch*.png: no file matches this pattern"), std::string::npos) << none.err;
  // @LIST, lists within lists, and a list naming itself ends with an error instead of looping.
  std::ofstream(dir_ / "l1.txt") << "in/a.png\n@l2.txt\n";
  std::ofstream(dir_ / "l2.txt") << "# comment\nin/sub/b.tif\n";
  auto at = run("--output-dir gl2 @l1.txt");
  EXPECT_EQ(at.code, 0) << at.err;
  EXPECT_TRUE(fs::exists(dir_ / "gl2" / "in" / "a.txt"));
  EXPECT_TRUE(fs::exists(dir_ / "gl2" / "in" / "sub" / "b.txt"));
  std::ofstream(dir_ / "self.txt") << "@self.txt\n";
  auto self = run("@self.txt");
  EXPECT_EQ(self.code, 1);
  EXPECT_NE(self.err.find("this list names itself"), std::string::npos) << self.err;
  // --suffix needs --output-dir and one format.
  EXPECT_NE(run("--suffix .x line.png").code, 0);
  EXPECT_NE(run("--output-dir gl3 -f txt,hocr --suffix .x line.png").code, 0);
}

TEST_F(RecognizeCli, TesseractStyleConfigVariables) {
  // The random-weight model emits many letters; a whitelist keeps only x (and word spaces).
  auto wl = run("-c tessedit_char_whitelist=x page.png");
  EXPECT_EQ(wl.code, 0) << wl.err;
  EXPECT_NE(run("page.png").out.find_first_not_of("x \n\f"), std::string::npos) << "the test needs other letters";
  EXPECT_EQ(wl.out.find_first_not_of("x \n\f"), std::string::npos) << wl.out;
  // Our own long options, '_' for '-'; switches take 1/0.
  EXPECT_EQ(run("-c beam_width=3 -c no_deskew=1 -c tessedit_pageseg_mode=7 line.png").code, 0);
  auto unknown = run("-c textord_heavy_nr=1 line.png");
  EXPECT_NE(unknown.code, 0);
  EXPECT_NE(unknown.err.find("'textord_heavy_nr' is not a setting of `ocr recognize`"), std::string::npos)
      << unknown.err;
  EXPECT_NE(run("-c beam_width line.png").code, 0);
  EXPECT_NE(run("-c no_deskew=maybe line.png").code, 0);
  EXPECT_NE(run("-c beam_width=wide line.png").code, 0);
}

TEST_F(RecognizeCli, BadInputsGiveOneLineErrorsAndNoOutput) {
  fs::create_directories(dir_ / "bad");
  std::ofstream(dir_ / "bad" / "text.png") << "hello\n";
  std::ofstream(dir_ / "bad" / "empty.png");
  std::vector<uchar> png;
  cv::imencode(".png", ocr::test::single_line(), png);
  std::ofstream(dir_ / "bad" / "cut.png", std::ios::binary).write(reinterpret_cast<char*>(png.data()), 200);
  auto bomb = png;
  bomb[16] = 0; bomb[17] = 1; bomb[18] = 0x86; bomb[19] = 0xA0;  // width 100000
  bomb[20] = 0; bomb[21] = 1; bomb[22] = 0x86; bomb[23] = 0xA0;  // height 100000
  std::ofstream(dir_ / "bad" / "bomb.png", std::ios::binary).write(reinterpret_cast<char*>(bomb.data()), static_cast<long>(bomb.size()));
  struct Case { std::string file, words; };
  for (const auto& c : std::vector<Case>{{"bad/text.png", "not an image"}, {"bad/empty.png", "empty"},
                                         {"bad/cut.png", "truncated"}, {"bad/bomb.png", "too large"},
                                         {"bad/missing.png", "No such file"}}) {
    fs::remove_all(dir_ / "badout");
    auto r = run("--output-dir badout " + c.file);
    EXPECT_NE(r.code, 0) << c.file;
    EXPECT_EQ(lines_of(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(c.file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.words), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "badout") && !fs::is_empty(dir_ / "badout")) << c.file;
  }
  // A lower pixel limit refuses a normal page.
  auto lim = run("--max-pixels 1000 page.png");
  EXPECT_NE(lim.code, 0);
  EXPECT_NE(lim.err.find("too large"), std::string::npos);
  // Corrupt model.
  std::ofstream(dir_ / "bad.ocrm") << "garbage model";
  const char* bin = std::getenv("OCR_TEST_BINARY");
  std::string exe = bin ? bin : OCR_BINARY;
  std::string cmd = "cd '" + dir_.string() + "' && '" + exe + "' recognize -m bad.ocrm line.png >'" +
                    (dir_ / "o").string() + "' 2>'" + (dir_ / "e").string() + "'";
  int rc = std::system(cmd.c_str());
  EXPECT_NE(WEXITSTATUS(rc), 0);
  std::string err = slurp(dir_ / "e");
  EXPECT_EQ(lines_of(err), 1) << err;
  EXPECT_NE(err.find("bad.ocrm"), std::string::npos) << err;
  EXPECT_TRUE(slurp(dir_ / "o").empty());
}

// libgomp, linked statically, starts with the short spin ocr asks for (OMP_DISPLAY_ENV makes it
// print what it read); a spin count or wait policy from the environment is left alone.
TEST_F(RecognizeCli, IdleThreadsSpinBrieflyUnlessTheEnvironmentSays) {
#ifndef OCR_STATIC_GOMP
  GTEST_SKIP() << "libgomp is not linked statically in this build (clang's libomp keeps its defaults)";
#endif
  const char* bin = std::getenv("OCR_TEST_BINARY");
  const std::string exe = bin ? bin : OCR_BINARY;
  auto settings = [&](const std::string& env) {
    const fs::path err = dir_ / "omp_env";
    const std::string cmd = "env -u GOMP_SPINCOUNT -u OMP_WAIT_POLICY OMP_DISPLAY_ENV=verbose " + env + " '" + exe +
                            "' -vv models >/dev/null 2>'" + err.string() + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return slurp(err);
  };
  const std::string own = settings("");
  EXPECT_NE(own.find("GOMP_SPINCOUNT = '10000'"), std::string::npos) << own;
  EXPECT_NE(own.find("GOMP_SPINCOUNT set by ocr"), std::string::npos) << own;
  const std::string users = settings("GOMP_SPINCOUNT=5000");
  EXPECT_NE(users.find("GOMP_SPINCOUNT = '5000'"), std::string::npos) << users;
  EXPECT_EQ(users.find("GOMP_SPINCOUNT = '10000'"), std::string::npos) << users;
  const std::string active = settings("OMP_WAIT_POLICY=active");
  EXPECT_EQ(active.find("set by ocr"), std::string::npos) << active;
  EXPECT_NE(active.find("idle OpenMP threads: active"), std::string::npos) << active;
}

TEST_F(RecognizeCli, UnreadableFolder) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can read any folder";
  fs::create_directories(dir_ / "locked");
  fs::permissions(dir_ / "locked", fs::perms::none);
  auto r = run("--recursive locked line.png");
  fs::permissions(dir_ / "locked", fs::perms::owner_all);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("locked"), std::string::npos) << r.err;
  EXPECT_FALSE(r.out.empty());  // the good input was still read
}

// `ocr eval --model` must report on exactly the text `ocr recognize` writes for the same lines
// (same preprocessing, layout and decoder). The shipped model reads them, so the text is real;
// one line is light on dark, which only the page path turns around, so --raw must differ.
TEST_F(RecognizeCli, EvalMeasuresWhatRecognizeWrites) {
  const std::string model = std::string(OCR_SOURCE_DIR) + "/models/eng.ocrm";
  fs::create_directories(dir_ / "gtset");
  const char* texts[] = {"alpha beta", "gamma delta echo", "fox golf hotel india"};
  for (int i = 0; i < 3; ++i) {
    cv::Mat line(40, 260 + 90 * i, CV_8UC1, cv::Scalar(235));
    ocr::test::draw_line(line, 8, 28, 2 + i, i, 0.6);
    if (i == 2) cv::bitwise_not(line, line);
    cv::imwrite((dir_ / "gtset" / ("l" + std::to_string(i) + ".png")).string(), line);
    std::ofstream(dir_ / "gtset" / ("l" + std::to_string(i) + ".gt.txt")) << texts[i] << "\n";
  }
  const char* bin = std::getenv("OCR_TEST_BINARY");
  const std::string exe = bin ? bin : OCR_BINARY;
  auto ocr = [&](const std::string& args) {
    fs::path out = dir_ / "cmd.out";
    std::string cmd = "cd '" + dir_.string() + "' && '" + exe + "' -q " + args + " >'" + out.string() +
                      "' 2>/dev/null";
    int rc = std::system(cmd.c_str());
    return Result{WIFEXITED(rc) ? WEXITSTATUS(rc) : 128, slurp(out), ""};
  };
  fs::remove_all(dir_ / "gtpred");
  ASSERT_EQ(ocr("recognize -m '" + model + "' --layout line --output-dir gtpred gtset").code, 0);
  auto from_files = ocr("eval --gt gtset --json --pred gtpred");
  auto direct = ocr("eval --gt gtset --json -m '" + model + "'");
  auto raw = ocr("eval --gt gtset --json --raw -m '" + model + "'");
  ASSERT_EQ(from_files.code, 0);
  ASSERT_EQ(direct.code, 0);
  ASSERT_EQ(raw.code, 0);
  EXPECT_NE(direct.out.find("\"lines\": 3"), std::string::npos) << direct.out;
  EXPECT_EQ(direct.out, from_files.out);  // the worst lines, with their text, are part of it
  EXPECT_NE(raw.out, direct.out) << raw.out;
  EXPECT_NE(ocr("eval --gt gtset --pred gtpred -m '" + model + "'").code, 0);  // one or the other
}

// `ocr average`: the mean of one model with itself reads the same; a model of another spec is
// refused with one line naming it, and no output is written.
TEST_F(RecognizeCli, EvalAndCheckReadPageXmlTranscriptions) {
  // ocr's own PAGE output of a page is a transcription of it: eval and train --check read it back.
  auto r = run("-f page -o own.page.xml page.png");
  ASSERT_EQ(r.code, 0) << r.err;
  const char* bin = std::getenv("OCR_TEST_BINARY");
  std::string exe = bin ? bin : OCR_BINARY;
  const std::string out = (dir_ / "eval-out").string();
  std::string cmd = "cd '" + dir_.string() + "' && '" + exe +
                    "' eval --model model.ocrm --decoder greedy --lm none --gt own.page.xml >'" + out + "' 2>&1";
  int rc = std::system(cmd.c_str());
  const std::string report = slurp(out);
  const size_t lines_in_xml = [&] {
    const std::string x = slurp(dir_ / "own.page.xml");
    size_t n = 0;
    for (size_t p = x.find("<TextLine"); p != std::string::npos; p = x.find("<TextLine", p + 1)) ++n;
    return n;
  }();
  ASSERT_GT(lines_in_xml, 0u);
  EXPECT_EQ(WEXITSTATUS(rc), 0) << report;
  // Lines with no text (the random model may read nothing) are skipped and counted as such.
  EXPECT_NE(report.find("evaluated"), std::string::npos) << report;
  EXPECT_NE(report.find("own.page.xml#"), std::string::npos) << report;
  cmd = "cd '" + dir_.string() + "' && '" + exe + "' train --check --train own.page.xml >'" + out + "' 2>&1";
  std::system(cmd.c_str());
  EXPECT_EQ(slurp(out).find("no ground truth"), std::string::npos) << slurp(out);
}

TEST_F(RecognizeCli, ModelsByNameFromTheSearchPath) {
  const char* bin = std::getenv("OCR_TEST_BINARY");
  const std::string exe = bin ? bin : OCR_BINARY;
  fs::create_directories(dir_ / "models-a");
  fs::create_directories(dir_ / "models-b");
  fs::copy_file(dir_ / "model.ocrm", dir_ / "models-a" / "tiny.ocrm", fs::copy_options::overwrite_existing);
  fs::copy_file(dir_ / "model.ocrm", dir_ / "models-b" / "tiny.ocrm", fs::copy_options::overwrite_existing);
  std::ofstream(dir_ / "models-b" / "broken.ocrm") << "not a model";
  auto sh = [&](const std::string& args) {
    const std::string out = (dir_ / "sh-out").string();
    const std::string cmd = "cd '" + dir_.string() + "' && XDG_DATA_HOME='" + (dir_ / "xdg").string() +
                            "' OCR_MODEL_DIR=models-a:models-b '" + exe + "' " + args + " >'" + out + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    return Result{WIFEXITED(rc) ? WEXITSTATUS(rc) : 128, slurp(out), ""};
  };
  auto list = sh("models");
  EXPECT_EQ(list.code, 1) << "a damaged model in the path is an error\n" << list.out;
  EXPECT_NE(list.out.find("models-a/tiny.ocrm"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("models-b/tiny.ocrm (shadowed)"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("broken.ocrm"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("xdg/ocr/models  (missing)"), std::string::npos) << list.out;
  // -l NAME as Tesseract's -l; -m NAME too; --model-dir first.
  EXPECT_EQ(sh("recognize -l tiny --decoder greedy line.png").code, 0);
  EXPECT_EQ(sh("recognize -m tiny --decoder greedy line.png").code, 0);
  fs::create_directories(dir_ / "first");
  std::ofstream(dir_ / "first" / "tiny.ocrm") << "not a model";
  auto shadow = sh("recognize --model-dir first -l tiny line.png");
  EXPECT_NE(shadow.code, 0);
  EXPECT_NE(shadow.out.find("first/tiny.ocrm"), std::string::npos) << shadow.out;
  auto missing = sh("recognize -l nope line.png");
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.out.find("no model named 'nope'"), std::string::npos) << missing.out;
  const size_t avail = missing.out.find("available: broken, ");
  ASSERT_NE(avail, std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find("tiny", avail), std::string::npos) << missing.out;
  // A list fuses the models. On their posteriors they must read with the same alphabet: tiny's
  // is not eng's. By consensus (the default) each gives its own reading.
  auto mixed = sh("recognize --fusion posterior -l tiny+eng line.png");
  EXPECT_NE(mixed.code, 0);
  EXPECT_NE(mixed.out.find("alphabets differ"), std::string::npos) << mixed.out;
  EXPECT_NE(mixed.out.find("models-a/tiny.ocrm"), std::string::npos) << mixed.out;
  auto by_consensus = sh("recognize -l tiny+eng line.png");
  EXPECT_EQ(by_consensus.code, 0) << by_consensus.out;
  EXPECT_NE(sh("recognize -l tiny, line.png").out.find("empty model name"), std::string::npos);
}

// `-l eng+eng_rough` reads each line with both shipped models and decodes their fused
// posteriors: recognize gives the sample line's text and names both models in the JSON; eval
// reads through the same reader, also with --raw.
TEST_F(RecognizeCli, ShippedModelsFused) {
  const char* bin = std::getenv("OCR_TEST_BINARY");
  const std::string exe = bin ? bin : OCR_BINARY;
  const std::string models = std::string(OCR_SOURCE_DIR) + "/models";
  fs::create_directories(dir_ / "fusegt");
  fs::copy_file(std::string(OCR_SOURCE_DIR) + "/data/sample-line.png", dir_ / "fusegt" / "sample.png",
                fs::copy_options::overwrite_existing);
  fs::copy_file(std::string(OCR_SOURCE_DIR) + "/data/sample-line.gt.txt", dir_ / "fusegt" / "sample.gt.txt",
                fs::copy_options::overwrite_existing);
  auto ocr = [&](const std::string& args) {
    const fs::path out = dir_ / "fuse-out";
    const std::string cmd = "cd '" + dir_.string() + "' && '" + exe + "' -q " + args + " --model-dir '" + models +
                            "' >'" + out.string() + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    return Result{WIFEXITED(rc) ? WEXITSTATUS(rc) : 128, slurp(out), ""};
  };
  // Both fusions (auto: posterior for two models) read the sample line.
  for (const std::string fusion : {"", " --fusion vote", " --fusion posterior", " --fusion auto"}) {
    auto json = ocr("recognize -l eng+eng_rough --layout line -f json fusegt/sample.png" + fusion);
    ASSERT_EQ(json.code, 0) << fusion << json.out;
    EXPECT_NE(json.out.find("quick brown fox"), std::string::npos) << fusion << json.out;
    const size_t listed = json.out.find("\"models\":[\"" + models + "/eng.ocrm\",\"" + models + "/eng_rough.ocrm\"]");
    EXPECT_NE(listed, std::string::npos) << json.out.substr(0, 300);
  }
  EXPECT_NE(ocr("recognize -l eng+eng_rough --layout line --fusion mean fusegt/sample.png").code, 0);
  for (const std::string extra : {"", " --raw", " --fusion vote"}) {
    auto eval = ocr("eval --gt fusegt --json -m eng,eng_rough" + extra);
    EXPECT_EQ(eval.code, 0) << extra << eval.out;
    EXPECT_NE(eval.out.find("\"lines\": 1"), std::string::npos) << extra << eval.out;
  }
}

TEST_F(RecognizeCli, PagesScannedUpsideDownOrSidewaysAreTurned) {
  // A page of four copies of the README's sample line, read with the shipped model, as given and
  // turned by 90, 180 and 270 degrees: the same text each time, with the turn reported.
  const cv::Mat line = cv::imread(std::string(OCR_SOURCE_DIR) + "/data/sample-line.png", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(line.empty());
  // Indented differently, as lines of a paragraph are, so their word gaps do not line up.
  cv::Mat page(line.rows * 6 + 80, line.cols + 200, CV_8UC1, cv::Scalar(255));
  for (int i = 0; i < 4; ++i)
    line.copyTo(page(cv::Rect(40 + (i * 53) % 120, 40 + i * line.rows * 3 / 2, line.cols, line.rows)));
  const char* bin = std::getenv("OCR_TEST_BINARY");
  const std::string exe = bin ? bin : OCR_BINARY;
  auto read = [&](const cv::Mat& img, const std::string& name, const std::string& extra) {
    cv::imwrite((dir_ / name).string(), img);
    const std::string out = (dir_ / "turn-out").string();
    const std::string cmd = "cd '" + dir_.string() + "' && '" + exe + "' -q recognize -f json -j 1 --decoder greedy " +
                            extra + " " + name + " >'" + out + "' 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(out);
    return slurp(out);
  };
  auto text_of = [](const std::string& json) {
    const size_t a = json.find("\"text\":\"") + 8;
    return json.substr(a, json.find('"', a) - a);
  };
  const std::string upright = read(page, "upright.png", "");
  ASSERT_NE(upright.find("quick brown fox"), std::string::npos) << upright;
  EXPECT_NE(upright.find("\"orientation\":0"), std::string::npos);
  const std::pair<cv::RotateFlags, int> turns[] = {
      {cv::ROTATE_180, 180}, {cv::ROTATE_90_COUNTERCLOCKWISE, 90}, {cv::ROTATE_90_CLOCKWISE, 270}};
  for (const auto& [flag, degrees] : turns) {
    cv::Mat turned;
    cv::rotate(page, turned, flag);
    const std::string json = read(turned, "turned.png", "");
    EXPECT_EQ(text_of(json), text_of(upright)) << degrees << " degrees";
    EXPECT_NE(json.find("\"orientation\":" + std::to_string(degrees)), std::string::npos) << degrees;
    // Boxes are on the image as given: the first word sits where the turn put it.
    if (degrees == 180) {
      const size_t b = json.find("\"bbox\":[", json.find("\"words\":[")) + 8;
      EXPECT_GT(std::stoi(json.substr(b)), turned.cols / 2) << json.substr(b, 30);
    }
  }
  // --rotate 0 reads the turned page as it is (garbage); --rotate 180 turns it without asking.
  cv::Mat turned;
  cv::rotate(page, turned, cv::ROTATE_180);
  EXPECT_EQ(read(turned, "turned.png", "--rotate 0").find("quick brown fox"), std::string::npos);
  EXPECT_EQ(text_of(read(turned, "turned.png", "--rotate 180")), text_of(upright));
}

TEST_F(RecognizeCli, AverageOfCheckpoints) {
  const char* bin = std::getenv("OCR_TEST_BINARY");
  const std::string exe = bin ? bin : OCR_BINARY;
  auto ocr = [&](const std::string& args) {
    std::string cmd = "cd '" + dir_.string() + "' && '" + exe + "' " + args + " >'" + (dir_ / "o").string() +
                      "' 2>'" + (dir_ / "e").string() + "'";
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
  };
  ASSERT_EQ(ocr("average model.ocrm model.ocrm -o avg.ocrm"), 0) << slurp(dir_ / "e");
  const std::string original = run("line.png").out;
  ASSERT_EQ(ocr("recognize -m avg.ocrm --decoder greedy --lm none line.png"), 0) << slurp(dir_ / "e");
  EXPECT_EQ(slurp(dir_ / "o"), original);
  EXPECT_FALSE(original.empty());
  ocr::Model other("C3,3,8 Relu Mp2,2 Col Lbx8 O", ocr::Alphabet(U"abc"), 32, 1);
  other.save((dir_ / "other.ocrm").string());
  EXPECT_NE(ocr("average model.ocrm other.ocrm -o mixed.ocrm"), 0);
  const std::string err = slurp(dir_ / "e");
  EXPECT_EQ(lines_of(err), 1) << err;
  EXPECT_NE(err.find("other.ocrm"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_ / "mixed.ocrm"));
  EXPECT_NE(ocr("average model.ocrm -o one.ocrm"), 0);
  EXPECT_FALSE(fs::exists(dir_ / "one.ocrm"));
}

// A searchable PDF beside the text: a PDF reader extracts the same words from its text layer.
TEST_F(RecognizeCli, PdfOutputCarriesTheTextOverTheImage) {
  auto r = run("-f pdf,txt -o both page.png");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string pdf = slurp(dir_ / "both.pdf");
  ASSERT_EQ(pdf.rfind("%PDF-1.5", 0), 0u);
  EXPECT_NE(pdf.find("/Subtype /Image"), std::string::npos);
  auto dir = run("-f pdf --output-dir pdfs line.png");
  ASSERT_EQ(dir.code, 0) << dir.err;
  EXPECT_EQ(slurp(dir_ / "pdfs" / "line.pdf").rfind("%PDF-1.5", 0), 0u);
  EXPECT_NE(slurp(dir_ / "pdfs" / "line.pdf").find("/FlateDecode"), std::string::npos);
  // A JPEG input stays JPEG inside (its pixels were lossy already; deflating them bloats).
  cv::imwrite((dir_ / "photo.jpg").string(), ocr::test::single_line());
  ASSERT_EQ(run("-f pdf -o photo.pdf photo.jpg").code, 0);
  EXPECT_NE(slurp(dir_ / "photo.pdf").find("/DCTDecode"), std::string::npos);
  if (!have("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils, tools/install-deps.sh) not installed";
  // -raw: in the order of the content stream, which is the reading order ocr chose.
  const std::string cmd = "pdftotext -raw '" + (dir_ / "both.pdf").string() + "' '" + (dir_ / "both.pdf.txt").string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto words = [](const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  };
  const auto expected = words(slurp(dir_ / "both.txt"));
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(words(slurp(dir_ / "both.pdf.txt")), expected);
}

TEST_F(RecognizeCli, ShippedDetectorReadsAFormsTextNotItsPictureOrRulings) {
  // A form: a title, a field in a ruled box, a row between table rulings, a photo-like
  // picture and a line under it, each line the README's sample, read with the shipped models.
  const cv::Mat line = cv::imread(std::string(OCR_SOURCE_DIR) + "/data/sample-line.png", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(line.empty());
  const std::string detector = std::string(OCR_SOURCE_DIR) + "/models/lines.ocrm";
  ASSERT_TRUE(fs::exists(detector)) << detector;
  cv::Mat page(1100, line.cols + 160, CV_8UC1, cv::Scalar(255));
  line.copyTo(page(cv::Rect(80, 50, line.cols, line.rows)));
  cv::rectangle(page, cv::Rect(50, 140, line.cols + 60, 90), 0, 2);
  line.copyTo(page(cv::Rect(70, 165, line.cols, line.rows)));
  cv::line(page, {40, 290}, {page.cols - 40, 290}, 0, 2);
  cv::line(page, {40, 350}, {page.cols - 40, 350}, 0, 2);
  line.copyTo(page(cv::Rect(90, 300, line.cols, line.rows)));
  // The picture: a photo-like field of smooth tones with hard-edged shapes in it. (A halftone
  // screen is not used here: its dots mislead the preprocessing's text-height estimate, which
  // then upscales the whole page; see issue 14's notes.)
  const cv::Rect picture(120, 420, 640, 420);
  cv::Mat photo(picture.size(), CV_32FC1);
  cv::RNG rng(5);
  rng.fill(photo, cv::RNG::NORMAL, 0, 1);
  cv::GaussianBlur(photo, photo, cv::Size(0, 0), 25);
  cv::normalize(photo, photo, 40, 230, cv::NORM_MINMAX);
  cv::circle(photo, {200, 180}, 90, 25, cv::FILLED);
  cv::rectangle(photo, cv::Rect(380, 60, 180, 260), 235, cv::FILLED);
  cv::ellipse(photo, {470, 190}, {60, 100}, 20, 0, 360, 70, cv::FILLED);
  photo.convertTo(page(picture), CV_8UC1);
  line.copyTo(page(cv::Rect(70, 900, line.cols, line.rows)));
  cv::imwrite((dir_ / "form.png").string(), page);
  const char* bin = std::getenv("OCR_TEST_BINARY");
  const std::string exe = bin ? bin : OCR_BINARY;
  const std::string out = (dir_ / "form-out").string();
  const std::string cmd = "cd '" + dir_.string() + "' && '" + exe + "' -q recognize -f json -j 1 --detector '" +
                          detector + "' form.png >'" + out + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(out);
  const std::string json = slurp(out);
  const size_t a = json.find("\"text\":\"") + 8;
  const std::string text = json.substr(a, json.find('"', a) - a);
  size_t copies = 0;
  for (size_t at = text.find("quick brown fox"); at != std::string::npos; at = text.find("quick brown fox", at + 1))
    ++copies;
  EXPECT_EQ(copies, 4u) << text;
  // Every line the page gives lies outside the picture, and no line is made of rulings.
  int lines = 0;
  for (size_t at = json.find("\"paragraph\":"); at != std::string::npos; at = json.find("\"paragraph\":", at + 1)) {
    const size_t b = json.rfind("\"bbox\":[", at) + 8;
    int x0, y0, x1, y1;
    ASSERT_EQ(std::sscanf(json.c_str() + b, "%d,%d,%d,%d", &x0, &y0, &x1, &y1), 4);
    const cv::Point centre((x0 + x1) / 2, (y0 + y1) / 2);
    EXPECT_FALSE(picture.contains(centre)) << x0 << "," << y0 << " " << x1 << "," << y1;
    ++lines;
  }
  EXPECT_EQ(lines, 4) << text;
}
