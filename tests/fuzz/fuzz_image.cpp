// Image decoding as `ocr recognize` does it: ImageFile (probe, limits, then each page). Built
// once per format (OCR_FUZZ_FORMAT) so each target mutates its own seeds; inputs of another
// format are passed over quickly.
#include <cstring>

#include "fuzz_common.h"
#include "ocr/image/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  // Smaller caps than the defaults, so a legitimately large image is refused instead of taking
  // the fuzzer's memory; the code paths are the same.
  ocr::ImageLimits limits;
  limits.max_width = limits.max_height = 4096;
  limits.max_pixels = 4 << 20;
  try {
    const ocr::ImageInfo info = ocr::probe_image(bytes, "fuzz");
    if (info.format != OCR_FUZZ_FORMAT) return 0;
    ocr::ImageFile f = ocr::ImageFile::from_bytes(std::move(bytes), "fuzz", limits);
    for (int i = 0; i < f.pages() && i < 4; ++i) f.page(i);
  } catch (const ocr::Error&) {
  }
  return 0;
}
