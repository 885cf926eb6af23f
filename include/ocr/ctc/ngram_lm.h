// Backoff n-gram language model over characters (or words, for ARPA models from KenLM/SRILM),
// stored as a level-ordered trie of n-grams in flat arrays.
//
// Built by `ocr lm build` with interpolated modified Kneser-Ney (Chen & Goodman 1998, three
// discounts per order), optionally count-pruned with backoff weights renormalised so every
// context still sums to one. Saved in a compact binary file:
//   "OCRNGLM\x1a" | u32 version | u32 unit | u32 order | u32 vocab | u64 nodes | u64 payload bytes
//   | u64 checksum of payload | payload: vocab strings (u32 length + UTF-8, tokens 3..), then in
//   version 3: zero bytes to a multiple of 4 from the file's start, token u32[N], ln p f32[N],
//   child_begin u32[N+1], ln backoff f32[N] (little-endian): the arrays as scoring reads them, so
//   a loaded model maps the file and copies nothing (a 7 MB copy was 5 ms of every start).
//   Versions 1 and 2 stored token u16[N] (u32 when the vocabulary exceeds 65536), ln p, child_begin,
//   then ln backoff only for nodes with children; they still load, by copying.
// The checksum is FNV-1a over bytes in version 1, a four-lane word-wise FNV-1a since version 2
// (fnv1a_wide in ngram_lm.cpp); saving writes version 3.
// Node 0 is the root (empty history); node n's children are [child_begin[n], child_begin[n+1]),
// sorted by token; node n stands for the n-gram on the path to it and holds
// ln P(last token | the rest) and its backoff weight as a history.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ocr/core/lazy_zeros.h"
#include "ocr/ctc/language_model.h"
#include "ocr/ctc/lexicon.h"

namespace ocr {

class MappedFile;

// The raw arrays of a model, as built, read from ARPA, or loaded; NgramLm validates them.
struct NgramData {
  enum class Unit : uint32_t { Char = 0, Word = 1 };
  Unit unit = Unit::Char;
  int order = 0;
  // Token strings (UTF-8); 0..2 are always "<s>", "</s>", "<unk>". Char tokens are one code
  // point each (the space is " ").
  std::vector<std::string> vocab;
  std::vector<uint32_t> token;
  std::vector<float> logp;  // natural log
  std::vector<float> bow;   // natural log
  std::vector<uint32_t> child_begin;
};

struct NgramBuildOptions {
  int order = 7;
  // Minimum raw count to keep an n-gram, for orders 2, 3, ...; the last value applies to the
  // higher orders too, and values must not decrease. Empty = keep everything.
  std::vector<int64_t> prune;
  // Stop reading the corpus after this many code points (0 = all).
  int64_t max_chars = 0;
};

class NgramLm : public LanguageModel {
 public:
  static constexpr uint32_t kBos = 0, kEos = 1, kUnk = 2;
  static constexpr uint32_t kNoNode = 0xffffffffu;

  // Validates the arrays (throws FormatError prefixed by `what`, e.g. the file name).
  explicit NgramLm(NgramData data, const std::string& what = "language model");

  // Modified Kneser-Ney from lines of text (one sentence per line, UTF-8).
  static NgramLm build(const std::vector<std::u32string>& lines, const NgramBuildOptions& opt);
  // Same, reading UTF-8 text files (invalid lines are skipped with a warning count).
  static NgramLm build_from_files(const std::vector<std::string>& paths,
                                  const NgramBuildOptions& opt);
  // Binary model or ARPA file (detected by the magic).
  static NgramLm load(const std::string& path);
  void save(const std::string& path) const;

  // LanguageModel: char models score every character; word models score a word when a space
  // or the end of the line closes it (characters inside a word cost nothing).
  LmState start() const override;
  float score(LmState& state, char32_t c) const override;
  float score_end(LmState state) const override;
  int order() const override { return data_.order; }

  // Token-level scoring: ln P(token | node) with backoff; node advances to the new history.
  float score_token(uint32_t& node, uint32_t token) const;
  // Token id of a code point (char models) or word (word models); kUnk when unknown.
  uint32_t char_token(char32_t c) const;
  uint32_t word_token(const std::string& word) const;

  // A copy of the arrays (for writing them out and for tests).
  NgramData data() const;
  NgramData::Unit unit() const { return data_.unit; }
  size_t vocab_size() const { return data_.vocab.size(); }
  size_t node_count() const { return nodes_; }
  // Number of n-grams of each order (index 0 = unigrams).
  std::vector<size_t> ngram_counts() const;
  // Node of the n-gram given as tokens, or kNoNode.
  uint32_t find(const std::vector<uint32_t>& tokens) const;
  // By binary search (the tree is stored level by level): for writing a model out, and for the
  // suffix links worked out on first use.
  uint32_t parent(uint32_t node) const;
  int depth(uint32_t node) const;

 private:
  // The n-gram arrays, wherever they live.
  struct Arrays {
    const uint32_t* token = nullptr;
    const float* logp = nullptr;
    const float* bow = nullptr;
    const uint32_t* child_begin = nullptr;
    size_t nodes = 0;
  };
  // A model over arrays in a mapped file (kept alive by the model); `meta` holds no arrays.
  NgramLm(NgramData meta, Arrays arrays, std::shared_ptr<const MappedFile> file, const std::string& what);
  void validate_and_index(const std::string& what);
  uint32_t child(uint32_t node, uint32_t token) const;
  // The longest proper suffix of node's n-gram present in the model (like an Aho-Corasick failure
  // link), and the history state after it (its longest suffix that can still be a context).
  // Worked out on first use and kept: a page's decoding visits a small part of a large model,
  // and working them all out at load took about 25 ms per process for eng.lm.
  uint32_t suffix(uint32_t node) const;
  uint32_t state(uint32_t node) const;
  void index();
  // Recomputes every backoff weight so each context sums to one over the kept n-grams.
  void renormalize();

  NgramData data_;  // unit, order and vocabulary; the arrays too unless they are mapped
  std::shared_ptr<const MappedFile> file_;  // the mapped model the views below point into
  const uint32_t* token_ = nullptr;
  const float* logp_ = nullptr;
  const float* bow_ = nullptr;
  const uint32_t* child_begin_ = nullptr;
  size_t nodes_ = 0;
  std::vector<uint32_t> root_child_;
  // Level k's nodes (the n-grams of k tokens) are level_begin_[k] .. level_begin_[k+1] - 1.
  std::vector<uint32_t> level_begin_;
  // Node + 1, or 0 until suffix()/state() first need them; shared by the threads decoding with one model
  // (every thread works out the same value, so relaxed atomics suffice).
  LazyZeros suffix_, state_;
  uint32_t ascii_token_[128];
  std::unordered_map<char32_t, uint32_t> char_token_;
  std::unordered_map<std::string, uint32_t> word_token_;
  CharTrie word_trie_;            // word models: spelling of the vocabulary
  std::vector<uint32_t> trie_word_token_;  // word id in word_trie_ → token
  float unk_logp_ = 0;            // used when the model has no <unk> unigram
};

}  // namespace ocr
