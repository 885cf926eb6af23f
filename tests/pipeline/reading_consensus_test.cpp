#include "ocr/pipeline/reading_consensus.h"

#include <gtest/gtest.h>

#include "ocr/core/error.h"

namespace ocr {
namespace {

RecognizedLine reading(const std::string& text, float confidence) {
  RecognizedLine r;
  r.text = text;
  r.confidence = confidence;
  return r;
}

// Two readings that nearly agree outweigh a surer one that differs from both.
TEST(ReadingConsensus, TheReadingTheOthersAgreeWithWins) {
  const std::vector<RecognizedLine> readings = {reading("jello wor1d", 0.9f), reading("hello world", 0.6f),
                                                reading("hello worid", 0.5f)};
  // risks: 0.6*2 + 0.5*2 = 2.2; 0.9*2 + 0.5*1 = 2.3; 0.9*2 + 0.6*1 = 2.4
  const std::vector<double> risk = consensus_risks(readings);
  ASSERT_EQ(risk.size(), 3u);
  EXPECT_NEAR(risk[0], 2.2, 1e-6);
  EXPECT_NEAR(risk[1], 2.3, 1e-6);
  EXPECT_NEAR(risk[2], 2.4, 1e-6);
  EXPECT_EQ(consensus_choice(readings).index, 0u);
  // A fourth reading that agrees with the second turns the choice.
  std::vector<RecognizedLine> more = readings;
  more.push_back(reading("hello world", 0.4f));
  EXPECT_EQ(consensus_choice(more).index, 1u);
}

// Of two readings, the surer one: each pays the other's confidence per edit.
TEST(ReadingConsensus, ConfidenceWeighs) {
  EXPECT_EQ(consensus_choice({reading("abc", 0.9f), reading("abd", 0.2f)}).index, 0u);
  EXPECT_EQ(consensus_choice({reading("abd", 0.2f), reading("abc", 0.9f)}).index, 1u);
  // An even split goes to the earlier reading.
  EXPECT_EQ(consensus_choice({reading("ab", 0.5f), reading("ac", 0.5f)}).index, 0u);
  EXPECT_EQ(consensus_choice({reading("ac", 0.5f), reading("ab", 0.5f)}).index, 0u);
  EXPECT_EQ(consensus_choice({reading("only", 0.1f)}).index, 0u);
  EXPECT_THROW(consensus_choice({}), Error);
}

// The others' agreement with the kept reading: 1 - their weighted edits per character of the
// longer text; the kept reading's confidences are scaled by it.
TEST(ReadingConsensus, AgreementScalesTheKeptConfidence) {
  // Kept: "hello world" (index 1). Others: "jello wor1d" 2 edits / 11, weight 0.9; "hello worid"
  // 1 / 11, weight 0.5; "hello world" 0 / 11, weight 0.4.
  const std::vector<RecognizedLine> readings = {reading("jello wor1d", 0.9f), reading("hello world", 0.6f),
                                                reading("hello worid", 0.5f), reading("hello world", 0.4f)};
  const ConsensusChoice choice = consensus_choice(readings);
  EXPECT_EQ(choice.index, 1u);
  EXPECT_NEAR(choice.agreement, 1.0 - (0.9 * 2 / 11 + 0.5 * 1 / 11) / (0.9 + 0.5 + 0.4), 1e-6);  // float confidences
  // Readings that all agree keep their confidence; a single one too.
  EXPECT_DOUBLE_EQ(consensus_choice({reading("abc", 0.7f), reading("abc", 0.2f)}).agreement, 1.0);
  EXPECT_DOUBLE_EQ(consensus_choice({reading("abc", 0.7f)}).agreement, 1.0);
  // Nothing in common: no agreement.
  EXPECT_DOUBLE_EQ(consensus_choice({reading("abc", 0.7f), reading("xyz", 0.2f)}).agreement, 0.0);

  RecognizedLine kept = reading("ab", 0.8f);
  kept.chars = {{"a", 0, 5, 0.9f}, {"b", 5, 10, 0.7f}};
  apply_agreement(kept, 0.5);
  EXPECT_FLOAT_EQ(kept.chars[0].confidence, 0.45f);
  EXPECT_FLOAT_EQ(kept.chars[1].confidence, 0.35f);
  EXPECT_FLOAT_EQ(kept.confidence, 0.4f);
  apply_agreement(kept, 1.5);  // never raised
  EXPECT_FLOAT_EQ(kept.confidence, 0.4f);
}

// Readings that share almost nothing (each model's guess at a rule or a picture strip) leave the
// kept one implausible, its confidence capped, so page reading drops it; a hard line whose
// readings share a good part stays.
TEST(ReadingConsensus, NoConsensusIsNoTextLine) {
  const std::vector<RecognizedLine> noise = {reading("TRE M. 3 RM", 0.9f), reading("- UU", 0.8f),
                                             reading("i l .", 0.7f), reading("*", 0.8f)};
  const ConsensusChoice none = consensus_choice(noise);
  EXPECT_LT(none.agreement, kNoConsensusAgreement);
  RecognizedLine kept = noise[none.index];
  apply_agreement(kept, none.agreement);
  EXPECT_TRUE(kept.implausible);
  EXPECT_LE(kept.confidence, kImplausibleConfidence);

  const std::vector<RecognizedLine> hard = {reading("10/9/87", 0.6f), reading("10/9|a7", 0.5f),
                                            reading("is alan", 0.4f)};
  const ConsensusChoice some = consensus_choice(hard);
  EXPECT_GE(some.agreement, kNoConsensusAgreement);
  kept = hard[some.index];
  apply_agreement(kept, some.agreement);
  EXPECT_FALSE(kept.implausible);
}

// Edits count code points, not bytes.
TEST(ReadingConsensus, EditsAreCountedInCharacters) {
  const std::vector<double> risk = consensus_risks({reading("café €5", 0.5f), reading("cafe e5", 0.25f)});
  EXPECT_NEAR(risk[0], 0.25 * 2, 1e-6);
  EXPECT_NEAR(risk[1], 0.5 * 2, 1e-6);
}

// A reading with no characters (confidence 1 by convention) weighs what the options say.
TEST(ReadingConsensus, AnEmptyReadingWeighsItsOwnWeight) {
  const std::vector<RecognizedLine> readings = {reading("", 1.f), reading("xyz", 0.3f), reading("xyz", 0.3f)};
  // "": 0.3*3*2 = 1.8; "xyz": 0.5*3 = 1.5
  EXPECT_EQ(consensus_choice(readings).index, 1u);
  ConsensusOptions heavy;
  heavy.empty_reading_weight = 1;  // "xyz": 3 > 1.8
  EXPECT_EQ(consensus_choice(readings, heavy).index, 0u);
  EXPECT_NEAR(consensus_risks(readings, heavy)[1], 3.0, 1e-6);
}

}  // namespace
}  // namespace ocr
