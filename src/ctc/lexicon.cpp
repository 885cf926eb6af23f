#include "ocr/ctc/lexicon.h"

#include <algorithm>
#include <fstream>
#include <map>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"

namespace ocr {

CharTrie::CharTrie(const std::vector<std::u32string>& words) {
  // Build with maps, then freeze into sorted CSR arrays for compact, cache-friendly lookups.
  std::vector<std::map<char32_t, int32_t>> kids(1);
  word_.assign(1, kNone);
  for (size_t w = 0; w < words.size(); ++w) {
    int32_t node = 0;
    for (char32_t c : words[w]) {
      auto it = kids[node].find(c);
      if (it == kids[node].end()) {
        int32_t fresh = static_cast<int32_t>(kids.size());
        kids[node].emplace(c, fresh);
        kids.emplace_back();
        word_.push_back(kNone);
        node = fresh;
      } else {
        node = it->second;
      }
    }
    if (word_[node] == kNone) word_[node] = static_cast<int32_t>(w);
  }
  child_begin_.assign(1, 0);
  for (const auto& k : kids) {
    for (const auto& [c, n] : k) {
      child_char_.push_back(c);
      child_node_.push_back(n);
    }
    child_begin_.push_back(static_cast<uint32_t>(child_char_.size()));
  }
}

int32_t CharTrie::next(int32_t node, char32_t c) const {
  if (node < 0 || node + 1 >= static_cast<int32_t>(child_begin_.size())) return kNone;
  auto b = child_char_.begin() + child_begin_[node], e = child_char_.begin() + child_begin_[node + 1];
  auto it = std::lower_bound(b, e, c);
  return (it != e && *it == c) ? child_node_[it - child_char_.begin()] : kNone;
}

Lexicon::Lexicon(const std::vector<std::string>& words) {
  std::vector<std::u32string> all;
  all.reserve(words.size() * 3);
  for (const auto& w : words) {
    std::u32string cps = utf8_decode(w);
    if (cps.empty()) continue;
    all.push_back(cps);
    // Sentence-initial and all-caps forms of a word are the same word.
    std::u32string cap = cps, upper = cps;
    if (cap[0] < 128) cap[0] = static_cast<char32_t>(std::toupper(static_cast<int>(cap[0])));
    for (auto& c : upper)
      if (c < 128) c = static_cast<char32_t>(std::toupper(static_cast<int>(c)));
    all.push_back(cap);
    all.push_back(upper);
    ++size_;
  }
  for (const auto& w : all) word_chars_.insert(w.begin(), w.end());
  trie_ = CharTrie(all);
}

Lexicon Lexicon::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read lexicon " + path);
  std::vector<std::string> words;
  std::string line;
  int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    line.erase(0, start);
    if (!utf8_valid(line)) throw FormatError(path + ":" + std::to_string(lineno) + ": invalid UTF-8");
    if (line.find_first_of(" \t") != std::string::npos)
      throw FormatError(path + ":" + std::to_string(lineno) + ": one word per line expected, got '" + line + "'");
    words.push_back(line);
  }
  return Lexicon(words);
}

}  // namespace ocr
