// Aligned voting of several models' readings of one line, on hand-made readings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ocr/core/utf8.h"
#include "ocr/pipeline/hypothesis_voting.h"

namespace {

// A reading: one character per code point of text, each cell_width px wide from x = 0, every
// character with confidence conf unless confs gives them one by one.
ocr::RecognizedLine reading(const std::string& text, float conf, std::vector<float> confs = {},
                            int cell_width = 10) {
  ocr::RecognizedLine line;
  const std::u32string cps = ocr::utf8_decode(text);
  double sum = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    ocr::RecognizedChar c;
    c.text = ocr::utf8_encode(std::u32string(1, cps[i]));
    c.x0 = int(i) * cell_width;
    c.x1 = c.x0 + cell_width;
    c.confidence = confs.empty() ? conf : confs.at(i);
    sum += c.confidence;
    line.text += c.text;
    line.chars.push_back(c);
  }
  line.confidence = cps.empty() ? 1.f : float(sum / double(cps.size()));
  return line;
}

// The readings' characters per slot, as "a|a|-" (gaps as '-'), for checking alignments.
std::vector<std::string> slot_texts(const std::vector<ocr::RecognizedLine>& readings) {
  std::vector<std::string> out;
  for (const auto& slot : ocr::align_readings(readings)) {
    std::string s;
    for (size_t r = 0; r < readings.size(); ++r) {
      if (r) s += "|";
      const int ci = slot.chars[r];
      s += ci < 0 ? "-" : readings[r].chars[size_t(ci)].text;
    }
    out.push_back(s);
  }
  return out;
}

TEST(HypothesisVoting, AgreementKeepsTextAndConfidence) {
  const auto fused = ocr::vote_readings({reading("total 12.50", 0.9f), reading("total 12.50", 0.7f)});
  EXPECT_EQ(fused.text, "total 12.50");
  ASSERT_EQ(fused.chars.size(), 11u);
  // The mean of the probabilities the readings give each character: (0.9 + 0.7) / 2.
  for (const auto& c : fused.chars) EXPECT_NEAR(c.confidence, 0.8f, 1e-6);
  EXPECT_NEAR(fused.confidence, 0.8f, 1e-6);
  EXPECT_EQ(fused.chars[6].x0, 60);
  EXPECT_EQ(fused.chars[6].x1, 70);
  EXPECT_FALSE(fused.implausible);
}

TEST(HypothesisVoting, SubstitutionGoesToTheMoreConfidentOfTwo) {
  // One slot differs: 'o' read at 0.95 beats '0' read at 0.6, whichever reading is first.
  const auto a = reading("b0x", 0.9f, {0.9f, 0.6f, 0.9f});
  const auto b = reading("box", 0.8f, {0.8f, 0.95f, 0.8f});
  EXPECT_EQ(ocr::vote_readings({a, b}).text, "box");
  const auto fused = ocr::vote_readings({b, a});
  EXPECT_EQ(fused.text, "box");
  // The split slot: (0.95 + (1 − 0.6)) / 2; the agreeing ones keep the mean of the two.
  EXPECT_NEAR(fused.chars[1].confidence, (0.95f + 0.4f) / 2, 1e-6);
  EXPECT_NEAR(fused.chars[0].confidence, 0.85f, 1e-6);
  EXPECT_LT(fused.chars[1].confidence, fused.chars[0].confidence);
  EXPECT_EQ(slot_texts({a, b}), (std::vector<std::string>{"b|b", "0|o", "x|x"}));
}

TEST(HypothesisVoting, ConfidencesSteerATwoWayTie) {
  // The middle slot is disputed: it goes to the more confident character.
  const auto a = reading("cat", 0.f, {0.9f, 0.3f, 0.9f});
  const auto b = reading("cot", 0.f, {0.5f, 0.8f, 0.2f});
  const auto fused = ocr::vote_readings({a, b});
  EXPECT_EQ(fused.text, "cot");
  EXPECT_NEAR(fused.chars[1].confidence, (0.8f + 0.7f) / 2, 1e-6);
  // The lower-confidence 'o' loses when its reading is less sure of it.
  const auto c = reading("cot", 0.f, {0.5f, 0.25f, 0.2f});
  EXPECT_EQ(ocr::vote_readings({a, c}).text, "cat");
}

TEST(HypothesisVoting, OneModelsInsertionIsVotedOnAgainstTheOthersGap) {
  // b inserts a doubtful '.' between "ab" and "cd": a's gap there votes with a's line
  // confidence (0.9), so the insertion is dropped.
  const auto a = reading("abcd", 0.9f);
  const auto b = reading("ab.cd", 0.f, {0.8f, 0.8f, 0.3f, 0.8f, 0.8f});
  EXPECT_EQ(slot_texts({a, b}), (std::vector<std::string>{"a|a", "b|b", "-|.", "c|c", "d|d"}));
  EXPECT_EQ(ocr::vote_readings({a, b}).text, "abcd");
  // A confident insertion against a doubtful reading (line confidence 0.65) is kept.
  const auto doubtful = reading("abcd", 0.f, {0.9f, 0.4f, 0.4f, 0.9f});
  const auto sure = reading("ab.cd", 0.f, {0.8f, 0.8f, 0.95f, 0.8f, 0.8f});
  const auto fused = ocr::vote_readings({doubtful, sure});
  EXPECT_EQ(fused.text, "ab.cd");
  EXPECT_NEAR(fused.chars[2].confidence, (0.95f + (1 - 0.65f)) / 2, 1e-6);
  // ... and dropped against a sure one.
  EXPECT_EQ(ocr::vote_readings({reading("abcd", 0.97f), sure}).text, "abcd");
}

TEST(HypothesisVoting, OneModelsDeletionIsVotedOn) {
  // b drops the 'l' of "hello" (one of two, either alignment reads the same).
  const auto a = reading("hello", 0.9f);
  const auto b = reading("helo", 0.7f);
  EXPECT_EQ(ocr::vote_readings({a, b}).text, "hello");
  const auto slots = ocr::align_readings({a, b});
  ASSERT_EQ(slots.size(), 5u);
  int gaps = 0;
  for (const auto& s : slots) gaps += s.chars[1] < 0;
  EXPECT_EQ(gaps, 1);
  // The same deletion by the more confident model wins.
  EXPECT_EQ(ocr::vote_readings({reading("hello", 0.6f), reading("helo", 0.9f)}).text, "helo");
}

TEST(HypothesisVoting, ThreeModelsWeightedMajority) {
  // Two less confident readings that agree outvote a confident third (0.6 + 0.6 > 0.9).
  const auto a = reading("invoice", 0.f, {0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f});
  const auto b = reading("lnvoice", 0.f, {0.6f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f});
  const auto c = reading("lnvoice", 0.f, {0.6f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f});
  const auto fused = ocr::vote_readings({a, b, c});
  EXPECT_EQ(fused.text, "lnvoice");
  EXPECT_NEAR(fused.chars[0].confidence, (0.6f + 0.6f + 0.1f) / 3, 1e-6);
  // ... but not when they are unsure enough (0.4 + 0.4 < 0.9).
  const auto d = reading("lnvoice", 0.f, {0.4f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f});
  EXPECT_EQ(ocr::vote_readings({a, d, d}).text, "invoice");
  // Each slot has its own majority: every reading is wrong somewhere, the vote nowhere.
  EXPECT_EQ(ocr::vote_readings({reading("Xbcde", 0.8f), reading("abYde", 0.8f), reading("abcdZ", 0.8f)}).text,
            "abcde");
}

TEST(HypothesisVoting, ThreeModelsAlignInsertionsAndDeletionsIntoOneNetwork) {
  const auto a = reading("1 234", 0.9f);
  const auto b = reading("1234", 0.8f, {}, 12);
  const auto c = reading("1 2345", 0.7f);
  EXPECT_EQ(slot_texts({a, b, c}),
            (std::vector<std::string>{"1|1|1", " |-| ", "2|2|2", "3|3|3", "4|4|4", "-|-|5"}));
  EXPECT_EQ(ocr::vote_readings({a, b, c}).text, "1 234");
}

TEST(HypothesisVoting, PositionsChooseAmongEqualAlignments) {
  // "m" against "rn": r at x 0-5, n at 5-10, m at 5-10: the m pairs with the n it covers.
  ocr::RecognizedLine m = reading("m", 0.9f);
  m.chars[0].x0 = 5;
  m.chars[0].x1 = 10;
  const auto rn = reading("rn", 0.5f, {}, 5);
  EXPECT_EQ(slot_texts({m, rn}), (std::vector<std::string>{"-|r", "m|n"}));
  ocr::RecognizedLine m_left = reading("m", 0.9f);
  m_left.chars[0].x1 = 5;
  EXPECT_EQ(slot_texts({m_left, rn}), (std::vector<std::string>{"m|r", "-|n"}));
}

TEST(HypothesisVoting, EmptyReadings) {
  EXPECT_EQ(ocr::vote_readings({}).text, "");
  EXPECT_FLOAT_EQ(ocr::vote_readings({}).confidence, 1.f);
  EXPECT_EQ(ocr::vote_readings({reading("", 1.f), reading("", 1.f)}).text, "");
  // An empty reading's gaps vote with empty_gap_confidence (0.5): it outvotes characters read at
  // 0.4, not at 0.6, although an empty line's own confidence is 1.
  EXPECT_EQ(ocr::vote_readings({reading("", 1.f), reading("ab", 0.6f)}).text, "ab");
  EXPECT_EQ(ocr::vote_readings({reading("ab", 0.4f), reading("", 1.f)}).text, "");
  // Aligned last whatever its confidence.
  EXPECT_EQ(ocr::alignment_order({reading("", 1.f), reading("ab", 0.6f)}), (std::vector<size_t>{1, 0}));
  // One reading is returned as it is.
  const auto one = reading("x", 0.3f);
  EXPECT_EQ(ocr::vote_readings({one}).text, "x");
  EXPECT_FLOAT_EQ(ocr::vote_readings({one}).confidence, 0.3f);
}

TEST(HypothesisVoting, UnicodeCharactersAreWholeCodePoints) {
  // Multi-byte characters (é, €, ü, ß) are compared as code points, never as bytes.
  const auto a = reading("café 5€", 0.9f);
  const auto b = reading("cafe 5€", 0.f, {0.8f, 0.8f, 0.8f, 0.95f, 0.8f, 0.8f, 0.8f});
  const auto fused = ocr::vote_readings({a, b});
  EXPECT_EQ(fused.text, "cafe 5€");
  ASSERT_EQ(fused.chars.size(), 7u);
  EXPECT_EQ(fused.chars[6].text, "€");
  EXPECT_NEAR(fused.chars[6].confidence, 0.85f, 1e-6);
  EXPECT_EQ(ocr::vote_readings({reading("Grüße", 0.9f), reading("Grüfse", 0.5f), reading("Grüße", 0.5f)}).text,
            "Grüße");
}

TEST(HypothesisVoting, EveryCharacterInExactlyOneSlotInOrder) {
  const std::vector<ocr::RecognizedLine> readings = {reading("The qu1ck brown", 0.7f), reading("Tne quick  brwn", 0.8f),
                                                     reading("", 1.f), reading("he quick brown fox", 0.65f)};
  const auto slots = ocr::align_readings(readings);
  for (size_t r = 0; r < readings.size(); ++r) {
    int next = 0;
    for (const auto& s : slots)
      if (s.chars[r] >= 0) {
        EXPECT_EQ(s.chars[r], next++);
      }
    EXPECT_EQ(next, int(readings[r].chars.size()));
  }
  for (const auto& s : slots) {
    bool any = false;
    for (int ci : s.chars) any = any || ci >= 0;
    EXPECT_TRUE(any);
  }
  EXPECT_EQ(ocr::vote_readings(readings).text, "The quick brown");
}

}  // namespace
