#include "ocr/ctc/alphabet.h"

#include <algorithm>
#include <set>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"

namespace ocr {

Alphabet::Alphabet(std::u32string chars) : chars_(std::move(chars)) { rebuild_index(); }

Alphabet Alphabet::from_texts(const std::vector<std::string>& texts) {
  std::set<char32_t> set;
  for (const auto& t : texts)
    for (char32_t c : utf8_decode(t)) set.insert(c);
  return Alphabet(std::u32string(set.begin(), set.end()));
}

void Alphabet::rebuild_index() {
  ascii_.assign(128, -1);
  rest_.clear();
  for (size_t i = 0; i < chars_.size(); ++i) {
    char32_t c = chars_[i];
    if (label(c) >= 0)
      throw FormatError("alphabet lists the character '" + utf8_encode(c) + "' twice");
    if (c < 128) {
      ascii_[c] = static_cast<int>(i) + 1;
    } else {
      auto it = std::lower_bound(rest_.begin(), rest_.end(), std::make_pair(c, 0));
      rest_.insert(it, {c, static_cast<int>(i) + 1});
    }
  }
}

int Alphabet::label(char32_t c) const {
  if (c < 128) return ascii_.empty() ? -1 : ascii_[c];
  auto it = std::lower_bound(rest_.begin(), rest_.end(), std::make_pair(c, 0));
  return (it != rest_.end() && it->first == c) ? it->second : -1;
}

char32_t Alphabet::symbol(int l) const {
  OCR_CHECK(l >= 1 && l < size(), "label out of range");
  return chars_[l - 1];
}

std::vector<int> Alphabet::encode(std::string_view utf8) const {
  std::vector<int> out;
  for (char32_t c : utf8_decode(utf8)) {
    int l = label(c);
    if (l < 0) {
      char buf[16];
      snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
      throw FormatError("character '" + utf8_encode(c) + "' (" + buf + ") is not in the alphabet");
    }
    out.push_back(l);
  }
  return out;
}

std::string Alphabet::decode(const std::vector<int>& labels) const {
  std::u32string s;
  for (int l : labels)
    if (l > 0) s.push_back(symbol(l));
  return utf8_encode(s);
}

int Alphabet::extend(const Alphabet& other) {
  int added = 0;
  for (char32_t c : other.chars())
    if (!contains(c)) {
      chars_.push_back(c);
      ++added;
    }
  if (added) rebuild_index();
  return added;
}

}  // namespace ocr
