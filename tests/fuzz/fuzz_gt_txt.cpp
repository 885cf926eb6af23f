// A line's ground truth (NAME.gt.txt) as evaluation and training read it, then encoded with an
// alphabet built from it, as training does.
#include "fuzz_common.h"
#include "ocr/ctc/alphabet.h"
#include "ocr/eval/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ocr::fuzz::put("l.gt.txt", data, size);
  try {
    const std::string text = ocr::read_line_text(path);
    const ocr::Alphabet a = ocr::Alphabet::from_texts({text});
    a.encode(text);
  } catch (const ocr::Error&) {
  }
  return 0;
}
