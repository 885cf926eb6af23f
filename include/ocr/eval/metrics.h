// Edit distances, alignments and the CER / WER accumulator behind `ocr eval` and training's
// validation. Characters are Unicode code points; words are runs of non-space characters.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocr/eval/normalize.h"

namespace ocr {

// Levenshtein distance (unit cost insert / delete / substitute), O(min(n, m)) memory.
int64_t edit_distance(std::u32string_view ref, std::u32string_view hyp);
int64_t edit_distance(const std::vector<std::u32string>& ref,
                      const std::vector<std::u32string>& hyp);

// One step of an optimal alignment of ref (ground truth) to hyp (output). ref_pos / hyp_pos index
// the character consumed, -1 for the side that consumes none (an insertion has ref_pos = -1).
struct EditOp {
  enum Kind { kMatch, kSubstitute, kInsert, kDelete };
  Kind kind;
  int ref_pos;
  int hyp_pos;
};

// An optimal alignment in reading order; its non-match steps number edit_distance(ref, hyp).
// Ties prefer substitution, then deletion, then insertion. Needs (n+1)(m+1) cells: throws
// ShapeError beyond max_cells.
std::vector<EditOp> align(std::u32string_view ref, std::u32string_view hyp,
                          size_t max_cells = size_t{1} << 25);

std::vector<std::u32string> split_words(std::u32string_view s);

struct LineScore {
  std::string id;                // the line's name for reports (image path)
  std::string gt, ocr;           // normalised texts, UTF-8
  int64_t char_edits = 0, gt_chars = 0;
  int64_t word_edits = 0, gt_words = 0;
  double cer() const;            // char_edits / gt_chars (an empty gt: 0 if no edits, else 1)
};

struct Confusion {
  std::string gt, ocr;  // UTF-8; "" on one side is an insertion or a deletion
  int64_t count = 0;
};

// Accumulates per-line results; totals are edits summed over lines / reference units summed over
// lines (not an average of per-line rates).
class EvalAccumulator {
 public:
  explicit EvalAccumulator(NormalizeOptions options = {}) : options_(options) {}

  // Normalises both texts, then counts character and word edits and the character confusions.
  // Throws FormatError on malformed UTF-8 (nothing is added then).
  const LineScore& add(std::string id, std::string_view gt, std::string_view ocr);
  // Adds another accumulator's lines (same options), e.g. from another thread.
  void merge(const EvalAccumulator& other);

  const NormalizeOptions& options() const { return options_; }
  const std::vector<LineScore>& lines() const { return lines_; }
  int64_t char_edits() const { return char_edits_; }
  int64_t gt_chars() const { return gt_chars_; }
  int64_t word_edits() const { return word_edits_; }
  int64_t gt_words() const { return gt_words_; }
  double cer() const;
  double wer() const;

  // Up to n lines with the most character edits (ties: higher CER, then id), worst first; lines
  // without errors are left out.
  std::vector<LineScore> worst(size_t n) const;
  // The n most frequent confusions (ties: gt, then ocr, in code point order), most frequent first.
  std::vector<Confusion> confusions(size_t n = SIZE_MAX) const;

 private:
  NormalizeOptions options_;
  std::vector<LineScore> lines_;
  std::map<std::pair<std::u32string, std::u32string>, int64_t> confusions_;
  int64_t char_edits_ = 0, gt_chars_ = 0, word_edits_ = 0, gt_words_ = 0;
};

}  // namespace ocr
