#include "ocr/ctc/arpa.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unordered_map>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"

namespace ocr {

namespace detail {
void layout_trie(const std::vector<uint32_t>& parent, const std::vector<uint32_t>& token,
                 const std::vector<float>& logp, const std::vector<float>& bow,
                 const std::vector<uint8_t>* keep, NgramData& out);
}

namespace {

constexpr double kLn10 = 2.302585092994046;

bool is_space_token(const std::string& t) { return t == "<space>" || t == "<sp>" || t == "\xE2\x96\x81"; }

std::vector<std::string> split_ws(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

struct Reader {
  std::ifstream in;
  std::string path, line;
  int64_t lineno = 0;
  FormatError error(const std::string& msg) const {
    return FormatError(path + ":" + std::to_string(lineno) + ": " + msg);
  }
  bool next() {
    if (!std::getline(in, line)) return false;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }
  // Next non-blank line, or an error naming what was expected.
  void next_nonblank(const char* expected) {
    do {
      if (!next()) throw error(std::string("unexpected end of file, expected ") + expected);
    } while (split_ws(line).empty());
  }
  float number(const std::string& s) const {
    char* end = nullptr;
    float v = std::strtof(s.c_str(), &end);
    if (s.empty() || *end != '\0' || std::isnan(v)) throw error("not a number: '" + s + "'");
    return v;
  }
};

}  // namespace

NgramData read_arpa(const std::string& path, ArpaUnit unit) {
  Reader r;
  r.path = path;
  r.in.open(path, std::ios::binary);
  if (!r.in) throw IoError("cannot read ARPA file " + path);
  // Anything before \data\ is a free-form header.
  for (;;) {
    if (!r.next()) throw r.error("no \\data\\ section");
    if (r.line == "\\data\\") break;
  }
  std::vector<int64_t> counts;
  for (;;) {
    r.next_nonblank("ngram counts");
    if (r.line.rfind("ngram ", 0) != 0) break;
    size_t eq = r.line.find('=');
    if (eq == std::string::npos) throw r.error("expected 'ngram N=COUNT'");
    char* end = nullptr;
    long k = std::strtol(r.line.c_str() + 6, &end, 10);
    long long c = std::strtoll(r.line.c_str() + eq + 1, nullptr, 10);
    if (k != static_cast<long>(counts.size()) + 1 || c < 0 || c > (1ll << 28))
      throw r.error("bad n-gram count line '" + r.line + "'");
    counts.push_back(c);
  }
  if (counts.empty() || counts.size() > 32) throw r.error("missing or bad ngram counts");
  const int order = static_cast<int>(counts.size());

  // Unigrams first: they decide the unit and the vocabulary.
  struct Entry {
    std::vector<std::string> words;
    float logp, bow;
    int64_t line;
  };
  std::vector<std::vector<Entry>> levels(order);
  for (int k = 1; k <= order; ++k) {
    if (k > 1) r.next_nonblank("an n-gram section");
    std::string want = "\\" + std::to_string(k) + "-grams:";
    if (r.line != want) throw r.error("expected '" + want + "', got '" + r.line + "'");
    // The counts are the file's word: a 50-byte file may claim 2^28 n-grams, so reserve little and
    // let the lines that are really there grow it.
    levels[k - 1].reserve(static_cast<size_t>(std::min<int64_t>(counts[k - 1], 1 << 16)));
    for (int64_t i = 0; i < counts[k - 1]; ++i) {
      r.next_nonblank("an n-gram line");
      auto f = split_ws(r.line);
      if (f.size() != size_t(k) + 1 && f.size() != size_t(k) + 2)
        throw r.error("expected " + std::to_string(k) + "-gram with probability and optional backoff, got '" +
                      r.line + "'");
      Entry e;
      e.logp = r.number(f[0]);
      e.bow = f.size() == size_t(k) + 2 ? r.number(f.back()) : 0.f;
      e.words.assign(f.begin() + 1, f.begin() + 1 + k);
      e.line = r.lineno;
      levels[k - 1].push_back(std::move(e));
    }
  }
  r.next_nonblank("\\end\\");
  if (r.line != "\\end\\") throw r.error("expected \\end\\ after " + std::to_string(counts.back()) + " " +
                                         std::to_string(order) + "-grams, got '" + r.line + "'");

  NgramData d;
  d.order = order;
  d.vocab = {"<s>", "</s>", "<unk>"};
  if (unit == ArpaUnit::Auto) {
    unit = ArpaUnit::Char;
    for (const auto& e : levels[0]) {
      const auto& w = e.words[0];
      if (w == "<s>" || w == "</s>" || w == "<unk>" || is_space_token(w)) continue;
      if (!utf8_valid(w) || utf8_decode(w).size() != 1) {
        unit = ArpaUnit::Word;
        break;
      }
    }
  }
  d.unit = unit == ArpaUnit::Char ? NgramData::Unit::Char : NgramData::Unit::Word;
  std::unordered_map<std::string, uint32_t> ids = {{"<s>", 0}, {"</s>", 1}, {"<unk>", 2}};
  auto canon = [&](const std::string& w) {
    return d.unit == NgramData::Unit::Char && is_space_token(w) ? std::string(" ") : w;
  };
  for (const auto& e : levels[0]) {
    std::string w = canon(e.words[0]);
    r.lineno = e.line;
    if (!utf8_valid(w)) throw r.error("token is not valid UTF-8");
    if (d.unit == NgramData::Unit::Char && ids.count(w) == 0 && utf8_decode(w).size() != 1)
      throw r.error("character model token '" + w + "' is not one character");
    if (ids.emplace(w, static_cast<uint32_t>(d.vocab.size())).second) d.vocab.push_back(w);
  }
  // Trie with provisional ids, then the canonical level-ordered layout.
  std::vector<uint32_t> parent{0}, token{0};
  std::vector<float> logp{0}, bow{0};
  std::unordered_map<uint64_t, uint32_t> edge;
  for (int k = 1; k <= order; ++k)
    for (const auto& e : levels[k - 1]) {
      r.lineno = e.line;
      uint32_t node = 0;
      for (int j = 0; j < k; ++j) {
        auto it = ids.find(canon(e.words[j]));
        if (it == ids.end()) throw r.error("token '" + e.words[j] + "' is not among the unigrams");
        uint64_t key = (uint64_t(node) << 32) | it->second;
        auto ch = edge.find(key);
        if (j + 1 < k) {
          if (ch == edge.end()) throw r.error("the prefix of this " + std::to_string(k) + "-gram is missing");
          node = ch->second;
        } else {
          if (ch != edge.end()) throw r.error("duplicate n-gram");
          uint32_t id = static_cast<uint32_t>(parent.size());
          edge.emplace(key, id);
          parent.push_back(node);
          token.push_back(it->second);
          logp.push_back(static_cast<float>(e.logp * kLn10));
          bow.push_back(static_cast<float>(e.bow * kLn10));
        }
      }
    }
  detail::layout_trie(parent, token, logp, bow, nullptr, d);
  return d;
}

void write_arpa(const NgramLm& lm, const std::string& path) {
  const NgramData& d = lm.data();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw IoError("cannot write " + path);
  auto counts = lm.ngram_counts();
  std::fprintf(f, "\n\\data\\\n");
  for (size_t k = 0; k < counts.size(); ++k) std::fprintf(f, "ngram %zu=%zu\n", k + 1, counts[k]);
  bool chars = d.unit == NgramData::Unit::Char;
  std::vector<uint32_t> path_nodes;
  std::string text;
  size_t node = 1;
  for (size_t k = 1; k <= counts.size(); ++k) {
    std::fprintf(f, "\n\\%zu-grams:\n", k);
    for (; node < d.token.size() && lm.depth(static_cast<uint32_t>(node)) == static_cast<int>(k); ++node) {
      path_nodes.clear();
      for (uint32_t n = static_cast<uint32_t>(node); n != 0; n = lm.parent(n)) path_nodes.push_back(n);
      text.clear();
      for (auto it = path_nodes.rbegin(); it != path_nodes.rend(); ++it) {
        if (!text.empty()) text += ' ';
        const std::string& w = d.vocab[d.token[*it]];
        text += chars && w == " " ? "<space>" : w;
      }
      bool has_kids = d.child_begin[node + 1] > d.child_begin[node];
      std::fprintf(f, "%.7g\t%s", d.logp[node] / kLn10, text.c_str());
      if (has_kids || d.bow[node] != 0.f) std::fprintf(f, "\t%.7g", d.bow[node] / kLn10);
      std::fputc('\n', f);
    }
  }
  std::fprintf(f, "\n\\end\\\n");
  if (std::fclose(f) != 0) throw IoError("cannot write " + path);
}

}  // namespace ocr
