// The binary model file (.ocrm); the layout is documented in models/FORMAT.md.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr {

struct StoredTensor {
  std::string name;
  int rows = 0, cols = 0;
  std::vector<float> values;  // column-major
};

struct ModelFileContents {
  std::vector<std::pair<std::string, std::string>> metadata;  // in file order
  std::vector<StoredTensor> tensors;
  const std::string* find(const std::string& key) const;
};

constexpr uint32_t kModelFormatVersion = 1;

// Throws IoError / FormatError; every message starts with the path.
ModelFileContents read_model_file(const std::string& path);
// Writes path.tmp.<pid> and renames it over path, so readers never see a partial file.
void write_model_file(const std::string& path, const ModelFileContents& contents);

uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

}  // namespace ocr
