#include "ocr/eval/metrics.h"

#include <algorithm>
#include <numeric>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"

namespace ocr {

namespace {

template <typename Seq>
int64_t levenshtein(const Seq& a, const Seq& b) {
  // One row over the shorter sequence.
  const Seq& s = a.size() < b.size() ? a : b;
  const Seq& l = a.size() < b.size() ? b : a;
  std::vector<int64_t> row(s.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= l.size(); ++i) {
    int64_t diag = row[0];
    row[0] = static_cast<int64_t>(i);
    for (size_t j = 1; j <= s.size(); ++j) {
      const int64_t up = row[j];
      row[j] = std::min({up + 1, row[j - 1] + 1, diag + (l[i - 1] == s[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[s.size()];
}

double rate(int64_t edits, int64_t total) {
  if (total == 0) return edits == 0 ? 0.0 : 1.0;
  return static_cast<double>(edits) / static_cast<double>(total);
}

}  // namespace

int64_t edit_distance(std::u32string_view ref, std::u32string_view hyp) {
  return levenshtein(ref, hyp);
}

int64_t edit_distance(const std::vector<std::u32string>& ref,
                      const std::vector<std::u32string>& hyp) {
  return levenshtein(ref, hyp);
}

std::vector<EditOp> align(std::u32string_view ref, std::u32string_view hyp, size_t max_cells) {
  const size_t n = ref.size(), m = hyp.size();
  if ((n + 1) > max_cells / (m + 1))
    throw ShapeError("align: " + std::to_string(n) + " × " + std::to_string(m) +
                     " characters exceed the alignment limit of " + std::to_string(max_cells) +
                     " cells");
  const size_t w = m + 1;
  std::vector<int32_t> d((n + 1) * w);
  for (size_t j = 0; j <= m; ++j) d[j] = static_cast<int32_t>(j);
  for (size_t i = 1; i <= n; ++i) {
    d[i * w] = static_cast<int32_t>(i);
    for (size_t j = 1; j <= m; ++j)
      d[i * w + j] = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1,
                               d[(i - 1) * w + j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
  }
  std::vector<EditOp> ops;
  ops.reserve(std::max(n, m));
  size_t i = n, j = m;
  while (i > 0 || j > 0) {
    const int32_t here = d[i * w + j];
    if (i > 0 && j > 0) {
      const bool same = ref[i - 1] == hyp[j - 1];
      if (here == d[(i - 1) * w + j - 1] + (same ? 0 : 1)) {
        --i, --j;
        ops.push_back({same ? EditOp::kMatch : EditOp::kSubstitute, static_cast<int>(i),
                       static_cast<int>(j)});
        continue;
      }
    }
    if (i > 0 && here == d[(i - 1) * w + j] + 1) {
      --i;
      ops.push_back({EditOp::kDelete, static_cast<int>(i), -1});
    } else {
      --j;
      ops.push_back({EditOp::kInsert, -1, static_cast<int>(j)});
    }
  }
  std::reverse(ops.begin(), ops.end());
  return ops;
}

std::vector<std::u32string> split_words(std::u32string_view s) {
  std::vector<std::u32string> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == U' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != U' ') ++j;
    if (j > i) words.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

double LineScore::cer() const { return rate(char_edits, gt_chars); }

const LineScore& EvalAccumulator::add(std::string id, std::string_view gt, std::string_view ocr) {
  // normalize() collapses whitespace to single spaces, so splitting on ' ' finds the words.
  const std::u32string g = normalize(utf8_decode(gt), options_);
  const std::u32string o = normalize(utf8_decode(ocr), options_);
  LineScore r;
  r.id = std::move(id);
  r.gt = utf8_encode(g);
  r.ocr = utf8_encode(o);
  r.gt_chars = static_cast<int64_t>(g.size());
  const auto gw = split_words(g), ow = split_words(o);
  r.gt_words = static_cast<int64_t>(gw.size());
  r.word_edits = edit_distance(gw, ow);
  std::vector<EditOp> ops;
  try {
    ops = align(g, o);
  } catch (const ShapeError&) {
    // A pathological pair (a page in one line) still counts, without confusions.
    r.char_edits = edit_distance(g, o);
  }
  for (const EditOp& op : ops) {
    if (op.kind == EditOp::kMatch) continue;
    ++r.char_edits;
    std::u32string a = op.ref_pos >= 0 ? std::u32string(1, g[op.ref_pos]) : std::u32string();
    std::u32string b = op.hyp_pos >= 0 ? std::u32string(1, o[op.hyp_pos]) : std::u32string();
    ++confusions_[{std::move(a), std::move(b)}];
  }
  char_edits_ += r.char_edits;
  gt_chars_ += r.gt_chars;
  word_edits_ += r.word_edits;
  gt_words_ += r.gt_words;
  lines_.push_back(std::move(r));
  return lines_.back();
}

void EvalAccumulator::merge(const EvalAccumulator& other) {
  lines_.insert(lines_.end(), other.lines_.begin(), other.lines_.end());
  for (const auto& [key, count] : other.confusions_) confusions_[key] += count;
  char_edits_ += other.char_edits_;
  gt_chars_ += other.gt_chars_;
  word_edits_ += other.word_edits_;
  gt_words_ += other.gt_words_;
}

double EvalAccumulator::cer() const { return rate(char_edits_, gt_chars_); }
double EvalAccumulator::wer() const { return rate(word_edits_, gt_words_); }

std::vector<LineScore> EvalAccumulator::worst(size_t n) const {
  std::vector<const LineScore*> order;
  order.reserve(lines_.size());
  for (const auto& l : lines_) order.push_back(&l);
  std::stable_sort(order.begin(), order.end(), [](const LineScore* a, const LineScore* b) {
    if (a->char_edits != b->char_edits) return a->char_edits > b->char_edits;
    if (a->cer() != b->cer()) return a->cer() > b->cer();
    return a->id < b->id;
  });
  std::vector<LineScore> out;
  for (size_t i = 0; i < order.size() && i < n && order[i]->char_edits > 0; ++i)
    out.push_back(*order[i]);
  return out;
}

std::vector<Confusion> EvalAccumulator::confusions(size_t n) const {
  std::vector<std::pair<const std::pair<std::u32string, std::u32string>*, int64_t>> order;
  order.reserve(confusions_.size());
  for (const auto& [key, count] : confusions_) order.emplace_back(&key, count);
  // The map is already in (gt, ocr) order, so a stable sort by count keeps that for ties.
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<Confusion> out;
  for (size_t i = 0; i < order.size() && i < n; ++i)
    out.push_back({utf8_encode(order[i].first->first), utf8_encode(order[i].first->second),
                   order[i].second});
  return out;
}

}  // namespace ocr
