// Text for synthetic lines: corpus paragraphs chopped to the line lengths of real print (with
// hyphenated line ends, curly quotes, em dashes), and generated strings prose lacks: addresses,
// phone numbers, dates, money, units, references, e-mail, URLs, code, numbers, page numbers,
// all-caps lines and receipt lines. Every string it returns holds only characters of the
// alphabet, has no leading, trailing or double spaces, and is not empty.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "ocr/core/rng.h"

namespace ocr::synth {

// The characters of an alphabet file: one UTF-8 line listing every character once (the first is
// the space); a trailing newline is not part of it. Throws IoError / FormatError naming the file.
std::u32string read_alphabet_file(const std::string& path);

// Collapses whitespace runs to one space and trims both ends.
std::u32string normalize_spaces(const std::u32string& s);

class TextSource {
 public:
  // Maps the corpus (UTF-8, one paragraph per line) read-only, so generators share its pages.
  // Throws IoError when the file is missing, unreadable or empty.
  TextSource(const std::string& corpus_path, const std::u32string& alphabet);
  ~TextSource();
  TextSource(const TextSource&) = delete;
  TextSource& operator=(const TextSource&) = delete;

  // The mix for printed documents: mostly corpus lines, some generated strings and all-caps lines.
  std::u32string print_line(Rng& rng);
  // Receipt-like lines: upper case heavy; '\t' marks a wide column gap (a space in the label).
  std::u32string receipt_line(Rng& rng);

  // A corpus line of at most max_len characters (hyphenation may add one), aiming at target_len.
  std::u32string corpus_line(Rng& rng, int target_len);
  // Characters per line drawn like real print: p10/median/p90 ≈ 20/49/64, fragments, up to 90.
  static int sample_length(Rng& rng);
  std::u32string generated_line(Rng& rng);
  // What a form's field holds when it is filled in by hand: a date (10/13/87, 5-3-90, 12.11.84),
  // an amount or a code, initials and a name, or a few words.
  std::u32string form_field(Rng& rng);
  // A word of 3..12 letters from the corpus.
  std::u32string word(Rng& rng);

  bool allowed(char32_t c) const { return c < allowed_.size() && allowed_[c]; }
  // Share of print lines whose letters get random accents (default 0.12).
  void set_accent_rate(double rate) { accent_rate_ = rate; }

 private:
  double accent_rate_ = 0.12;
  std::u32string paragraph(Rng& rng);
  std::u32string finish(std::u32string s, Rng& rng, bool typographic);
  // Replaces 1–4 letters by accented forms of the same base letter.
  std::u32string accent_some_letters(std::u32string s, Rng& rng) const;
  std::u32string clean(std::u32string s) const;

  const char* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
  std::vector<uint8_t> allowed_;
};

}  // namespace ocr::synth
