#include "ocr/pipeline/kernel_choice.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace ocr {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct KernelChoiceTest : ::testing::Test {
  void SetUp() override {
    before = inference_precision();
    dir = fs::path(::testing::TempDir()) / ("kernel_choice_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    cache = (dir / "ocr" / "kernels.tsv").string();
    if (const char* k = std::getenv("OCR_KERNEL")) saved_env = k, had_env = true;
    ::unsetenv("OCR_KERNEL");
  }
  void TearDown() override {
    set_inference_precision(before);
    if (had_env) ::setenv("OCR_KERNEL", saved_env.c_str(), 1);
    fs::remove_all(dir);
  }
  Precision before = Precision::Float;
  fs::path dir;
  std::string cache, saved_env;
  bool had_env = false;
};

// The first process times the kernels and writes its line; the next one reads it and times
// nothing; a line edited by hand is obeyed; lines of other machines are kept.
TEST_F(KernelChoiceTest, MeasuresOnceThenReadsTheCache) {
  const KernelDecision first = choose_inference_kernel(cache, "cpu A | build 1");
  EXPECT_EQ(first.why.rfind("measured: ", 0), 0u) << first.why;
  EXPECT_EQ(inference_precision(), first.precision);
  const std::string text = read_text(cache);
  EXPECT_EQ(text.rfind(std::string("cpu A | build 1\t") + precision_name(first.precision) + "\t", 0), 0u) << text;

  const KernelDecision second = choose_inference_kernel(cache, "cpu A | build 1");
  EXPECT_EQ(second.precision, first.precision);
  EXPECT_EQ(second.why.rfind("cached in " + cache, 0), 0u) << second.why;

  // Float is native everywhere: a line saying float is taken as it is.
  std::ofstream(cache) << "cpu B | build 1\tint8\tfrom elsewhere\n"
                       << "cpu A | build 1\tfloat\thand-edited\n";
  const KernelDecision edited = choose_inference_kernel(cache, "cpu A | build 1");
  EXPECT_EQ(edited.precision, Precision::Float);
  EXPECT_EQ(inference_precision(), Precision::Float);
  EXPECT_NE(edited.why.find("hand-edited"), std::string::npos) << edited.why;

  // Another build on the same CPU is timed again, and both lines stay.
  const KernelDecision other = choose_inference_kernel(cache, "cpu A | build 2");
  EXPECT_EQ(other.why.rfind("measured: ", 0), 0u) << other.why;
  const std::string after = read_text(cache);
  EXPECT_NE(after.find("cpu B | build 1\tint8\tfrom elsewhere\n"), std::string::npos) << after;
  EXPECT_NE(after.find("cpu A | build 1\tfloat\thand-edited\n"), std::string::npos) << after;
  EXPECT_NE(after.find("cpu A | build 2\t"), std::string::npos) << after;

  // Builds after builds: the newest 15 lines of other keys stay, and the new one.
  for (int build = 3; build < 25; ++build) choose_inference_kernel(cache, "cpu A | build " + std::to_string(build));
  const std::string many = read_text(cache);
  EXPECT_EQ(std::count(many.begin(), many.end(), '\n'), 16) << many;
  EXPECT_NE(many.find("cpu A | build 24\t"), std::string::npos);
  EXPECT_NE(many.find("cpu A | build 9\t"), std::string::npos);
  EXPECT_EQ(many.find("cpu A | build 8\t"), std::string::npos);
}

// A line naming no kernel, a garbled file, a cache that cannot be written and OCR_KERNEL: the
// choice is still made, nothing throws.
TEST_F(KernelChoiceTest, BadCacheLinesAndUnwritableCachesAreTimedAgain) {
  fs::create_directories(fs::path(cache).parent_path());
  std::ofstream(cache) << "cpu A | build 1\tfastest\tnonsense\n"
                       << "no tab here\n";
  const KernelDecision d = choose_inference_kernel(cache, "cpu A | build 1");
  EXPECT_EQ(d.why.rfind("measured: ", 0), 0u) << d.why;
  const std::string text = read_text(cache);
  EXPECT_EQ(text.find("fastest"), std::string::npos) << text;
  EXPECT_EQ(text.find("no tab here"), std::string::npos) << text;

  // Under a regular file no folder can be made.
  const std::string blocked = (fs::path(cache).parent_path() / "kernels.tsv" / "sub" / "kernels.tsv").string();
  const KernelDecision unwritable = choose_inference_kernel(blocked, "cpu A | build 1");
  EXPECT_EQ(unwritable.why.rfind("measured: ", 0), 0u);
  EXPECT_FALSE(fs::exists(blocked));

  ::setenv("OCR_KERNEL", "float", 1);
  const std::string fresh = (dir / "env" / "kernels.tsv").string();
  const KernelDecision env = choose_inference_kernel(fresh, "cpu A | build 1");
  EXPECT_EQ(env.why, "OCR_KERNEL");
  EXPECT_FALSE(fs::exists(fresh));
  ::unsetenv("OCR_KERNEL");
}

TEST(KernelChoice, CpuModelNameIsOneLine) {
  const std::string name = cpu_model_name();
  EXPECT_FALSE(name.empty());
  EXPECT_EQ(name.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace ocr
