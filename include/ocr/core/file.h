// Reading a whole file in one sized read (an istreambuf_iterator copy goes byte by byte).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ocr {

// Throws IoError "PATH: reason" (missing, a directory, unreadable), or FormatError when the file
// is larger than max_bytes (checked before anything is allocated).
std::string read_file(const std::string& path, uint64_t max_bytes = UINT64_MAX);
// The same as bytes (image data).
std::vector<uint8_t> read_file_data(const std::string& path, uint64_t max_bytes = UINT64_MAX);

}  // namespace ocr
