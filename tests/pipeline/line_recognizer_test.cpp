// LineRecognizer on many lines at once: read in passes of a bounded size, every line comes back in
// its place, as it reads alone.
#include "ocr/pipeline/line_recognizer.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/reading_consensus.h"
#include "ocr/pipeline/hypothesis_voting.h"

namespace {

// The sample line condensed and blurred: read unsurely at its own width (empty when missing).
cv::Mat condensed_blurred_sample() {
  const cv::Mat sample = cv::imread(std::string(OCR_SOURCE_DIR) + "/data/sample-line.png", cv::IMREAD_GRAYSCALE);
  if (sample.empty()) return sample;
  cv::Mat squeezed, line;
  cv::resize(sample, squeezed, cv::Size(), 0.5, 1.0, cv::INTER_AREA);
  cv::GaussianBlur(squeezed, line, cv::Size(0, 0), 1.2);
  return line;
}

// The line stretched to f times its width, as the recognizer's rereading does, written out here.
cv::Mat stretched_by_hand(const cv::Mat& line, double f) {
  cv::Mat stretched;
  cv::resize(line, stretched, cv::Size(int(std::lround(line.cols * f)), line.rows), 0, 0,
             f < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  return stretched;
}

TEST(LineRecognizer, ManyLinesReadInPassesComeBackInTheirPlaces) {
  const std::string root = OCR_SOURCE_DIR;
  const cv::Mat line = cv::imread(root + "/data/sample-line.png", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(line.empty());
  // 150 lines (past two passes) of different widths and texts: the sample line cut at different
  // places (its first 10 to 40 %: short lines keep the test short) and scaled, in a shuffled
  // order of widths.
  std::vector<cv::Mat> lines;
  for (int i = 0; i < 150; ++i) {
    const int width = line.cols / 10 + (i * 37) % (line.cols * 3 / 10);
    cv::Mat part = line(cv::Rect(0, 0, width, line.rows)).clone(), scaled;
    cv::resize(part, scaled, cv::Size(), 0.8 + 0.01 * (i % 30), 0.8 + 0.01 * (i % 30), cv::INTER_AREA);
    lines.push_back(scaled);
  }
  const ocr::LineRecognizer recognizer(ocr::Model::load(root + "/models/eng.ocrm"), nullptr,
                                       ocr::RecognizerOptions{1, 1});
  const std::vector<ocr::RecognizedLine> together = recognizer.recognize(lines);
  ASSERT_EQ(together.size(), lines.size());
  int distinct = 0;
  for (size_t i = 0; i < lines.size(); ++i) distinct += i > 0 && together[i].text != together[i - 1].text;
  EXPECT_GT(distinct, 100);  // the lines differ, so a line out of place would show
  // Every other line read alone: a pass put back out of order moves many lines, and half show it.
  for (size_t i = 0; i < lines.size(); i += 2) {
    const ocr::RecognizedLine alone = recognizer.recognize(lines[i]);
    EXPECT_EQ(together[i].text, alone.text) << "line " << i;
    EXPECT_EQ(together[i].confidence, alone.confidence) << "line " << i;
  }
}

// Unsure lines are read again at other widths and the surest reading stays: the same as reading
// the line at each width by hand and keeping the most confident, with the characters' extents
// in the line's own pixels. Sure lines are read once.
TEST(LineRecognizer, UnsureLinesAreReadAgainAtOtherWidthsAndTheSurestStays) {
  const std::string root = OCR_SOURCE_DIR;
  const cv::Mat line = condensed_blurred_sample();
  ASSERT_FALSE(line.empty());
  const auto model = ocr::Model::load(root + "/models/eng.ocrm");
  ocr::RecognizerOptions plain_options{1, 1};
  const ocr::LineRecognizer plain(model, nullptr, plain_options);
  const ocr::RecognizedLine once = plain.recognize(line);
  ASSERT_LT(once.confidence, 0.99) << once.text;
  ocr::RecognizedLine best = once;
  double best_width = 1;
  for (double f : {1.4, 0.85}) {
    const cv::Mat stretched = stretched_by_hand(line, f);
    const ocr::RecognizedLine r = plain.recognize(stretched);
    if (!r.implausible && !r.text.empty() && r.confidence > best.confidence) best = r, best_width = f;
  }
  ocr::RecognizerOptions reread_options = plain_options;
  reread_options.reread_below = 0.99;
  const ocr::LineRecognizer rereading(model, nullptr, reread_options);
  const ocr::RecognizedLine got = rereading.recognize(line);
  EXPECT_NE(best_width, 1.0) << "another width reads this line more surely: " << best.text << " against " << once.text;
  EXPECT_EQ(got.text, best.text);
  EXPECT_EQ(got.confidence, best.confidence);
  EXPECT_GE(got.confidence, once.confidence);
  ASSERT_EQ(got.chars.size(), best.chars.size());
  for (size_t i = 0; i < got.chars.size(); ++i) {
    EXPECT_NEAR(got.chars[i].x0, best.chars[i].x0 / best_width, 1.0);
    EXPECT_LE(got.chars[i].x1, line.cols);
  }
  // A line read surely enough is read once: the same reading as without rereading.
  reread_options.reread_below = std::max(0.0, double(once.confidence) - 0.01);
  const ocr::RecognizedLine sure = ocr::LineRecognizer(model, nullptr, reread_options).recognize(line);
  EXPECT_EQ(sure.text, once.text);
  EXPECT_EQ(sure.confidence, once.confidence);
}

// A cascade (fuse_below) rereads an unsure line at the other widths with its first model alone;
// its partners then read the line at the width that model read it surest, and the fusion is of
// those readings: the same as fusing the line stretched to that width by hand, with the
// characters' extents in the line's own pixels.
TEST(LineRecognizer, ACascadesPartnersReadTheLineAtTheWidthItsFirstModelReadItSurest) {
  const std::string root = OCR_SOURCE_DIR;
  const cv::Mat line = condensed_blurred_sample();
  ASSERT_FALSE(line.empty());
  const std::shared_ptr<const ocr::Model> first = ocr::Model::load(root + "/models/eng.ocrm");
  const std::shared_ptr<const ocr::Model> partner = ocr::Model::load(root + "/models/eng_rough.ocrm");
  ocr::RecognizerOptions alone_options{1, 1};
  alone_options.reread_below = 0.99;
  const ocr::RecognizedLine alone = ocr::LineRecognizer(first, nullptr, alone_options).recognize(line);
  // The width the first model reads it surest at (its own rereading, undone by hand).
  const ocr::LineRecognizer plain(first, nullptr, ocr::RecognizerOptions{1, 1});
  double width = 1;
  for (double f : {1.4, 0.85}) {
    const cv::Mat stretched = stretched_by_hand(line, f);
    if (plain.recognize(stretched).text == alone.text) width = f;
  }
  ASSERT_NE(width, 1.0) << "the first model reads this line surest at another width";
  ASSERT_LT(alone.confidence, 0.999);

  ocr::RecognizerOptions fused_options{1, 1};
  fused_options.fusion = ocr::LineFusion::Consensus;
  const std::vector<std::shared_ptr<const ocr::Model>> both = {first, partner};
  const std::vector<std::shared_ptr<const ocr::Decoder>> no_decoders;
  const cv::Mat stretched = stretched_by_hand(line, width);
  const ocr::RecognizedLine by_hand = ocr::LineRecognizer(both, no_decoders, fused_options).recognize(stretched);
  // Fused at the line's own width, the reading differs: the width matters.
  const ocr::RecognizedLine own_width = ocr::LineRecognizer(both, no_decoders, fused_options).recognize(line);
  EXPECT_TRUE(own_width.text != by_hand.text || own_width.confidence != by_hand.confidence);

  ocr::RecognizerOptions cascade_options = fused_options;
  cascade_options.reread_below = 0.99;
  cascade_options.fuse_below = 0.999;
  const ocr::RecognizedLine got = ocr::LineRecognizer(both, no_decoders, cascade_options).recognize(line);
  EXPECT_EQ(got.text, by_hand.text);
  EXPECT_EQ(got.confidence, by_hand.confidence);
  ASSERT_EQ(got.chars.size(), by_hand.chars.size());
  for (size_t i = 0; i < got.chars.size(); ++i) {
    EXPECT_NEAR(got.chars[i].x0, by_hand.chars[i].x0 / width, 1.0);
    EXPECT_LE(got.chars[i].x1, line.cols);
  }
}

// Recognizers of one model may share its networks' pool: they read as with their own, and a
// pool of another model is refused.
TEST(LineRecognizer, RecognizersOfOneModelShareItsNetworks) {
  const std::string root = OCR_SOURCE_DIR;
  const cv::Mat line = cv::imread(root + "/data/sample-line.png", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(line.empty());
  const std::shared_ptr<const ocr::Model> first = ocr::Model::load(root + "/models/eng.ocrm");
  const std::shared_ptr<const ocr::Model> partner = ocr::Model::load(root + "/models/eng_rough.ocrm");
  const auto first_pool = std::make_shared<const ocr::NetworkPool>(first);
  const auto partner_pool = std::make_shared<const ocr::NetworkPool>(partner);
  ocr::RecognizerOptions options{1, 1};
  options.fusion = ocr::LineFusion::Consensus;
  const std::vector<std::shared_ptr<const ocr::Decoder>> no_decoders;
  const ocr::LineRecognizer own({first, partner}, no_decoders, options);
  const ocr::LineRecognizer shared_a({first, partner}, no_decoders, options, {first_pool, partner_pool});
  const ocr::LineRecognizer shared_b({partner, first}, no_decoders, options, {partner_pool, first_pool});
  const ocr::RecognizedLine expected = own.recognize(line);
  for (int round = 0; round < 2; ++round) {  // the second round reads with networks given back
    const ocr::RecognizedLine a = shared_a.recognize(line);
    EXPECT_EQ(a.text, expected.text);
    EXPECT_EQ(a.confidence, expected.confidence);
    EXPECT_EQ(shared_b.recognize(line).text, ocr::LineRecognizer({partner, first}, no_decoders, options).recognize(line).text);
  }
  EXPECT_THROW(ocr::LineRecognizer({first, partner}, no_decoders, options, {partner_pool, first_pool}), ocr::Error);
  EXPECT_THROW(ocr::LineRecognizer({first, partner}, no_decoders, options, {first_pool}), ocr::Error);
}

// A fusion of every line (no cascade) lets each model reread alone, at the other widths, the
// lines it is unsure of; the consensus is then over the posterior fusion's reading at the line's
// own width and each model's surest, and with four models or more their character vote too.
TEST(LineRecognizer, AFusionWeighsEachModelsSurestReading) {
  const std::string root = OCR_SOURCE_DIR;
  const cv::Mat line = condensed_blurred_sample();
  ASSERT_FALSE(line.empty());
  std::vector<std::shared_ptr<const ocr::Model>> models;
  for (const char* name : {"eng", "eng_rough", "eng_photo", "eng_mix"})
    models.push_back(ocr::Model::load(root + "/models/" + name + ".ocrm"));
  const std::vector<std::shared_ptr<const ocr::Decoder>> no_decoders;
  for (size_t count : {size_t(2), size_t(4)}) {
    const std::vector<std::shared_ptr<const ocr::Model>> members(models.begin(), models.begin() + long(count));
    ocr::RecognizerOptions alone_options{1, 1};
    alone_options.reread_below = 0.99;
    std::vector<ocr::RecognizedLine> readings;
    ocr::RecognizerOptions posterior_options{1, 1};
    posterior_options.fusion = ocr::LineFusion::Posterior;
    readings.push_back(ocr::LineRecognizer(members, no_decoders, posterior_options).recognize(line));
    std::vector<ocr::RecognizedLine> own;
    int reread = 0;
    for (const auto& m : members) {
      own.push_back(ocr::LineRecognizer(m, nullptr, alone_options).recognize(line));
      reread += own.back().text != ocr::LineRecognizer(m, nullptr, ocr::RecognizerOptions{1, 1}).recognize(line).text;
    }
    EXPECT_GT(reread, 0) << "some model reads the line otherwise at another width";
    readings.insert(readings.end(), own.begin(), own.end());
    if (count >= 4) readings.push_back(ocr::vote_readings(own));
    const ocr::ConsensusChoice choice = ocr::consensus_choice(readings);
    ocr::RecognizedLine expected = readings[choice.index];
    ocr::apply_agreement(expected, choice.agreement);

    ocr::RecognizerOptions fused_options = alone_options;
    fused_options.fusion = ocr::LineFusion::Consensus;
    const ocr::RecognizedLine got = ocr::LineRecognizer(members, no_decoders, fused_options).recognize(line);
    EXPECT_EQ(got.text, expected.text) << count << " models";
    EXPECT_FLOAT_EQ(got.confidence, expected.confidence) << count << " models";
  }
}

// A model of another alphabet or line height cannot join the posterior fusion, but under
// Consensus (and Vote) it reads the line at its own height and its own reading is a candidate:
// the posterior reading fuses only the models that match the first, and with one such model
// alone there is no posterior reading (it would be the first's, counted twice).
TEST(LineRecognizer, ModelsOfAnotherAlphabetOrHeightGiveTheirOwnReadingsToTheConsensus) {
  const std::string root = OCR_SOURCE_DIR;
  const cv::Mat line = cv::imread(root + "/data/sample-line.png", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(line.empty());
  const auto eng = ocr::Model::load(root + "/models/eng.ocrm");
  const auto rough = ocr::Model::load(root + "/models/eng_rough.ocrm");
  // eng with one more symbol: another alphabet (its labels cannot be averaged with eng's), the
  // same reading.
  auto grown = ocr::Model::load(root + "/models/eng.ocrm");
  ASSERT_FALSE(grown->alphabet().contains(U'\u2603'));
  grown->extend_alphabet(ocr::Alphabet(U"\u2603"), 5);
  const std::shared_ptr<const ocr::Model> eng_plus = grown;
  // Another line height (48 px) and alphabet: fed the 32-px line it would fail.
  const auto tall = std::make_shared<ocr::Model>("C3,3,8 Relu Mp2,2 Col Lbx16 O", ocr::Alphabet(U"abcdeilnorst "), 48, 7);
  const std::vector<std::shared_ptr<const ocr::Decoder>> greedy;
  const ocr::RecognizerOptions alone{1, 1};
  auto own = [&](const std::shared_ptr<const ocr::Model>& m) { return ocr::LineRecognizer(m, nullptr, alone).recognize(line); };
  ocr::RecognizerOptions consensus{1, 1};
  consensus.fusion = ocr::LineFusion::Consensus;

  const ocr::RecognizedLine by_eng = own(eng), by_plus = own(eng_plus);
  EXPECT_EQ(by_plus.text, by_eng.text) << "one more symbol, the same reading";
  EXPECT_FALSE(by_eng.text.empty());

  // Two models, one of another alphabet and height: the consensus of their own readings.
  {
    std::vector<ocr::RecognizedLine> readings = {by_eng, own(tall)};
    ASSERT_NE(readings[1].text, by_eng.text);
    const ocr::ConsensusChoice choice = ocr::consensus_choice(readings);
    ocr::RecognizedLine expected = readings[choice.index];
    ocr::apply_agreement(expected, choice.agreement);
    const ocr::RecognizedLine got = ocr::LineRecognizer({eng, tall}, greedy, consensus).recognize(line);
    EXPECT_EQ(got.text, expected.text);
    EXPECT_FLOAT_EQ(got.confidence, expected.confidence);
  }
  // Four: eng and eng_rough fused on their posteriors, each model's own reading (the tall one's
  // at 48 px), and the four models' vote.
  {
    ocr::RecognizerOptions posterior{1, 1};
    posterior.fusion = ocr::LineFusion::Posterior;
    std::vector<ocr::RecognizedLine> readings = {ocr::LineRecognizer({eng, rough}, greedy, posterior).recognize(line)};
    const std::vector<ocr::RecognizedLine> each = {by_eng, by_plus, own(rough), own(tall)};
    readings.insert(readings.end(), each.begin(), each.end());
    readings.push_back(ocr::vote_readings(each));
    const ocr::ConsensusChoice choice = ocr::consensus_choice(readings);
    ocr::RecognizedLine expected = readings[choice.index];
    ocr::apply_agreement(expected, choice.agreement);
    const std::vector<std::shared_ptr<const ocr::Model>> members = {eng, eng_plus, rough, tall};
    for (int threads : {1, 2}) {
      ocr::RecognizerOptions options = consensus;
      options.threads = threads;
      const ocr::RecognizedLine got = ocr::LineRecognizer(members, greedy, options).recognize(line);
      EXPECT_EQ(got.text, expected.text) << threads << " threads";
      EXPECT_FLOAT_EQ(got.confidence, expected.confidence) << threads << " threads";
    }
    // Posterior fusion cannot take them, and says which and why.
    try {
      ocr::LineRecognizer(members, greedy, posterior);
      ADD_FAILURE() << "posterior fusion accepted another alphabet";
    } catch (const ocr::Error& e) {
      EXPECT_NE(std::string(e.what()).find("model 2 cannot be fused with model 1 on their posteriors: the alphabets differ"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
