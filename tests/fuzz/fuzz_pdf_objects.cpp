// The PDF object scan that finds each page's image size (the resolution of scanned pages):
// object index, object streams, page tree. Poppler itself, which renders, is not fuzzed here.
#include "fuzz_common.h"
#include "ocr/image/pdf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  ocr::pdf_page_image_sizes(bytes);  // never throws
  return 0;
}
