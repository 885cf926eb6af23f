#include "ocr/ctc/synthetic_posteriors.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ocr/core/utf8.h"
#include "ocr/ctc/greedy_decoder.h"

namespace ocr {
namespace {

TEST(SyntheticPosteriors, AlphabetIsTheTextsCharactersPaddedToTheSizeAsked) {
  const Alphabet a = padded_alphabet({"hello world", "bye"}, 40);
  EXPECT_EQ(a.size(), 40);
  for (char32_t c : std::u32string(U"helo wrdby")) EXPECT_TRUE(a.contains(c));
  EXPECT_TRUE(a.contains(U'\u00C0'));
  // Never smaller than the texts need.
  EXPECT_EQ(padded_alphabet({"abc"}, 2).size(), 4);
}

TEST(SyntheticPosteriors, ColumnsAreDistributionsAndGreedyMostlyReadsTheText) {
  const std::vector<std::string> texts = {"the quick brown fox jumps over the lazy dog",
                                          "pack my box with five dozen liquor jugs", "aa bb  cc"};
  const Alphabet a = padded_alphabet(texts, 60);
  std::mt19937 rng(3);
  int64_t edits = 0, chars = 0;
  for (int round = 0; round < 20; ++round)
    for (const auto& t : texts) {
      const std::vector<int> labels = a.encode(t);
      const Matrix m = synthetic_posteriors(labels, a.size(), 30, rng);
      ASSERT_EQ(m.rows(), a.size());
      EXPECT_GE(m.cols(), std::max<Eigen::Index>(30, Eigen::Index(labels.size())));
      for (Eigen::Index c = 0; c < m.cols(); ++c) EXPECT_NEAR(m.col(c).array().exp().sum(), 1.0, 1e-4);
      const std::vector<int> read = GreedyDecoder().decode(m).label_ids();
      // Label edit distance by the textbook table.
      std::vector<std::vector<int>> d(read.size() + 1, std::vector<int>(labels.size() + 1));
      for (size_t i = 0; i <= read.size(); ++i) d[i][0] = int(i);
      for (size_t j = 0; j <= labels.size(); ++j) d[0][j] = int(j);
      for (size_t i = 1; i <= read.size(); ++i)
        for (size_t j = 1; j <= labels.size(); ++j)
          d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (read[i - 1] != labels[j - 1])});
      edits += d[read.size()][labels.size()];
      chars += int64_t(labels.size());
    }
  // Peaks of 0.3-0.95 against a runner-up: mostly right, not always.
  const double cer = double(edits) / chars;
  EXPECT_GT(cer, 0.005);
  EXPECT_LT(cer, 0.15);
}

TEST(SyntheticPosteriors, LinesAreCutToTheFramesAndSeeded) {
  const std::vector<std::string> texts = {"a line far too long for twenty frames", "   ", "short ", "third",
                                          "fourth"};
  const Alphabet a = padded_alphabet(texts, 50);
  const SyntheticLines s = synthetic_lines(texts, a, 20, 3);
  ASSERT_EQ(s.truths.size(), 3u);
  ASSERT_EQ(s.log_probs.size(), 3u);
  EXPECT_EQ(s.truths[0], U"a line f");  // 20 frames hold 8 characters
  EXPECT_EQ(s.truths[1], U"short");     // the blank line is skipped, the trailing space cut
  EXPECT_EQ(s.truths[2], U"third");
  for (const auto& m : s.log_probs) EXPECT_GE(m.cols(), 20);
  const SyntheticLines again = synthetic_lines(texts, a, 20, 3);
  EXPECT_TRUE(again.log_probs[1].isApprox(s.log_probs[1]));
  const SyntheticLines other = synthetic_lines(texts, a, 20, 3, 2);
  EXPECT_FALSE(other.log_probs[0].isApprox(s.log_probs[0]));
}

}  // namespace
}  // namespace ocr
