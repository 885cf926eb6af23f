// Reading a whole file in one sized read (an istreambuf_iterator copy goes byte by byte), and
// writing one so that readers never see half of it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ocr {

// Throws IoError "PATH: reason" (missing, a directory, unreadable), or FormatError when the file
// is larger than max_bytes (checked before anything is allocated).
std::string read_file(const std::string& path, uint64_t max_bytes = UINT64_MAX);
// The same as bytes (image data).
std::vector<uint8_t> read_file_data(const std::string& path, uint64_t max_bytes = UINT64_MAX);

// The lines of a text file (without their '\n') longer than min_bytes and valid UTF-8, at most
// max_lines of them: text to build or time language models on. Throws IoError when unreadable.
std::vector<std::string> read_text_lines(const std::string& path, size_t max_lines, size_t min_bytes = 0);

// A file's bytes mapped read-only, for readers that parse a large file once into their own arrays
// (a model, a language model): no buffer to fill and copy out of again. Errors as read_file's.
// Keep it only while parsing: a file truncated in place meanwhile would fault.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path, uint64_t max_bytes = UINT64_MAX);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view bytes() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// Writes bytes to PATH.tmp.PID, then renames it to path. Throws IoError naming the file.
void write_file_atomic(const std::string& path, const void* data, size_t size);

}  // namespace ocr
