#include "ocr/ctc/lexicon.h"

#include <algorithm>
#include <string_view>

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/utf8.h"

namespace ocr {

CharTrie::CharTrie(const std::vector<std::u32string>& words)
    : CharTrie(std::vector<std::u32string_view>(words.begin(), words.end())) {}

CharTrie::CharTrie(const std::vector<std::u32string_view>& words) {
  // Walk the words in sorted order: each adds nodes only past its common prefix with the one
  // before, and every node's children come out in increasing character order, so the CSR arrays
  // follow from a count per parent. (A map per node made loading a 47k-word list take 0.1 s.)
  // A list in code-point order (as tools/build-lm.sh writes the shipped one) is walked as it
  // comes, and the walk itself notices a word out of order; only then are the words sorted.
  size_t total = 1;
  for (const auto& w : words) total += w.size();
  std::vector<int32_t> parent;
  std::vector<char32_t> edge;
  parent.reserve(total);
  edge.reserve(total);
  word_.reserve(total);
  std::vector<int32_t> path;  // path[d] = node of the previous word's first d characters
  // False (and the arrays unfinished) at the first word that sorts before the one walked last.
  auto walk = [&](const std::vector<uint32_t>* order) {
    parent.assign(1, -1);
    edge.assign(1, 0);
    word_.assign(1, kNone);
    path.assign(1, 0);
    std::u32string_view prev;
    const size_t n = words.size();
    for (size_t i = 0; i < n; ++i) {
      const uint32_t w = order ? (*order)[i] : uint32_t(i);
      const std::u32string_view cur = words[w];
      size_t common = 0;
      const size_t shorter = std::min(prev.size(), cur.size());
      while (common < shorter && prev[common] == cur[common]) ++common;
      if (common < shorter ? cur[common] < prev[common] : cur.size() < prev.size()) return false;
      path.resize(common + 1);
      for (size_t d = common; d < cur.size(); ++d) {
        const int32_t fresh = static_cast<int32_t>(parent.size());
        parent.push_back(path.back());
        edge.push_back(cur[d]);
        word_.push_back(kNone);
        path.push_back(fresh);
      }
      if (word_[path.back()] == kNone) word_[path.back()] = static_cast<int32_t>(w);
      prev = cur;
    }
    return true;
  };
  if (!walk(nullptr)) {
    // Sorted by a key of the first three characters (0 past the end sorts shorter words first,
    // as string order does), so most comparisons never touch the strings.
    struct Item {
      uint64_t key;
      uint32_t id;
    };
    std::vector<Item> items(words.size());
    for (uint32_t i = 0; i < items.size(); ++i) {
      const std::u32string_view w = words[i];
      uint64_t key = 0;
      for (size_t k = 0; k < 3; ++k) key = key << 21 | (k < w.size() ? (uint64_t(w[k]) & 0x1FFFFF) : 0);
      items[i] = {key, i};
    }
    std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
      if (a.key != b.key) return a.key < b.key;
      const int c = words[a.id].compare(words[b.id]);
      return c != 0 ? c < 0 : a.id < b.id;  // duplicates: first id first
    });
    std::vector<uint32_t> order(items.size());
    for (size_t i = 0; i < items.size(); ++i) order[i] = items[i].id;
    walk(&order);
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

Lexicon::Lexicon(const std::vector<std::string>& words) : Lexicon([&] {
  Words folded;
  for (const auto& w : words) {
    for (char32_t c : utf8_decode(w)) folded.all.push_back(ascii_lower(c));
    if (folded.all.size() > (folded.ends.empty() ? 0 : folded.ends.back())) folded.ends.push_back(folded.all.size());
  }
  return folded;
}()) {}

Lexicon::Lexicon(Words words) {
  // Which characters occur, marked in bytes first (a vector<bool> write per character was a
  // sixth of loading the shipped list).
  std::vector<uint8_t> seen(0x3000, 0);
  for (char32_t c : words.all) {
    if (c < seen.size()) {
      seen[c] = 1;
      if (c >= U'a' && c <= U'z') seen[c - 32] = 1;
    } else {
      word_chars_other_.insert(c);
    }
  }
  word_char_bits_.assign(seen.begin(), seen.end());
  std::vector<std::u32string_view> folded;
  folded.reserve(words.ends.size());
  size_t begin = 0;
  for (size_t end : words.ends) {
    folded.emplace_back(words.all.data() + begin, end - begin);
    begin = end;
  }
  size_ = folded.size();
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
  // The words are decoded and folded back to back into one buffer, ASCII ones byte by byte: a
  // string and a decoded copy per word made the shipped 47k-word list take 7 ms of each run's start.
  Words words;
  std::u32string& all = words.all;
  all.reserve(text.size());
  int64_t lineno = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* nl = p;  // lines are a few bytes: a scan beats a call per line
    while (nl < end && *nl != '\n') ++nl;
    const char* a = p;
    const char* b = nl;
    p = nl + 1;
    ++lineno;
    while (b > a && (b[-1] == '\r' || b[-1] == ' ' || b[-1] == '\t')) --b;
    while (a < b && (*a == ' ' || *a == '\t')) ++a;
    if (a == b) continue;
    const std::string_view line(a, size_t(b - a));
    const size_t before = all.size();
    bool ascii = true, blank_inside = false;  // the blank test rides along (a find per line was 1 ms)
    for (char ch : line) {
      if (static_cast<unsigned char>(ch) >= 0x80) {
        ascii = false;
        break;
      }
      blank_inside |= (ch == ' ') | (ch == '\t');
      all.push_back(ascii_lower(char32_t(ch)));
    }
    if (!ascii) {
      all.resize(before);
      if (!utf8_append(line, all)) throw FormatError(path + ":" + std::to_string(lineno) + ": invalid UTF-8");
      for (size_t i = before; i < all.size(); ++i) all[i] = ascii_lower(all[i]);
      blank_inside = line.find_first_of(" \t") != std::string_view::npos;
    }
    if (blank_inside)
      throw FormatError(path + ":" + std::to_string(lineno) + ": one word per line expected, got '" +
                        std::string(line) + "'");
    words.ends.push_back(all.size());
  }
  return Lexicon(std::move(words));
}

}  // namespace ocr
