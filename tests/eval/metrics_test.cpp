#include "ocr/eval/metrics.h"

#include <gtest/gtest.h>

#include "ocr/core/error.h"

namespace ocr {
namespace {

int count_edits(const std::vector<EditOp>& ops) {
  int n = 0;
  for (const auto& op : ops) n += op.kind != EditOp::kMatch;
  return n;
}

TEST(Metrics, EditDistance) {
  EXPECT_EQ(edit_distance(U"kitten", U"sitting"), 3);
  EXPECT_EQ(edit_distance(U"", U"abc"), 3);
  EXPECT_EQ(edit_distance(U"abc", U""), 3);
  EXPECT_EQ(edit_distance(U"flaw", U"lawn"), 2);
  EXPECT_EQ(edit_distance(U"été", U"ete"), 2);  // code points, not bytes
  EXPECT_EQ(edit_distance(std::vector<std::u32string>{U"a", U"b", U"c"},
                          std::vector<std::u32string>{U"a", U"c", U"d"}),
            2);
}

TEST(Metrics, AlignmentBacktrace) {
  auto ops = align(U"abc", U"axc");
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].kind, EditOp::kMatch);
  EXPECT_EQ(ops[1].kind, EditOp::kSubstitute);
  EXPECT_EQ(ops[1].ref_pos, 1);
  EXPECT_EQ(ops[1].hyp_pos, 1);
  ops = align(U"abc", U"ac");
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[1].kind, EditOp::kDelete);
  EXPECT_EQ(ops[1].ref_pos, 1);
  EXPECT_EQ(ops[1].hyp_pos, -1);
  ops = align(U"ac", U"abc");
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[1].kind, EditOp::kInsert);
  EXPECT_EQ(ops[1].ref_pos, -1);
  EXPECT_EQ(ops[1].hyp_pos, 1);
  // The alignment's cost is the edit distance, and it walks both strings in order.
  const std::u32string a = U"the quick brown fox", b = U"teh quikc brwn fx jumps";
  ops = align(a, b);
  EXPECT_EQ(count_edits(ops), edit_distance(a, b));
  int i = 0, j = 0;
  for (const auto& op : ops) {
    if (op.ref_pos >= 0) {
      EXPECT_EQ(op.ref_pos, i++);
    }
    if (op.hyp_pos >= 0) {
      EXPECT_EQ(op.hyp_pos, j++);
    }
  }
  EXPECT_EQ(i, static_cast<int>(a.size()));
  EXPECT_EQ(j, static_cast<int>(b.size()));
  EXPECT_TRUE(align(U"", U"").empty());
  EXPECT_THROW(align(U"abcd", U"abcd", 10), ShapeError);
}

TEST(Metrics, SplitWords) {
  EXPECT_EQ(split_words(U"a bc  d "), (std::vector<std::u32string>{U"a", U"bc", U"d"}));
  EXPECT_TRUE(split_words(U"").empty());
}

TEST(Metrics, AccumulatorTotalsAreEditsOverReferenceUnits) {
  EvalAccumulator acc;
  // 1 substitution (u→a) + 6 insertions (" jumps") over 19 characters; words: 1 sub + 1 ins of 4.
  const LineScore& r = acc.add("l1", "the quick brown fox", "the quack brown fox jumps");
  EXPECT_EQ(r.char_edits, 7);
  EXPECT_EQ(r.gt_chars, 19);
  EXPECT_EQ(r.word_edits, 2);
  EXPECT_EQ(r.gt_words, 4);
  EXPECT_DOUBLE_EQ(r.cer(), 7.0 / 19);
  acc.add("l2", "hello  world\n", " hello world");  // equal after whitespace collapsing
  acc.add("l3", "abc", "abd");
  EXPECT_EQ(acc.lines().size(), 3u);
  EXPECT_EQ(acc.char_edits(), 8);
  EXPECT_EQ(acc.gt_chars(), 19 + 11 + 3);
  EXPECT_DOUBLE_EQ(acc.cer(), 8.0 / 33);
  EXPECT_DOUBLE_EQ(acc.wer(), 3.0 / 7);
  // Worst first by edits; the error-free line is left out.
  const auto worst = acc.worst(10);
  ASSERT_EQ(worst.size(), 2u);
  EXPECT_EQ(worst[0].id, "l1");
  EXPECT_EQ(worst[1].id, "l3");
  EXPECT_EQ(acc.worst(1).size(), 1u);
}

TEST(Metrics, ConfusionTable) {
  EvalAccumulator acc;
  acc.add("a", "ill", "i11");  // l→1 twice
  acc.add("b", "l", "1");      // l→1
  acc.add("c", "ab", "a");     // b deleted
  acc.add("d", "a", "ax");     // x inserted
  acc.add("e", "cl", "d");     // ties prefer substitution: l→d, then c deleted
  const auto conf = acc.confusions();
  ASSERT_EQ(conf.size(), 5u);
  auto expect = [&](size_t i, const char* gt, const char* ocr, int64_t count) {
    EXPECT_EQ(conf[i].gt, gt) << i;
    EXPECT_EQ(conf[i].ocr, ocr) << i;
    EXPECT_EQ(conf[i].count, count) << i;
  };
  expect(0, "l", "1", 3);
  // Equal counts in (ground truth, output) order.
  expect(1, "", "x", 1);
  expect(2, "b", "", 1);
  expect(3, "c", "", 1);
  expect(4, "l", "d", 1);
  EXPECT_EQ(acc.char_edits(), 7);
}

TEST(Metrics, ConfusionCountsSumToEdits) {
  EvalAccumulator acc;
  acc.add("a", "ill", "i11");
  acc.add("b", "ab", "a");
  acc.add("c", "a", "ax");
  acc.add("d", "modern", "rnodem");
  int64_t total = 0;
  for (const auto& c : acc.confusions()) total += c.count;
  EXPECT_EQ(total, acc.char_edits());
  const auto conf = acc.confusions();
  EXPECT_EQ(conf[0].gt, "l");
  EXPECT_EQ(conf[0].ocr, "1");
  EXPECT_EQ(conf[0].count, 2);
  EXPECT_EQ(acc.confusions(1).size(), 1u);
}

TEST(Metrics, NormalisationOptionsApply) {
  EvalAccumulator plain, folded(NormalizeOptions{true, true});
  plain.add("x", "``Quote'' \xE2\x80\x94 OK", "\"quote\" - ok");
  folded.add("x", "``Quote'' \xE2\x80\x94 OK", "\"quote\" - ok");
  EXPECT_GT(plain.char_edits(), 0);
  EXPECT_EQ(folded.char_edits(), 0);
  EXPECT_EQ(folded.cer(), 0.0);
}

TEST(Metrics, EmptyGroundTruth) {
  EvalAccumulator acc;
  acc.add("e", "", "");
  EXPECT_EQ(acc.cer(), 0.0);
  acc.add("f", "", "x");
  EXPECT_EQ(acc.lines()[1].cer(), 1.0);
  EXPECT_EQ(acc.cer(), 1.0);
}

TEST(Metrics, MergeAddsUp) {
  EvalAccumulator a, b;
  a.add("1", "abc", "abd");
  b.add("2", "xyz", "xy");
  b.add("3", "l", "1");
  a.merge(b);
  EXPECT_EQ(a.lines().size(), 3u);
  EXPECT_EQ(a.char_edits(), 3);
  EXPECT_EQ(a.gt_chars(), 7);
  EXPECT_EQ(a.confusions().size(), 3u);
}

}  // namespace
}  // namespace ocr
