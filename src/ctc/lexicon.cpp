#include "ocr/ctc/lexicon.h"

#include <algorithm>
#include <fstream>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"

namespace ocr {

CharTrie::CharTrie(const std::vector<std::u32string>& words) {
  // Walk the words in sorted order: each adds nodes only past its common prefix with the one
  // before, and every node's children come out in increasing character order, so the CSR arrays
  // follow from a count per parent. (A map per node made loading a 47k-word list take 0.1 s.)
  std::vector<uint32_t> order(words.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return words[a] != words[b] ? words[a] < words[b] : a < b;  // duplicates: first id first
  });
  std::vector<int32_t> parent{-1};
  std::vector<char32_t> edge{0};
  word_.assign(1, kNone);
  std::vector<int32_t> path{0};  // path[d] = node of the previous word's first d characters
  const std::u32string* prev = nullptr;
  for (uint32_t w : order) {
    const std::u32string& cur = words[w];
    size_t common = 0;
    if (prev)
      while (common < prev->size() && common < cur.size() && (*prev)[common] == cur[common]) ++common;
    path.resize(common + 1);
    for (size_t d = common; d < cur.size(); ++d) {
      const int32_t fresh = static_cast<int32_t>(parent.size());
      parent.push_back(path.back());
      edge.push_back(cur[d]);
      word_.push_back(kNone);
      path.push_back(fresh);
    }
    if (word_[path.back()] == kNone) word_[path.back()] = static_cast<int32_t>(w);
    prev = &cur;
  }
  const size_t n = parent.size();
  child_begin_.assign(n + 1, 0);
  for (size_t v = 1; v < n; ++v) ++child_begin_[size_t(parent[v]) + 1];
  for (size_t v = 0; v < n; ++v) child_begin_[v + 1] += child_begin_[v];
  child_char_.resize(n - 1);
  child_node_.resize(n - 1);
  std::vector<uint32_t> fill(child_begin_.begin(), child_begin_.end() - 1);
  for (size_t v = 1; v < n; ++v) {
    const uint32_t slot = fill[size_t(parent[v])]++;
    child_char_[slot] = edge[v];
    child_node_[slot] = static_cast<int32_t>(v);
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
