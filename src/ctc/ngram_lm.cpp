#include "ocr/ctc/ngram_lm.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/log.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/arpa.h"

namespace ocr {

namespace {

// Version 3's arrays are read in place, as the file stores them: little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the language model format is little-endian");

constexpr char kMagic[8] = {'O', 'C', 'R', 'N', 'G', 'L', 'M', '\x1a'};
// Version 2 changed only the checksum (fnv1a_wide), version 3 the arrays' layout (mappable);
// versions 1 and 2 still load.
constexpr uint32_t kVersion = 3;
constexpr size_t kHeaderBytes = 8 + 4 * 4 + 8 * 3;
// Caps checked before allocating, so a corrupt header cannot ask for gigabytes.
constexpr uint64_t kMaxNodes = uint64_t(1) << 28;
constexpr uint64_t kMaxVocab = uint64_t(1) << 24;
constexpr int kMaxOrder = 32;
constexpr uint64_t kMaxFileBytes = uint64_t(4) << 30;  // 2^28 nodes of 14 bytes, with room
// ln of "probability zero" as ARPA writes it (-99 in log10).
constexpr float kLogZero = -99.0f * 2.302585093f;

uint64_t fnv1a(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 1099511628211ull;
  }
  return h;
}

// The version-2 checksum: FNV-1a's xor-multiply over 64-bit little-endian words in four
// independent lanes (the byte-serial FNV-1a took a third of loading a 5 MB model), with a
// xorshift so high input bits reach the low bits; the tail and the four lanes end in FNV-1a.
uint64_t fnv1a_wide(const char* p, size_t n) {
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t lane[4] = {1469598103934665603ull, 0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full,
                      0x165667b19e3779f9ull};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k) {
      uint64_t w;
      std::memcpy(&w, p + i + 8 * k, 8);
      uint64_t h = (lane[k] ^ w) * kPrime;
      lane[k] = h ^ (h >> 29);
    }
  uint64_t h = fnv1a(p + i, n - i);
  for (uint64_t l : lane) {
    h ^= l;
    h *= kPrime;
    h ^= h >> 29;
  }
  return h;
}

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

// Open-addressing map (parent, token) → child for counting; std::unordered_map would need
// several times the memory on a large corpus.
class EdgeMap {
 public:
  EdgeMap() { rehash(1 << 16); }
  // Returns the child id, inserting `fresh` if absent (then *inserted = true).
  uint32_t get_or_insert(uint32_t parent, uint32_t token, uint32_t fresh, bool* inserted) {
    if ((size_ + 1) * 10 > keys_.size() * 6) rehash(keys_.size() * 2);
    uint64_t key = (uint64_t(parent) << 32) | token;
    size_t i = slot(key);
    while (keys_[i] != kEmpty) {
      if (keys_[i] == key) {
        *inserted = false;
        return vals_[i];
      }
      i = (i + 1) & mask_;
    }
    keys_[i] = key;
    vals_[i] = fresh;
    ++size_;
    *inserted = true;
    return fresh;
  }
  uint32_t find(uint32_t parent, uint32_t token) const {
    uint64_t key = (uint64_t(parent) << 32) | token;
    for (size_t i = slot(key); keys_[i] != kEmpty; i = (i + 1) & mask_)
      if (keys_[i] == key) return vals_[i];
    return NgramLm::kNoNode;
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t(0);
  // Fibonacci hashing: the top bits of the product mix every bit of the key.
  size_t slot(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }
  void rehash(size_t cap) {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<uint32_t> old_vals = std::move(vals_);
    keys_.assign(cap, kEmpty);
    vals_.assign(cap, 0);
    mask_ = cap - 1;
    shift_ = 64;
    for (size_t c = cap; c > 1; c >>= 1) --shift_;
    for (size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] == kEmpty) continue;
      size_t j = slot(old_keys[i]);
      while (keys_[j] != kEmpty) j = (j + 1) & mask_;
      keys_[j] = old_keys[i];
      vals_[j] = old_vals[i];
    }
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;
  size_t mask_ = 0, size_ = 0;
  int shift_ = 64;
};

}  // namespace

namespace detail {

// Lays out a tree given by parent pointers (node 0 = root) in level order with children sorted
// by token; nodes with keep[n] == 0 are dropped (with their subtrees).
void layout_trie(const std::vector<uint32_t>& parent, const std::vector<uint32_t>& token,
                 const std::vector<float>& logp, const std::vector<float>& bow,
                 const std::vector<uint8_t>* keep, NgramData& out) {
  const size_t n = parent.size();
  std::vector<uint32_t> begin(n + 1, 0);
  for (size_t i = 1; i < n; ++i)
    if (!keep || (*keep)[i]) ++begin[parent[i] + 1];
  for (size_t i = 0; i < n; ++i) begin[i + 1] += begin[i];
  std::vector<uint32_t> kids(begin[n]);
  std::vector<uint32_t> fill(begin.begin(), begin.end() - 1);
  for (size_t i = 1; i < n; ++i)
    if (!keep || (*keep)[i]) kids[fill[parent[i]]++] = static_cast<uint32_t>(i);
  std::vector<uint32_t> order{0};
  order.reserve(kids.size() + 1);
  out.token.clear();
  out.logp.clear();
  out.bow.clear();
  out.child_begin.clear();
  for (size_t q = 0; q < order.size(); ++q) {
    uint32_t v = order[q];
    auto b = kids.begin() + begin[v], e = kids.begin() + begin[v + 1];
    std::sort(b, e, [&](uint32_t x, uint32_t y) { return token[x] < token[y]; });
    out.child_begin.push_back(static_cast<uint32_t>(order.size()));
    order.insert(order.end(), b, e);
    out.token.push_back(v == 0 ? 0 : token[v]);
    out.logp.push_back(v == 0 ? 0.f : logp[v]);
    out.bow.push_back(bow[v]);
  }
  out.child_begin.push_back(static_cast<uint32_t>(order.size()));
}

}  // namespace detail

NgramLm::NgramLm(NgramData data, const std::string& what) : data_(std::move(data)) {
  if (data_.logp.size() != data_.token.size() || data_.bow.size() != data_.token.size() ||
      data_.child_begin.size() != data_.token.size() + 1)
    throw FormatError(what + ": inconsistent array sizes");
  token_ = data_.token.data();
  logp_ = data_.logp.data();
  bow_ = data_.bow.data();
  child_begin_ = data_.child_begin.data();
  nodes_ = data_.token.size();
  validate_and_index(what);
}

NgramLm::NgramLm(NgramData meta, Arrays arrays, std::shared_ptr<const MappedFile> file, const std::string& what)
    : data_(std::move(meta)), file_(std::move(file)) {
  token_ = arrays.token;
  logp_ = arrays.logp;
  bow_ = arrays.bow;
  child_begin_ = arrays.child_begin;
  nodes_ = arrays.nodes;
  validate_and_index(what);
}

NgramData NgramLm::data() const {
  NgramData d;
  d.unit = data_.unit;
  d.order = data_.order;
  d.vocab = data_.vocab;
  d.token.assign(token_, token_ + nodes_);
  d.logp.assign(logp_, logp_ + nodes_);
  d.bow.assign(bow_, bow_ + nodes_);
  d.child_begin.assign(child_begin_, child_begin_ + nodes_ + 1);
  return d;
}

void NgramLm::validate_and_index(const std::string& what) {
  auto bad = [&](const std::string& msg) { throw FormatError(what + ": " + msg); };
  const size_t n = nodes_;
  if (data_.order < 1 || data_.order > kMaxOrder) bad("order " + std::to_string(data_.order));
  if (data_.vocab.size() < 3 || data_.vocab.size() > kMaxVocab) bad("bad vocabulary size");
  if (data_.vocab[kBos] != "<s>" || data_.vocab[kEos] != "</s>" || data_.vocab[kUnk] != "<unk>")
    bad("vocabulary does not start with <s> </s> <unk>");
  if (n == 0 || n > kMaxNodes) bad("inconsistent array sizes");
  if (child_begin_[n] != n) bad("child index out of range");
  // Branch-free passes over whole arrays (the compiler vectorises them): loading eng.lm (432k
  // nodes) spent 40 % of its 13 ms in per-node checks with a branch each.
  bool ranges_ok = true;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t b = child_begin_[i], e = child_begin_[i + 1];
    ranges_ok &= (b >= i + 1) & (e >= b) & (e <= n);
  }
  if (!ranges_ok)
    for (size_t i = 0; i < n; ++i) {
      const uint32_t b = child_begin_[i], e = child_begin_[i + 1];
      if (b < i + 1 || e < b || e > n) bad("child index out of range at node " + std::to_string(i));
    }
  const uint32_t vocab = static_cast<uint32_t>(data_.vocab.size());
  uint32_t largest = 0;
  bool nan = false;
  for (size_t i = 0; i < n; ++i) {
    largest = std::max(largest, token_[i]);
    // Both read on every node, without a branch (a loop over millions of nodes at load time).
    nan |= int(std::isnan(logp_[i])) | int(std::isnan(bow_[i]));
  }
  if (largest >= vocab)
    for (size_t c = 0; c < n; ++c)
      if (token_[c] >= vocab) bad("token out of range at node " + std::to_string(c));
  if (nan) bad("NaN probability");
  try {
    index();
  } catch (const FormatError& e) {
    bad(e.what());
  }
}

void NgramLm::index() {
  // The tree is stored level by level: the root, then every node's children in one run, in node
  // order (the constructor checked that the runs are in order and fill the array). So level k+1
  // is the children of level k, a contiguous range, and no per-node parent or depth is stored:
  // storing them took 2 ms of every start.
  const size_t n = nodes_;
  const uint32_t* token = token_;
  const uint32_t* begin = child_begin_;
  if (begin[0] != 1) throw FormatError("nodes 1.." + std::to_string(begin[0] - 1) + " have no parent");
  level_begin_.assign({0, 1});
  while (level_begin_.back() < n) {
    const uint32_t last = level_begin_.back();
    const uint32_t next = begin[last];
    if (next == last) throw FormatError("nodes " + std::to_string(last) + ".. have no parent");
    level_begin_.push_back(next);
    if (int(level_begin_.size()) - 2 > data_.order) throw FormatError("n-gram longer than the order");
  }
  // Siblings sorted: every node but a first child has a larger token than the node before it.
  // One flat pass over nodes marked as first children (a loop per node's children was most of
  // this function's time).
  std::vector<uint8_t> first_child(n + 1, 0);
  for (size_t i = 0; i < n; ++i) first_child[begin[i]] = 1;
  bool sorted = true;
  for (size_t c = 1; c < n; ++c) sorted &= bool(first_child[c] | (token[c] > token[c - 1]));
  if (!sorted)
    for (size_t i = 0; i < n; ++i)
      for (uint32_t c = begin[i] + 1; c < begin[i + 1]; ++c)
        if (token[c] <= token[c - 1]) throw FormatError("children not sorted at node " + std::to_string(i));
  root_child_.assign(data_.vocab.size(), kNoNode);
  for (uint32_t c = begin[0]; c < begin[1]; ++c) root_child_[token[c]] = c;
  // Suffix links and history states: worked out on first use (suffix(), state()), stored plus
  // one so that the zeros of a fresh array mean "not yet".
  suffix_ = LazyZeros(n);
  state_ = LazyZeros(n);
  suffix_.store(0, 1);
  state_.store(0, 1);
  unk_logp_ = 0;
  if (root_child_[kUnk] == kNoNode) {
    // No <unk> unigram (e.g. an ARPA file without one): price unknowns like the rarest token.
    float lo = 0;
    for (uint32_t c = child_begin_[0]; c < child_begin_[1]; ++c)
      if (token_[c] != kBos && logp_[c] > kLogZero / 2) lo = std::min(lo, logp_[c]);
    unk_logp_ = lo;
  }
  std::fill(std::begin(ascii_token_), std::end(ascii_token_), kUnk);
  char_token_.clear();
  word_token_.clear();
  if (data_.unit == NgramData::Unit::Char) {
    for (uint32_t t = 3; t < data_.vocab.size(); ++t) {
      std::u32string cp = utf8_decode(data_.vocab[t]);
      if (cp.size() != 1) throw FormatError("character model token '" + data_.vocab[t] + "' is not one character");
      if (!char_token_.emplace(cp[0], t).second)
        throw FormatError("character '" + data_.vocab[t] + "' is listed twice");
      if (cp[0] < 128) ascii_token_[cp[0]] = t;
    }
  } else {
    std::vector<std::u32string> words;
    trie_word_token_.clear();
    for (uint32_t t = 3; t < data_.vocab.size(); ++t) {
      if (!word_token_.emplace(data_.vocab[t], t).second)
        throw FormatError("word '" + data_.vocab[t] + "' is listed twice");
      words.push_back(utf8_decode(data_.vocab[t]));
      trie_word_token_.push_back(t);
    }
    word_trie_ = CharTrie(words);
  }
}

int NgramLm::depth(uint32_t node) const {
  return int(std::upper_bound(level_begin_.begin(), level_begin_.end(), node) - level_begin_.begin()) - 1;
}

uint32_t NgramLm::parent(uint32_t node) const {
  if (node == 0) return 0;
  return uint32_t(std::upper_bound(child_begin_, child_begin_ + nodes_ + 1, node) - child_begin_) - 1;
}

uint32_t NgramLm::suffix(uint32_t node) const {
  uint32_t s = suffix_.load(node);
  if (s != 0) return s - 1;
  // Depth ≥ 1 here (the root's is set). The parent and every suffix are shallower, so the
  // recursion is at most the order deep.
  s = 0;
  if (depth(node) >= 2) {
    for (uint32_t h = suffix(parent(node));; h = suffix(h)) {
      const uint32_t c = child(h, token_[node]);
      if (c != kNoNode) {
        s = c;
        break;
      }
      if (h == 0) break;
    }
  }
  suffix_.store(node, s + 1);
  return s;
}

uint32_t NgramLm::state(uint32_t node) const {
  uint32_t s = state_.load(node);
  if (s != 0) return s - 1;
  const bool context = child_begin_[node + 1] > child_begin_[node] || bow_[node] != 0.f;
  s = context ? node : state(suffix(node));
  state_.store(node, s + 1);
  return s;
}

uint32_t NgramLm::child(uint32_t node, uint32_t token) const {
  if (node == 0) return token < root_child_.size() ? root_child_[token] : kNoNode;
  uint32_t b = child_begin_[node], e = child_begin_[node + 1];
  const uint32_t* t = token_;
  // Deep contexts have few children: a scan beats a binary search there.
  if (e - b <= 8) {
    for (uint32_t c = b; c < e; ++c)
      if (t[c] == token) return c;
    return kNoNode;
  }
  const uint32_t* p = std::lower_bound(t + b, t + e, token);
  return (p != t + e && *p == token) ? static_cast<uint32_t>(p - t) : kNoNode;
}

float NgramLm::score_token(uint32_t& node, uint32_t token) const {
  float acc = 0;
  uint32_t cur = node;
  for (;;) {
    uint32_t c = child(cur, token);
    if (c != kNoNode) {
      node = state(c);
      return acc + logp_[c];
    }
    if (cur == 0) {
      if (token != kUnk) return score_token(node = 0, kUnk) + acc;
      node = 0;
      return acc + unk_logp_;
    }
    acc += bow_[cur];
    cur = suffix(cur);
  }
}

uint32_t NgramLm::char_token(char32_t c) const {
  if (c < 128) return ascii_token_[c];
  auto it = char_token_.find(c);
  return it == char_token_.end() ? kUnk : it->second;
}

uint32_t NgramLm::word_token(const std::string& word) const {
  auto it = word_token_.find(word);
  return it == word_token_.end() ? kUnk : it->second;
}

// Word models pack (history node << 32 | spelling-trie node of the open word); kOpenOov marks
// an open word that is already outside the vocabulary.
namespace {
constexpr uint32_t kOpenOov = 0xffffffffu;
}

LmState NgramLm::start() const {
  uint32_t node = 0;
  score_token(node, kBos);
  return data_.unit == NgramData::Unit::Char ? LmState(node) : (LmState(node) << 32);
}

float NgramLm::score(LmState& state, char32_t c) const {
  if (data_.unit == NgramData::Unit::Char) {
    uint32_t node = static_cast<uint32_t>(state);
    float lp = score_token(node, char_token(c));
    state = node;
    return lp;
  }
  uint32_t hist = static_cast<uint32_t>(state >> 32);
  uint32_t open = static_cast<uint32_t>(state);
  if (c == U' ') {
    if (open == 0) return 0;  // repeated spaces close no word
    uint32_t tok = kUnk;
    if (open != kOpenOov && word_trie_.word(static_cast<int32_t>(open)) != CharTrie::kNone)
      tok = trie_word_token_[word_trie_.word(static_cast<int32_t>(open))];
    float lp = score_token(hist, tok);
    state = LmState(hist) << 32;
    return lp;
  }
  if (open != kOpenOov) {
    int32_t nx = word_trie_.next(static_cast<int32_t>(open), c);
    open = nx == CharTrie::kNone ? kOpenOov : static_cast<uint32_t>(nx);
  }
  state = (LmState(hist) << 32) | open;
  return 0;
}

float NgramLm::score_end(LmState state) const {
  if (data_.unit == NgramData::Unit::Char) {
    uint32_t node = static_cast<uint32_t>(state);
    return score_token(node, kEos);
  }
  float lp = score(state, U' ');
  uint32_t hist = static_cast<uint32_t>(state >> 32);
  return lp + score_token(hist, kEos);
}

std::vector<size_t> NgramLm::ngram_counts() const {
  std::vector<size_t> out;
  for (size_t k = 1; k + 1 < level_begin_.size(); ++k) out.push_back(level_begin_[k + 1] - level_begin_[k]);
  return out;
}

uint32_t NgramLm::find(const std::vector<uint32_t>& tokens) const {
  uint32_t node = 0;
  for (uint32_t t : tokens) {
    node = child(node, t);
    if (node == kNoNode) return kNoNode;
  }
  return node;
}

// ---- Building (interpolated modified Kneser-Ney) ----

NgramLm NgramLm::build(const std::vector<std::u32string>& lines, const NgramBuildOptions& opt) {
  const int N = opt.order;
  if (N < 2 || N > 16) throw Error("language model order must be 2..16, got " + std::to_string(N));
  for (size_t i = 1; i < opt.prune.size(); ++i)
    if (opt.prune[i] < opt.prune[i - 1]) throw Error("--prune thresholds must not decrease with the order");

  // Vocabulary: the specials, then every code point in code-point order (deterministic).
  std::vector<char32_t> chars;
  {
    std::vector<uint8_t> seen_ascii(128, 0);
    std::unordered_map<char32_t, bool> seen;
    for (const auto& l : lines)
      for (char32_t c : l) {
        if (c < 128) {
          if (!seen_ascii[c]) seen_ascii[c] = 1, chars.push_back(c);
        } else if (seen.emplace(c, true).second) {
          chars.push_back(c);
        }
      }
    std::sort(chars.begin(), chars.end());
  }
  NgramData data;
  data.unit = NgramData::Unit::Char;
  data.order = N;
  data.vocab = {"<s>", "</s>", "<unk>"};
  std::unordered_map<char32_t, uint32_t> tok;
  for (char32_t c : chars) {
    tok[c] = static_cast<uint32_t>(data.vocab.size());
    data.vocab.push_back(utf8_encode(c));
  }
  const uint32_t V = static_cast<uint32_t>(data.vocab.size());

  auto t0 = std::chrono::steady_clock::now();
  // Count every k-gram (k ≤ N) by inserting, from each position, the path of the next N tokens.
  std::vector<uint32_t> parent{0}, token{0}, count{0};
  std::vector<uint8_t> depth{0};
  EdgeMap edges;
  auto get = [&](uint32_t p, uint32_t t) {
    bool ins;
    uint32_t c = edges.get_or_insert(p, t, static_cast<uint32_t>(parent.size()), &ins);
    if (ins) {
      if (parent.size() >= kMaxNodes) throw Error("language model too large: prune or use a smaller corpus");
      parent.push_back(p);
      token.push_back(t);
      count.push_back(0);
      depth.push_back(static_cast<uint8_t>(depth[p] + 1));
    }
    return c;
  };
  for (uint32_t t = 0; t < V; ++t) get(0, t);  // every token is a unigram, <unk> with count 0
  std::vector<uint32_t> seq;
  for (const auto& l : lines) {
    seq.assign(1, kBos);
    for (char32_t c : l) seq.push_back(c < 128 ? tok[c] : tok.at(c));
    seq.push_back(kEos);
    for (size_t s = 0; s < seq.size(); ++s) {
      uint32_t node = 0;
      for (size_t k = s; k < seq.size() && k < s + N; ++k) {
        node = get(node, seq[k]);
        if (count[node] != 0xffffffffu) ++count[node];
      }
    }
  }
  const size_t M = parent.size();
  auto t_count = std::chrono::steady_clock::now();
  log::info("lm build: {} lines, {} tokens in vocabulary, {} n-grams counted", lines.size(), V, M - 1);

  // Suffix links; a suffix can have a larger id than its n-gram, so go level by level.
  std::vector<std::vector<uint32_t>> level(N + 1);
  for (uint32_t i = 1; i < M; ++i) level[depth[i]].push_back(i);
  std::vector<uint32_t> suffix(M, 0);
  std::vector<uint8_t> starts_bos(M, 0);
  for (int d = 1; d <= N; ++d)
    for (uint32_t i : level[d]) {
      starts_bos[i] = d == 1 ? token[i] == kBos : starts_bos[parent[i]];
      if (d >= 2) suffix[i] = edges.find(suffix[parent[i]], token[i]);
      OCR_CHECK(suffix[i] != kNoNode, "k-gram suffix missing while counting");
    }
  // Kneser-Ney counts: raw at the top order and for n-grams starting with <s>, else the number
  // of distinct left extensions.
  std::vector<uint32_t> mc(M, 0);
  for (uint32_t i = 1; i < M; ++i)
    if (depth[i] >= 2) ++mc[suffix[i]];
  for (uint32_t i = 1; i < M; ++i)
    if (depth[i] == N || starts_bos[i]) mc[i] = count[i];
  // Three discounts per order from the counts of counts.
  std::vector<std::array<double, 4>> D(N + 1, {0, 0.5, 1.0, 1.5});
  for (int d = 1; d <= N; ++d) {
    double n[5] = {0, 0, 0, 0, 0};
    for (uint32_t i : level[d])
      if (mc[i] >= 1 && mc[i] <= 4 && !(d == 1 && token[i] == kBos)) n[mc[i]] += 1;
    if (n[1] > 0 && n[2] > 0 && n[3] > 0 && n[4] > 0) {
      double Y = n[1] / (n[1] + 2 * n[2]);
      double d1 = 1 - 2 * Y * n[2] / n[1], d2 = 2 - 3 * Y * n[3] / n[2], d3 = 3 - 4 * Y * n[4] / n[3];
      D[d] = {0, std::clamp(d1, 0.05, 1.0), std::clamp(d2, 0.05, 2.0), std::clamp(d3, 0.05, 3.0)};
    }
    log::debug("lm build: order {} discounts {:.3f} {:.3f} {:.3f}", d, D[d][1], D[d][2], D[d][3]);
  }
  // Per context: total count and the mass set aside for the lower order (gamma).
  std::vector<double> total(M, 0), gamma(M, 0);
  for (uint32_t i = 1; i < M; ++i) {
    if (token[i] == kBos && depth[i] == 1) continue;
    uint32_t p = parent[i];
    total[p] += mc[i];
    gamma[p] += D[depth[i]][std::min<uint32_t>(mc[i], 3)];
  }
  std::vector<double> prob(M, 0);
  const double uniform = 1.0 / (V - 1);  // over every token but <s>
  for (int d = 1; d <= N; ++d)
    for (uint32_t i : level[d]) {
      uint32_t h = parent[i];
      if (d == 1 && token[i] == kBos) continue;
      double lower = d == 1 ? uniform : prob[suffix[i]];
      double g = total[h] > 0 ? gamma[h] / total[h] : 1.0;
      double disc = mc[i] > 0 ? std::max(0.0, mc[i] - D[d][std::min<uint32_t>(mc[i], 3)]) : 0.0;
      prob[i] = (total[h] > 0 ? disc / total[h] : 0.0) + g * lower;
    }
  // Pruning by raw count; an n-gram stays while any extension of it stays.
  std::vector<uint8_t> keep(M, 1);
  if (!opt.prune.empty()) {
    std::vector<uint8_t> has_kid(M, 0);
    for (int d = N; d >= 2; --d) {
      int64_t thr = opt.prune[std::min<size_t>(d - 2, opt.prune.size() - 1)];
      for (uint32_t i : level[d]) {
        keep[i] = has_kid[i] || int64_t(count[i]) >= thr;
        if (keep[i]) has_kid[parent[i]] = 1;
      }
    }
  }
  std::vector<float> logp(M), bow(M, 0.f);
  for (uint32_t i = 1; i < M; ++i)
    logp[i] = prob[i] > 0 ? static_cast<float>(std::log(prob[i])) : kLogZero;
  level.clear();
  edges = EdgeMap();
  auto t_est = std::chrono::steady_clock::now();
  detail::layout_trie(parent, token, logp, bow, &keep, data);
  NgramLm lm(std::move(data), "built model");
  auto t_lay = std::chrono::steady_clock::now();
  lm.renormalize();
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  log::info("lm build: counting {:.1f} s, estimation {:.1f} s, layout {:.1f} s, renormalisation {:.1f} s",
            secs(t0, t_count), secs(t_count, t_est), secs(t_est, t_lay),
            secs(t_lay, std::chrono::steady_clock::now()));
  return lm;
}

void NgramLm::renormalize() {
  // Only a model being built renormalises: its arrays are its own (data_'s), which the views
  // point at.
  const size_t n = nodes_;
  // Level order puts every shorter history first, so the lower-order probabilities used here
  // already have their final backoff weights.
  for (size_t h = 1; h < n; ++h) {
    uint32_t b = data_.child_begin[h], e = data_.child_begin[h + 1];
    if (b == e) continue;
    double kept = 0, lower = 0;
    for (uint32_t c = b; c < e; ++c) {
      kept += std::exp(double(data_.logp[c]));
      uint32_t s = suffix(uint32_t(h));
      lower += std::exp(double(score_token(s, data_.token[c])));
    }
    double num = 1 - kept, den = 1 - lower;
    data_.bow[h] = (num > 1e-12 && den > 1e-12) ? static_cast<float>(std::log(num / den)) : kLogZero;
  }
  index();
}

namespace {
// One corpus line as the model sees it: whitespace runs become one space, ends trimmed.
bool normalise_line(std::string_view raw, std::u32string& out) {
  if (!utf8_valid(raw)) return false;
  std::u32string cps = utf8_decode(raw);
  out.clear();
  for (char32_t c : cps) {
    bool space = c == U' ' || c == U'\t' || c == U'\r' || c == 0xA0 || c == U'\v' || c == U'\f';
    if (space) {
      if (!out.empty() && out.back() != U' ') out.push_back(U' ');
    } else if (c >= 0x20 && c != 0x7f) {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == U' ') out.pop_back();
  return true;
}
}  // namespace

NgramLm NgramLm::build_from_files(const std::vector<std::string>& paths, const NgramBuildOptions& opt) {
  std::vector<std::u32string> lines;
  int64_t chars = 0, bad = 0;
  std::u32string line;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot read corpus " + path);
    std::string raw;
    while (std::getline(in, raw)) {
      if (!normalise_line(raw, line)) {
        ++bad;
        continue;
      }
      if (line.empty()) continue;
      chars += static_cast<int64_t>(line.size());
      lines.push_back(line);
      if (opt.max_chars > 0 && chars >= opt.max_chars) break;
    }
    if (opt.max_chars > 0 && chars >= opt.max_chars) break;
  }
  if (bad) log::warn("lm build: skipped {} lines of invalid UTF-8", bad);
  if (lines.empty()) throw FormatError("corpus has no text: " + paths.front());
  log::info("lm build: {} characters of text", chars);
  return build(lines, opt);
}

// ---- Binary file ----

void NgramLm::save(const std::string& path) const {
  std::string payload;
  for (size_t t = 3; t < data_.vocab.size(); ++t) {
    put(payload, static_cast<uint32_t>(data_.vocab[t].size()));
    payload += data_.vocab[t];
  }
  // The arrays as scoring reads them, 4-byte aligned in the file (the payload starts at byte
  // kHeaderBytes), so that loading maps them.
  while ((kHeaderBytes + payload.size()) % 4 != 0) payload.push_back('\0');
  auto put_raw = [&](const void* p, size_t bytes) { payload.append(static_cast<const char*>(p), bytes); };
  put_raw(token_, nodes_ * 4);
  put_raw(logp_, nodes_ * 4);
  put_raw(child_begin_, (nodes_ + 1) * 4);
  put_raw(bow_, nodes_ * 4);
  std::string out(kMagic, 8);
  put(out, kVersion);
  put(out, static_cast<uint32_t>(data_.unit));
  put(out, static_cast<uint32_t>(data_.order));
  put(out, static_cast<uint32_t>(data_.vocab.size()));
  put(out, static_cast<uint64_t>(nodes_));
  put(out, static_cast<uint64_t>(payload.size()));
  put(out, fnv1a_wide(payload.data(), payload.size()));
  out += payload;
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f || !f.write(out.data(), static_cast<std::streamsize>(out.size())))
      throw IoError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw IoError("cannot rename " + tmp + " to " + path);
}

NgramLm NgramLm::load(const std::string& path) {
  auto file = std::make_shared<const MappedFile>(path, kMaxFileBytes);
  const std::string_view buf = file->bytes();
  if (buf.size() < 8 || std::memcmp(buf.data(), kMagic, 8) != 0) {
    // Not our binary: an ARPA file starts with blank lines or \data\.
    if (buf.find("\\data\\") != std::string_view::npos) return NgramLm(read_arpa(path), path);
    throw FormatError(path + ": not a language model (no OCRNGLM magic and no ARPA \\data\\ section)");
  }
  auto bad = [&](const std::string& msg) -> FormatError { return FormatError(path + ": " + msg); };
  if (buf.size() < kHeaderBytes) throw bad("truncated header");
  size_t pos = 8;
  auto get32 = [&]() { uint32_t v; std::memcpy(&v, buf.data() + pos, 4); pos += 4; return v; };
  auto get64 = [&]() { uint64_t v; std::memcpy(&v, buf.data() + pos, 8); pos += 8; return v; };
  uint32_t version = get32(), unit = get32(), order = get32(), vocab = get32();
  uint64_t nodes = get64(), payload = get64(), sum = get64();
  if (version > kVersion)
    throw bad("format version " + std::to_string(version) + " is newer than this ocr reads (" +
              std::to_string(kVersion) + "); upgrade ocr or rebuild the model");
  if (version == 0 || unit > 1) throw bad("bad header");
  if (order < 1 || order > kMaxOrder || vocab < 3 || vocab > kMaxVocab || nodes < 1 || nodes > kMaxNodes)
    throw bad("header sizes out of range (order " + std::to_string(order) + ", vocabulary " +
              std::to_string(vocab) + ", nodes " + std::to_string(nodes) + ")");
  if (payload != buf.size() - kHeaderBytes)
    throw bad("file is truncated or has trailing bytes (payload " + std::to_string(buf.size() - kHeaderBytes) +
              " bytes, header says " + std::to_string(payload) + ")");
  const uint64_t actual = version == 1 ? fnv1a(buf.data() + kHeaderBytes, payload)
                                       : fnv1a_wide(buf.data() + kHeaderBytes, payload);
  if (actual != sum) throw bad("checksum mismatch (corrupt file)");
  NgramData d;
  d.unit = static_cast<NgramData::Unit>(unit);
  d.order = static_cast<int>(order);
  d.vocab = {"<s>", "</s>", "<unk>"};
  for (uint32_t t = 3; t < vocab; ++t) {
    if (pos + 4 > buf.size()) throw bad("truncated vocabulary");
    uint32_t len = get32();
    if (len > buf.size() - pos) throw bad("truncated vocabulary");
    d.vocab.emplace_back(buf.data() + pos, len);
    pos += len;
  }
  if (version >= 3) {
    while (pos % 4 != 0 && pos < buf.size()) {
      if (buf[pos] != 0) throw bad("bad padding after the vocabulary");
      ++pos;
    }
    if (buf.size() - pos != nodes * 16 + 4) throw bad("array sizes do not match the header");
    // The mapping starts on a page and pos is a multiple of 4: the arrays are aligned. The bytes
    // are little-endian, as every machine ocr is built for stores them.
    Arrays a;
    a.token = reinterpret_cast<const uint32_t*>(buf.data() + pos);
    a.logp = reinterpret_cast<const float*>(buf.data() + pos + nodes * 4);
    a.child_begin = reinterpret_cast<const uint32_t*>(buf.data() + pos + nodes * 8);
    a.bow = reinterpret_cast<const float*>(buf.data() + pos + nodes * 12 + 4);
    a.nodes = nodes;
    return NgramLm(std::move(d), a, std::move(file), path);
  }
  const size_t tok_bytes = vocab <= 65536 ? 2 : 4;
  if (buf.size() - pos < nodes * (tok_bytes + 8) + 4) throw bad("array sizes do not match the header");
  d.token.resize(nodes);
  if (tok_bytes == 2) {
    for (size_t i = 0; i < nodes; ++i) {
      uint16_t t;
      std::memcpy(&t, buf.data() + pos + 2 * i, 2);
      d.token[i] = t;
    }
  } else {
    std::memcpy(d.token.data(), buf.data() + pos, nodes * 4);
  }
  pos += nodes * tok_bytes;
  d.logp.resize(nodes);
  std::memcpy(d.logp.data(), buf.data() + pos, nodes * 4);
  pos += nodes * 4;
  d.child_begin.resize(nodes + 1);
  std::memcpy(d.child_begin.data(), buf.data() + pos, (nodes + 1) * 4);
  pos += (nodes + 1) * 4;
  // Backoff weights are stored for inner nodes only.
  const uint32_t* begin = d.child_begin.data();
  size_t inner = 0;
  for (size_t i = 0; i < nodes; ++i) inner += begin[i + 1] > begin[i];
  if (buf.size() - pos != inner * 4) throw bad("array sizes do not match the header");
  d.bow.assign(nodes, 0.f);
  for (size_t i = 0; i < nodes; ++i)
    if (begin[i + 1] > begin[i]) {
      std::memcpy(&d.bow[i], buf.data() + pos, 4);
      pos += 4;
    }
  return NgramLm(std::move(d), path);
}

std::shared_ptr<const LanguageModel> load_language_model(const std::string& path) {
  return std::make_shared<NgramLm>(NgramLm::load(path));
}

double TextCrossEntropy::bits_per_symbol() const { return symbols ? nats / symbols / std::log(2.0) : 0; }

TextCrossEntropy cross_entropy(const LanguageModel& lm, const std::vector<std::u32string>& lines) {
  TextCrossEntropy e;
  for (const auto& line : lines) {
    LmState s = lm.start();
    for (char32_t c : line) e.nats -= lm.score(s, c), ++e.symbols;
    e.nats -= lm.score_end(s), ++e.symbols;
  }
  return e;
}

}  // namespace ocr
