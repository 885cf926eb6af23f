#include "ocr/ctc/lexicon.h"

#include <algorithm>
#include <string_view>

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/utf8.h"

namespace ocr {

CharTrie::CharTrie(const std::vector<std::u32string>& words) {
  // Walk the words in sorted order: each adds nodes only past its common prefix with the one
  // before, and every node's children come out in increasing character order, so the CSR arrays
  // follow from a count per parent. (A map per node made loading a 47k-word list take 0.1 s.)
  // Sorted by a key of the first three characters (0 past the end sorts shorter words first, as
  // string order does), so most comparisons never touch the strings.
  struct Item {
    uint64_t key;
    uint32_t id;
  };
  std::vector<Item> items(words.size());
  for (uint32_t i = 0; i < items.size(); ++i) {
    const std::u32string& w = words[i];
    uint64_t key = 0;
    for (size_t k = 0; k < 3; ++k) key = key << 21 | (k < w.size() ? (uint64_t(w[k]) & 0x1FFFFF) : 0);
    items[i] = {key, i};
  }
  auto before = [&](const Item& a, const Item& b) {
    if (a.key != b.key) return a.key < b.key;
    const int c = words[a.id].compare(words[b.id]);
    return c != 0 ? c < 0 : a.id < b.id;  // duplicates: first id first
  };
  // A list in code-point order (as tools/build-lm.sh writes the shipped one) needs no sort.
  if (!std::is_sorted(items.begin(), items.end(), before)) std::sort(items.begin(), items.end(), before);
  std::vector<uint32_t> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) order[i] = items[i].id;
  size_t total = 1;
  for (const auto& w : words) total += w.size();
  std::vector<int32_t> parent{-1};
  std::vector<char32_t> edge{0};
  parent.reserve(total);
  edge.reserve(total);
  word_.reserve(total);
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

namespace {

char32_t ascii_lower(char32_t c) { return c >= U'A' && c <= U'Z' ? c + 32 : c; }

// Case patterns of the letters of a partial word (the low bits of a lexicon state).
enum CasePattern : int32_t {
  kNoLetter = 0,     // no cased letter yet
  kLower = 1,        // all lower case
  kFirstUpper = 2,   // one letter, upper case: "C" may go on to "Cat" or "CAT"
  kCapitalised = 3,  // upper case, then lower case
  kUpper = 4,        // two or more letters, all upper case
};

// Next pattern after a cased letter, or -1 if no accepted form has this mix.
int32_t next_pattern(int32_t pattern, bool upper) {
  switch (pattern) {
    case kNoLetter: return upper ? kFirstUpper : kLower;
    case kLower: return upper ? -1 : kLower;
    case kFirstUpper: return upper ? kUpper : kCapitalised;
    case kCapitalised: return upper ? -1 : kCapitalised;
    default: return upper ? kUpper : -1;
  }
}

}  // namespace

Lexicon::Lexicon(const std::vector<std::string>& words) {
  std::vector<std::u32string> folded;
  folded.reserve(words.size());
  word_char_bits_.assign(0x3000, false);
  auto add_char = [&](char32_t c) {
    if (c < word_char_bits_.size()) word_char_bits_[c] = true;
    else word_chars_other_.insert(c);
  };
  for (const auto& w : words) {
    std::u32string cps = utf8_decode(w);
    if (cps.empty()) continue;
    for (auto& c : cps) {
      c = ascii_lower(c);
      add_char(c);
      if (c >= U'a' && c <= U'z') add_char(c - 32);
    }
    folded.push_back(std::move(cps));
    ++size_;
  }
  trie_ = CharTrie(folded);
}

int32_t Lexicon::next(int32_t state, char32_t c) const {
  if (state == kOutside) return kOutside;
  const char32_t lower = ascii_lower(c);
  int32_t pattern = state & ((1 << kCaseBits) - 1);
  if (lower >= U'a' && lower <= U'z') {
    pattern = next_pattern(pattern, lower != c);
    if (pattern < 0) return kOutside;
  }
  const int32_t node = trie_.next(state >> kCaseBits, lower);
  return node == CharTrie::kNone ? kOutside : (node << kCaseBits | pattern);
}

Lexicon Lexicon::load(const std::string& path) {
  // A state is a trie node shifted by kCaseBits in an int32: at most 2^28 nodes, one per
  // character at worst. 128 MB of words stays below that (and far above any real word list).
  const std::string text = read_file(path, uint64_t(128) << 20);
  std::vector<std::string> words;
  int64_t lineno = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++lineno;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) continue;
    line.remove_prefix(start);
    const std::string word(line);
    if (!utf8_valid(word)) throw FormatError(path + ":" + std::to_string(lineno) + ": invalid UTF-8");
    if (line.find_first_of(" \t") != std::string_view::npos)
      throw FormatError(path + ":" + std::to_string(lineno) + ": one word per line expected, got '" + word + "'");
    words.push_back(std::move(word));
  }
  return Lexicon(words);
}

}  // namespace ocr
