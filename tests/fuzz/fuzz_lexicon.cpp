// Word lists (--words): loaded, then a few words walked through the trie.
#include "fuzz_common.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/lexicon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ocr::fuzz::put("w.words", data, size);
  try {
    const ocr::Lexicon lex = ocr::Lexicon::load(path);
    // The list's own first line and a fixed word, as the beam decoder would walk them.
    const std::string text(reinterpret_cast<const char*>(data), std::min<size_t>(size, 64));
    for (const std::string& w : {text.substr(0, text.find('\n')), std::string("The")}) {
      if (!ocr::utf8_valid(w)) continue;
      int32_t s = lex.root();
      for (char32_t c : ocr::utf8_decode(w))
        if (lex.is_word_char(c)) s = lex.next(s, c);
      lex.out_of_lexicon(s);
    }
  } catch (const ocr::Error&) {
  }
  return 0;
}
