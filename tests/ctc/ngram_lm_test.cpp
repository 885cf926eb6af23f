#include "ocr/ctc/ngram_lm.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <string>

#include "ocr/core/error.h"
#include "ocr/core/rng.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/arpa.h"

namespace ocr {
namespace {

std::string tmp(const std::string& name) {
  return ::testing::TempDir() + "ngram_lm_test_" + std::to_string(::getpid()) + "_" + name;
}

std::vector<std::u32string> corpus() {
  return {U"the quick brown fox jumps over the lazy dog", U"the cat sat on the mat",
          U"a quick test of the language model", U"she sells sea shells by the sea shore",
          U"the theory of the thing", U"over and over again", U"the end"};
}

// Σ over every token but <s> of P(token | state) for the state reached after `prefix`.
double total_mass(const NgramLm& lm, const std::u32string& prefix) {
  uint32_t node = static_cast<uint32_t>(lm.start());
  for (char32_t c : prefix) lm.score_token(node, lm.char_token(c));
  double sum = 0;
  for (uint32_t t = 1; t < lm.vocab_size(); ++t) {
    uint32_t n = node;
    sum += std::exp(double(lm.score_token(n, t)));
  }
  return sum;
}

TEST(NgramLm, KneserNeyDistributionsSumToOne) {
  for (std::vector<int64_t> prune : {std::vector<int64_t>{}, std::vector<int64_t>{1, 2, 2}}) {
    NgramBuildOptions o;
    o.order = 6;
    o.prune = prune;
    NgramLm lm = NgramLm::build(corpus(), o);
    for (std::u32string ctx : {U"", U"t", U"th", U"the ", U"the th", U"over and ov", U"zzq", U"sea sh"})
      EXPECT_NEAR(total_mass(lm, ctx), 1.0, 1e-4) << utf8_encode(ctx) << " prune " << prune.size();
  }
}

TEST(NgramLm, PrefersSeenContinuationsAndPrunes) {
  NgramBuildOptions o;
  o.order = 6;
  NgramLm full = NgramLm::build(corpus(), o);
  LmState s = full.start();
  for (char32_t c : std::u32string(U"the qu")) full.score(s, c);
  LmState s2 = s;
  EXPECT_GT(full.score(s, U'i'), full.score(s2, U'a'));
  EXPECT_GT(full.score(s, U'c'), std::log(0.5));  // "qui" → "c" is near certain
  o.prune = {2};
  NgramLm pruned = NgramLm::build(corpus(), o);
  EXPECT_LT(pruned.node_count(), full.node_count());
  EXPECT_EQ(full.ngram_counts().size(), 6u);
  // End of line after "the end" is likely; after "the" it is not.
  LmState e = full.start();
  for (char32_t c : std::u32string(U"the end")) full.score(e, c);
  LmState m = full.start();
  for (char32_t c : std::u32string(U"the")) full.score(m, c);
  EXPECT_GT(full.score_end(e), full.score_end(m));
}

TEST(NgramLm, BinaryRoundTripAndCorruption) {
  NgramBuildOptions o;
  o.order = 5;
  NgramLm lm = NgramLm::build(corpus(), o);
  std::string path = tmp("rt.lm");
  lm.save(path);
  NgramLm back = NgramLm::load(path);
  ASSERT_EQ(back.node_count(), lm.node_count());
  LmState a = lm.start(), b = back.start();
  for (char32_t c : std::u32string(U"the lazy cat!")) EXPECT_EQ(lm.score(a, c), back.score(b, c));

  std::string bytes;
  {
    std::ifstream f(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  auto expect_rejected = [&](const std::string& content, const char* what) {
    std::string p = tmp("bad.lm");
    std::ofstream(p, std::ios::binary) << content;
    try {
      NgramLm::load(p);
      ADD_FAILURE() << what << " was accepted";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
    std::remove(p.c_str());
  };
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;
  expect_rejected(flipped, "a flipped byte");
  expect_rejected(bytes.substr(0, bytes.size() - 7), "a truncated file");
  expect_rejected(bytes.substr(0, 20), "a truncated header");
  expect_rejected("hello world\n", "a text file");
  std::string huge = bytes;
  huge[8 + 16] = '\xff';  // node count low byte... and a wrong size
  huge[8 + 16 + 3] = '\x7f';
  expect_rejected(huge, "an absurd node count");
  EXPECT_THROW(NgramLm::load(tmp("missing.lm")), IoError);

  // A version-1 file (byte-wise FNV-1a checksum and the packed layout of versions 1 and 2:
  // 16-bit tokens, backoff weights of inner nodes only) still loads, by copying.
  const NgramData d = lm.data();
  std::string payload;
  auto put = [&](const void* p, size_t n) { payload.append(static_cast<const char*>(p), n); };
  for (size_t t = 3; t < d.vocab.size(); ++t) {
    const uint32_t len = static_cast<uint32_t>(d.vocab[t].size());
    put(&len, 4);
    payload += d.vocab[t];
  }
  for (uint32_t t : d.token) {
    const uint16_t t16 = static_cast<uint16_t>(t);
    put(&t16, 2);
  }
  put(d.logp.data(), d.logp.size() * 4);
  put(d.child_begin.data(), d.child_begin.size() * 4);
  for (size_t i = 0; i < d.token.size(); ++i)
    if (d.child_begin[i + 1] > d.child_begin[i]) put(&d.bow[i], 4);
  std::string v1 = bytes.substr(0, 48) + payload;
  v1[8] = 1;
  const uint64_t payload_bytes = payload.size();
  std::memcpy(&v1[32], &payload_bytes, 8);
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 48; i < v1.size(); ++i) h = (h ^ static_cast<unsigned char>(v1[i])) * 1099511628211ull;
  std::memcpy(&v1[40], &h, 8);
  const std::string v1_path = tmp("v1.lm");
  std::ofstream(v1_path, std::ios::binary) << v1;
  NgramLm old = NgramLm::load(v1_path);
  LmState c = old.start();
  b = back.start();
  for (char32_t ch : std::u32string(U"the lazy cat!")) EXPECT_EQ(old.score(c, ch), back.score(b, ch));
  EXPECT_EQ(old.data().bow, d.bow);
  // ... and its checksum is checked as version 1's, not a later version's.
  expect_rejected(bytes.substr(0, 8) + '\x01' + bytes.substr(9), "a version-3 body labelled version 1");
  // Version 3 maps its arrays: a file whose padding or array bytes disagree with the header is
  // refused before any is read.
  expect_rejected(bytes + std::string(4, '\0'), "trailing bytes");
  std::remove(v1_path.c_str());
  std::remove(path.c_str());
}

// Arrays that passed the checksum but break the trie's invariants are refused with the reason
// (the checks are branch-free passes; a fault must still be found wherever it sits).
TEST(NgramLm, InconsistentArraysAreRefused) {
  NgramBuildOptions o;
  o.order = 4;
  const NgramData good = NgramLm::build(corpus(), o).data();
  auto reason = [](NgramData d) -> std::string {
    try {
      NgramLm lm(std::move(d), "x.lm");
    } catch (const FormatError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(reason(good), "accepted");
  const size_t n = good.token.size(), last = n - 1;
  NgramData d = good;
  d.token[last] = static_cast<uint32_t>(d.vocab.size());
  EXPECT_NE(reason(d).find("token out of range at node " + std::to_string(last)), std::string::npos) << reason(d);
  d = good;
  d.logp[last / 2] = std::nanf("");
  EXPECT_NE(reason(d).find("NaN"), std::string::npos);
  d = good;
  d.bow[last] = std::nanf("");
  EXPECT_NE(reason(d).find("NaN"), std::string::npos);
  d = good;
  // Two siblings swapped: find a node with two children or more.
  size_t parent = 0;
  while (good.child_begin[parent + 1] - good.child_begin[parent] < 2) ++parent;
  std::swap(d.token[good.child_begin[parent]], d.token[good.child_begin[parent] + 1]);
  EXPECT_NE(reason(d).find("children not sorted at node " + std::to_string(parent)), std::string::npos) << reason(d);
  d = good;
  d.child_begin[1] = 0;  // the root's children would end before they begin
  EXPECT_NE(reason(d).find("child index out of range at node 0"), std::string::npos) << reason(d);
  d = good;
  d.order = 2;  // the trie holds 4-grams
  EXPECT_NE(reason(d).find("longer than the order"), std::string::npos) << reason(d);
  d = good;
  d.child_begin[0] = 2;  // node 1 would be nobody's child
  EXPECT_NE(reason(d).find("have no parent"), std::string::npos) << reason(d);
}

// Parents and depths come from the level-by-level layout by binary search: they must be those
// of a walk from the root.
TEST(NgramLm, ParentsAndDepthsMatchAWalkFromTheRoot) {
  NgramBuildOptions o;
  o.order = 4;
  const NgramLm lm = NgramLm::build(corpus(), o);
  const NgramData& d = lm.data();
  std::vector<uint32_t> parent(d.token.size(), 0);
  std::vector<int> depth(d.token.size(), 0);
  for (size_t i = 0; i < d.token.size(); ++i)
    for (uint32_t c = d.child_begin[i]; c < d.child_begin[i + 1]; ++c) {
      parent[c] = uint32_t(i);
      depth[c] = depth[i] + 1;
    }
  std::vector<size_t> counts(4, 0);
  for (uint32_t node = 0; node < d.token.size(); ++node) {
    ASSERT_EQ(lm.parent(node), parent[node]) << node;
    ASSERT_EQ(lm.depth(node), depth[node]) << node;
    if (depth[node] > 0) ++counts[size_t(depth[node] - 1)];
  }
  EXPECT_EQ(lm.ngram_counts(), counts);
}

TEST(Arpa, RoundTripKeepsProbabilities) {
  NgramBuildOptions o;
  o.order = 4;
  o.prune = {1, 2};
  NgramLm lm = NgramLm::build(corpus(), o);
  std::string path = tmp("rt.arpa");
  write_arpa(lm, path);
  NgramLm back(read_arpa(path), path);
  EXPECT_EQ(back.unit(), NgramData::Unit::Char);
  EXPECT_EQ(back.ngram_counts(), lm.ngram_counts());
  LmState a = lm.start(), b = back.start();
  for (char32_t c : std::u32string(U"the quick brown thing, over!")) EXPECT_NEAR(lm.score(a, c), back.score(b, c), 1e-4);
  EXPECT_NEAR(lm.score_end(a), back.score_end(b), 1e-4);
  // And load() recognises ARPA by content.
  NgramLm sniffed = NgramLm::load(path);
  EXPECT_EQ(sniffed.node_count(), lm.node_count());
  std::remove(path.c_str());
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(Arpa, MalformedFileNamesTheLine) {
  std::string path = tmp("bad.arpa");
  write(path,
        "\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1.0\t<s>\t-0.5\n-0.5\ta\t-0.2\n-0.3\t</s>\n\n"
        "\\2-grams:\n-0.1\t<s>\tb\n\n\\end\\\n");
  try {
    read_arpa(path);
    ADD_FAILURE() << "accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":11:"), std::string::npos) << e.what();
  }
  write(path, "\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\t<s>\n-x\t</s>\n\\end\\\n");
  try {
    read_arpa(path);
    ADD_FAILURE() << "accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":6:"), std::string::npos) << e.what();
  }
  write(path, "\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\t<s>\n");
  EXPECT_THROW(read_arpa(path), FormatError);
  std::remove(path.c_str());
}

// Issue 19: counts are claims, not allocations: a tiny file claiming 2^28 n-grams per order is
// refused at its end, quickly, without reserving gigabytes.
TEST(Arpa, HugeClaimedCountsAllocateNothing) {
  std::string path = tmp("claims.arpa");
  write(path, "\\data\\\nngram 1=268435456\nngram 2=268435456\n\n\\1-grams:\n-1.0\t<s>\n-1.0\ta\n\\end\\\n");
  const auto start = std::chrono::steady_clock::now();
  try {
    read_arpa(path);
    ADD_FAILURE() << "accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
  std::remove(path.c_str());
}

TEST(Arpa, WordLevelModelScoresWholeWords) {
  std::string path = tmp("word.arpa");
  // log10 probabilities; "the cat" is likely, "cat the" is not.
  write(path,
        "\\data\\\nngram 1=5\nngram 2=2\n\n\\1-grams:\n-99\t<s>\t-0.3\n-1.0\t</s>\n-1.0\t<unk>\n"
        "-0.5\tthe\t-0.2\n-0.7\tcat\t-0.1\n\n\\2-grams:\n-0.1\t<s> the\n-0.05\tthe cat\n\n\\end\\\n");
  NgramLm lm = NgramLm::load(path);
  EXPECT_EQ(lm.unit(), NgramData::Unit::Word);
  const float ln10 = std::log(10.f);
  LmState s = lm.start();
  float total = 0;
  for (char32_t c : std::u32string(U"the cat")) total += lm.score(s, c);
  total += lm.score_end(s);
  // <s> the: -0.1; the cat: -0.05; cat </s>: bow(cat) + p(</s>) = -0.1 - 1.0.
  EXPECT_NEAR(total, (-0.1f - 0.05f - 0.1f - 1.0f) * ln10, 1e-4);
  LmState u = lm.start();
  float unk = 0;
  for (char32_t c : std::u32string(U"dog ")) unk += lm.score(u, c);
  EXPECT_NEAR(unk, (-0.3f - 1.0f) * ln10, 1e-4);  // bow(<s>) + p(<unk>)
  std::remove(path.c_str());
}

// Whether the word walked through lex from its root is in the lexicon.
bool known(const Lexicon& lex, const std::u32string& w) {
  int32_t s = lex.root();
  for (char32_t c : w) s = lex.next(s, c);
  return !lex.out_of_lexicon(s);
}

TEST(Lexicon, AcceptsCaseVariantsAndFlagsUnknownWords) {
  Lexicon lex({"cat", "dog"});
  EXPECT_TRUE(known(lex, U"cat"));
  EXPECT_TRUE(known(lex, U"Cat"));
  EXPECT_TRUE(known(lex, U"DOG"));
  EXPECT_FALSE(known(lex, U"ca"));
  EXPECT_FALSE(known(lex, U"cow"));
  EXPECT_FALSE(lex.out_of_lexicon(lex.root()));
  EXPECT_TRUE(lex.is_word_char(U'c'));
  EXPECT_FALSE(lex.is_word_char(U','));
  // Only the case patterns of real text: not "cAT" or "CaT"; listed capitals fold too.
  EXPECT_TRUE(known(lex, U"CAT"));
  EXPECT_FALSE(known(lex, U"cAT"));
  EXPECT_FALSE(known(lex, U"CaT"));
  EXPECT_TRUE(lex.is_word_char(U'C'));
  Lexicon mixed({"NASA", "caf\u00e9", "don't"});
  EXPECT_TRUE(known(mixed, U"NASA"));
  EXPECT_TRUE(known(mixed, U"Nasa"));
  EXPECT_TRUE(known(mixed, U"caf\u00e9"));
  EXPECT_TRUE(known(mixed, U"Don't"));
  EXPECT_TRUE(mixed.is_word_char(U'\''));
  EXPECT_TRUE(mixed.is_word_char(U'\u00e9'));
  EXPECT_FALSE(mixed.is_word_char(U'x'));
}

// The trie skips its sort for a list already in order (the shipped one); shuffled, sorted and
// loaded from a file with CRLF endings and blank lines, a list must accept exactly its words.
// A word list file: capitals fold as in a list built in memory, and a bad line is named.
TEST(Lexicon, LoadedListFoldsCaseAndNamesABadLine) {
  const std::string path = tmp("cased.txt");
  std::ofstream(path, std::ios::binary) << "Zebra\nappLE\n\xc3\x9c" "ber\n";  // Zebra, appLE, Über
  const Lexicon loaded = Lexicon::load(path), built(std::vector<std::string>{"Zebra", "appLE", "\xc3\x9c" "ber"});
  for (const std::u32string w : {U"zebra", U"Zebra", U"ZEBRA", U"apple", U"\u00dcber", U"uber", U"zebr"})
    EXPECT_EQ(known(loaded, w), known(built, w)) << utf8_encode(w);
  EXPECT_TRUE(known(loaded, U"Apple"));
  EXPECT_TRUE(known(loaded, U"\u00dcber"));
  EXPECT_FALSE(known(loaded, U"uber"));
  auto error_of = [&](const std::string& content) -> std::string {
    std::ofstream(path, std::ios::binary) << content;
    try {
      Lexicon::load(path);
    } catch (const FormatError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(error_of("one\ntwo\nbad\xff\n"), path + ":3: invalid UTF-8");
  EXPECT_EQ(error_of("one\n\ntwo words\n"), path + ":3: one word per line expected, got 'two words'");
  EXPECT_EQ(error_of("\xc3\x9c" "ber alles\n"), path + ":1: one word per line expected, got '\xc3\x9c" "ber alles'");
  std::remove(path.c_str());
}

TEST(Lexicon, SortedShuffledAndLoadedListsAgreeWithASet) {
  Rng rng(11);
  const std::u32string letters = U"abce\u00e9";
  std::vector<std::string> words;
  std::set<std::u32string> reference;
  for (int i = 0; i < 3000; ++i) {
    std::u32string w;
    const int64_t n = rng.integer(1, 6);
    for (int64_t k = 0; k < n; ++k) w += letters[size_t(rng.integer(0, int64_t(letters.size()) - 1))];
    words.push_back(utf8_encode(w));
    reference.insert(w);
  }
  std::vector<std::string> sorted(words);
  std::sort(sorted.begin(), sorted.end());
  const std::string path = tmp("words.txt");
  {
    std::ofstream f(path, std::ios::binary);
    for (const auto& w : words) f << "  " << w << "\r\n\n";
  }
  const Lexicon shuffled(words), in_order(sorted), loaded = Lexicon::load(path);
  EXPECT_EQ(shuffled.size(), words.size());
  EXPECT_EQ(loaded.size(), words.size());
  int checked = 0;
  for (int i = 0; i < 5000; ++i) {
    std::u32string w;
    const int64_t n = rng.integer(1, 7);
    for (int64_t k = 0; k < n; ++k) w += letters[size_t(rng.integer(0, int64_t(letters.size()) - 1))];
    const bool expected = reference.count(w) > 0;
    ASSERT_EQ(known(shuffled, w), expected) << utf8_encode(w);
    ASSERT_EQ(known(in_order, w), expected) << utf8_encode(w);
    ASSERT_EQ(known(loaded, w), expected) << utf8_encode(w);
    checked += expected;
  }
  EXPECT_GT(checked, 500);  // both outcomes are exercised
  std::remove(path.c_str());
}

// Every character and every line end has probability 1/4: two bits each.
class UniformLm : public LanguageModel {
 public:
  LmState start() const override { return 0; }
  float score(LmState& state, char32_t) const override { return ++state, float(-std::log(4.0)); }
  float score_end(LmState) const override { return float(-std::log(4.0)); }
  int order() const override { return 1; }
};

TEST(NgramLm, CrossEntropyCountsEveryCharacterAndLineEnd) {
  const TextCrossEntropy u = cross_entropy(UniformLm(), {U"abc", U"", U"de"});
  EXPECT_EQ(u.symbols, 8);  // 5 characters, 3 ends
  EXPECT_NEAR(u.nats, 8 * std::log(4.0), 1e-5);
  EXPECT_NEAR(u.bits_per_symbol(), 2.0, 1e-6);
  EXPECT_EQ(cross_entropy(UniformLm(), {}).bits_per_symbol(), 0.0);

  NgramBuildOptions o;
  o.order = 4;
  const NgramLm lm = NgramLm::build(corpus(), o);
  const double seen = cross_entropy(lm, {U"the cat sat on the mat"}).bits_per_symbol();
  const double shuffled = cross_entropy(lm, {U"eht tac tas no eht tam"}).bits_per_symbol();
  EXPECT_GT(seen, 0);
  EXPECT_LT(seen, 1.5);
  EXPECT_GT(shuffled, seen + 2);
}

}  // namespace
}  // namespace ocr
