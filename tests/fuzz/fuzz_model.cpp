// .ocrm model files past the checksum: the input is the payload, wrapped here in a valid header
// and CRC, then loaded as `ocr recognize --model` and `ocr inspect` load it.
#include <cstring>

#include "fuzz_common.h"
#include "ocr/model/model.h"
#include "ocr/model/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file("OCRM\r\n\x1a\n", 8);
  auto u32 = [&](uint32_t v) { file.append(reinterpret_cast<const char*>(&v), 4); };
  u32(ocr::kModelFormatVersion);
  u32(uint32_t(size));
  u32(0);
  file.append(reinterpret_cast<const char*>(data), size);
  u32(ocr::crc32(data, size));
  const std::string path = ocr::fuzz::put("m.ocrm", file);
  try {
    ocr::Model::load_any(path);
  } catch (const ocr::Error&) {
  }
  return 0;
}
