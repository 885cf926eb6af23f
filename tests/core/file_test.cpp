#include "ocr/core/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "ocr/core/error.h"

namespace ocr {
namespace {

namespace fs = std::filesystem;

TEST(File, AtomicWriteReplacesTheFileAndLeavesNothingAside) {
  const fs::path dir = fs::temp_directory_path() / ("ocr_file_test_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "x.txt").string();
  const std::string first = "first version\n", second = std::string("a\0b", 3);
  write_file_atomic(path, first.data(), first.size());
  EXPECT_EQ(read_file(path), first);
  write_file_atomic(path, second.data(), second.size());
  EXPECT_EQ(read_file(path), second);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  EXPECT_THROW(write_file_atomic((dir / "missing" / "x.txt").string(), first.data(), first.size()), IoError);
  fs::remove_all(dir);
}

// A mapped file shows the bytes read_file reads, and fails the way it does.
TEST(File, MappedFileShowsTheBytesAndFailsAsReadFileDoes) {
  const fs::path dir = fs::temp_directory_path() / ("ocr_mapped_test_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "m.bin").string(), empty = (dir / "e.bin").string();
  std::string content(100000, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = char(i * 31 % 251);
  write_file_atomic(path, content.data(), content.size());
  write_file_atomic(empty, "", 0);
  {
    const MappedFile m(path);
    EXPECT_EQ(m.bytes(), content);
    EXPECT_EQ(MappedFile(empty).bytes().size(), 0u);
  }
  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_THROW(MappedFile((dir / "missing").string()), IoError);
  EXPECT_THROW(MappedFile(dir.string()), IoError);
  EXPECT_THROW(MappedFile(path, 1000), FormatError);
  EXPECT_EQ(message([&] { MappedFile m(path, 1000); }), message([&] { read_file(path, 1000); }));
  EXPECT_EQ(message([&] { MappedFile m(dir.string()); }), message([&] { read_file(dir.string()); }));
  fs::remove_all(dir);
}

TEST(File, TextLinesKeepValidLinesLongerThanTheMinimum) {
  const std::string path = (fs::temp_directory_path() / ("ocr_lines_test_" + std::to_string(getpid()))).string();
  const std::string text = std::string("a long enough line\nshort\n\nbad \xff byte and long\n") +
                           "second long line\nthird long line\n";
  write_file_atomic(path, text.data(), text.size());
  EXPECT_EQ(read_text_lines(path, 10, 5), (std::vector<std::string>{"a long enough line", "second long line",
                                                                      "third long line"}));
  EXPECT_EQ(read_text_lines(path, 2, 5), (std::vector<std::string>{"a long enough line", "second long line"}));
  EXPECT_EQ(read_text_lines(path, 10).size(), 4u);  // all but the empty and the malformed line
  fs::remove(path);
  EXPECT_THROW(read_text_lines(path, 10), IoError);
}

}  // namespace
}  // namespace ocr
