// ARPA text format for n-gram models (SRILM, KenLM), character or word level.
// Character-level files have one code point per token, with the space written "<space>"
// ("<sp>" and "▁" are also read as a space).
#pragma once
#include <string>

#include "ocr/ctc/ngram_lm.h"

namespace ocr {

enum class ArpaUnit { Auto, Char, Word };

// Auto: character level when every unigram other than <s>, </s>, <unk> is one code point or a
// space token. Throws IoError, or FormatError naming the file and line.
NgramData read_arpa(const std::string& path, ArpaUnit unit = ArpaUnit::Auto);
void write_arpa(const NgramLm& lm, const std::string& path);

}  // namespace ocr
