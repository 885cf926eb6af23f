// A folder of files made for one test and removed after it: the data-set tests build their
// line images, ground truth and transcriptions in one.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ocr::test {

class TempTree : public ::testing::Test {
 protected:
  // root_ is named after the test, so tests of one binary never share files.
  void make_root(const std::string& prefix) {
    root_ = std::filesystem::temp_directory_path() /
            (prefix + std::to_string(getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write(const std::string& rel, const std::string& bytes) {
    std::ofstream(root_ / rel, std::ios::binary) << bytes;
  }
  std::string path(const std::string& rel) const { return (root_ / rel).string(); }
  static bool mentions(const std::vector<std::string>& problems, const std::string& s) {
    for (const auto& p : problems)
      if (p.find(s) != std::string::npos) return true;
    return false;
  }
  std::filesystem::path root_;
};

}  // namespace ocr::test
