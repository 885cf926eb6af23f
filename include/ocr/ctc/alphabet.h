// Maps Unicode code points to CTC labels. Label 0 is the blank; label i (1..size-1) is chars()[i-1].
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ocr {

class Alphabet {
 public:
  Alphabet() = default;
  // Code points in label order (duplicates are an error).
  explicit Alphabet(std::u32string chars);
  // Sorted set of every code point in the texts (UTF-8).
  static Alphabet from_texts(const std::vector<std::string>& texts);

  int size() const { return static_cast<int>(chars_.size()) + 1; }  // including blank
  const std::u32string& chars() const { return chars_; }
  // -1 when c is not in the alphabet.
  int label(char32_t c) const;
  char32_t symbol(int label) const;  // label in 1..size-1
  bool contains(char32_t c) const { return label(c) >= 0; }
  // Throws FormatError naming the first character not in the alphabet.
  std::vector<int> encode(std::string_view utf8) const;
  std::string decode(const std::vector<int>& labels) const;
  // Appends the characters of other not yet present, keeping every existing label.
  // Returns how many were added.
  int extend(const Alphabet& other);

 private:
  void rebuild_index();
  std::u32string chars_;
  std::vector<int> ascii_;                     // fast path for code points < 128
  std::vector<std::pair<char32_t, int>> rest_;  // sorted by code point
};

}  // namespace ocr
