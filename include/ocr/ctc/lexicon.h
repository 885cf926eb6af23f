// A user word list for the beam decoder: words outside it are penalised at their end, never
// forbidden. Walked one character at a time (a trie), like the language model.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ocr {

// Immutable trie over code-point strings. Node 0 is the root (empty string).
class CharTrie {
 public:
  static constexpr int32_t kNone = -1;
  CharTrie() = default;
  // Word i gets id i; a duplicate keeps its first id.
  explicit CharTrie(const std::vector<std::u32string>& words);
  explicit CharTrie(const std::vector<std::u32string_view>& words);
  // Child of node by c, or kNone.
  int32_t next(int32_t node, char32_t c) const;
  // Id of the word ending at node, or kNone.
  int32_t word(int32_t node) const { return word_[node]; }
  int32_t node_count() const { return static_cast<int32_t>(word_.size()); }

 private:
  std::vector<uint32_t> child_begin_;  // CSR: children of n are [child_begin_[n], child_begin_[n+1])
  std::vector<char32_t> child_char_;   // sorted within a node
  std::vector<int32_t> child_node_;
  std::vector<int32_t> word_;
};

class Lexicon {
 public:
  // Lexicon state of a partial word that is not a prefix of any word.
  static constexpr int32_t kOutside = -1;
  // words: UTF-8. ASCII letters match case-insensitively within the patterns of real text: a
  // word is accepted as listed in lower case, Capitalised, or in UPPER case ("cat", "Cat",
  // "CAT"; not "cAT"). The trie holds each word once, folded to lower case; the state carries
  // the case pattern seen so far in its low bits.
  explicit Lexicon(const std::vector<std::string>& words);
  // One word per line, UTF-8. Throws IoError, or FormatError with the line number.
  static Lexicon load(const std::string& path);

  // Characters that occur in some word (either case of an ASCII letter); any other character
  // ends a word.
  bool is_word_char(char32_t c) const {
    return c < word_char_bits_.size() ? word_char_bits_[c] : word_chars_other_.count(c) > 0;
  }
  int32_t root() const { return 0; }
  // State after c (c must be a word character); kOutside is absorbing.
  int32_t next(int32_t state, char32_t c) const;
  // Whether a word ending in this state is out of the lexicon (the empty word never is).
  bool out_of_lexicon(int32_t state) const {
    return state == kOutside || (state != 0 && trie_.word(state >> kCaseBits) == CharTrie::kNone);
  }
  size_t size() const { return size_; }

 private:
  static constexpr int kCaseBits = 3;
  // The words folded to lower case, back to back: word i ends at ends[i].
  struct Words {
    std::u32string all;
    std::vector<size_t> ends;
  };
  explicit Lexicon(Words words);
  CharTrie trie_;
  std::vector<bool> word_char_bits_;  // code points below 0x3000
  std::unordered_set<char32_t> word_chars_other_;
  size_t size_ = 0;
};

}  // namespace ocr
