// ARPA language models, read as `ocr recognize --lm x.arpa` and `ocr lm convert` read them.
#include "fuzz_common.h"
#include "ocr/ctc/arpa.h"
#include "ocr/ctc/ngram_lm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ocr::fuzz::put("m.arpa", data, size);
  try {
    ocr::NgramLm lm(ocr::read_arpa(path), path);
    ocr::LmState s = lm.start();
    for (char32_t c : std::u32string(U"ab cd")) lm.score(s, c);
    lm.score_end(s);
  } catch (const ocr::Error&) {
  }
  return 0;
}
