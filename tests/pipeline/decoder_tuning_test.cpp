#include "ocr/pipeline/decoder_tuning.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/ctc_frames.h"
#include "eval/temp_tree.h"
#include "ocr/core/error.h"
#include "ocr/ctc/greedy_decoder.h"
#include "ocr/ctc/ngram_lm.h"
#include "ocr/model/model.h"

namespace ocr {
namespace {

using test::from_probs;

const Alphabet kAlphabet(U" acot");

// "c", then a vowel read as o with probability p_o and as a otherwise, then "t".
Matrix c_vowel_t(double p_o) {
  //                 blank  ' '   a        c     o     t
  return from_probs({{0.05, 0.0, 0.0, 0.95, 0.0, 0.0},
                     {0.9, 0.0, 0.04, 0.02, 0.04, 0.0},
                     {0.0, 0.0, 1 - p_o, 0.0, p_o, 0.0},
                     {0.9, 0.0, 0.0, 0.0, 0.0, 0.1},
                     {0.05, 0.0, 0.0, 0.0, 0.0, 0.95}});
}

// An LM that strongly prefers "cat" to "cot".
std::shared_ptr<const LanguageModel> cat_lm() {
  std::vector<std::u32string> lines;
  for (int i = 0; i < 50; ++i) {
    lines.push_back(U"cat");
    lines.push_back(U"the cat sat on the mat");
  }
  lines.push_back(U"cot");
  NgramBuildOptions o;
  o.order = 4;
  return std::make_shared<NgramLm>(NgramLm::build(lines, o));
}

BeamOptions no_bonus() {
  BeamOptions b;
  b.beta = 0;
  return b;
}

TEST(DecoderTuning, ScoresTheDecodedTextsAgainstTheTruths) {
  const std::vector<Matrix> lp = {c_vowel_t(0.55), c_vowel_t(0.2)};
  std::vector<Hypothesis> hyps;
  const DecoderScore s = score_decoder(GreedyDecoder(), kAlphabet, lp, {U"cat", U"cat"}, &hyps);
  ASSERT_EQ(hyps.size(), 2u);
  EXPECT_EQ(kAlphabet.decode(hyps[0].label_ids()), "cot");
  EXPECT_EQ(kAlphabet.decode(hyps[1].label_ids()), "cat");
  EXPECT_DOUBLE_EQ(s.cer, 1.0 / 6);
  EXPECT_DOUBLE_EQ(s.wer, 1.0 / 2);
  EXPECT_GE(s.ms_per_line, 0);
  // Words: "cot" against "co t" is a substitution and a deletion.
  const DecoderScore w = score_decoder(GreedyDecoder(), kAlphabet, {c_vowel_t(0.55)}, {U"co t"});
  EXPECT_DOUBLE_EQ(w.cer, 1.0 / 4);
  EXPECT_DOUBLE_EQ(w.wer, 2.0 / 2);
  EXPECT_THROW(score_decoder(GreedyDecoder(), kAlphabet, lp, {U"cat"}), Error);
}

TEST(DecoderTuning, GridSearchFindsTheWeightBetweenTooLittleAndTooMuchLm) {
  // Line 1 needs the LM (the acoustics lean to "cot", the truth is "cat"); line 2 is a sure
  // "cot" that only an overweighted LM turns into "cat".
  const std::vector<Matrix> lp = {c_vowel_t(0.55), c_vowel_t(0.999)};
  const std::vector<std::u32string> truths = {U"cat", U"cot"};
  const auto lm = cat_lm();
  TuningGrid grid{{0.f, 1.f, 8.f}, {0.f}, {1.f, 2.f}};
  std::vector<float> seen;
  const TuningResult r = tune_decoder(kAlphabet, no_bonus(), lm, nullptr, lp, truths, grid,
                                      [&](const TuningPoint& p) { seen.push_back(p.alpha); });
  ASSERT_EQ(r.points.size(), 3u);  // without a lexicon the penalties are not tried
  EXPECT_EQ(seen, (std::vector<float>{0.f, 1.f, 8.f}));
  EXPECT_DOUBLE_EQ(r.points[0].score.cer, 1.0 / 6);
  EXPECT_DOUBLE_EQ(r.points[1].score.cer, 0.0);
  EXPECT_DOUBLE_EQ(r.points[2].score.cer, 1.0 / 6);
  for (const auto& p : r.points) EXPECT_EQ(p.oov_penalty, 0.f);
  EXPECT_EQ(r.best.alpha, 1.f);
  EXPECT_DOUBLE_EQ(r.best.score.cer, 0.0);

  // Of equal CERs the first point wins.
  grid.alphas = {8.f, 0.f};
  EXPECT_EQ(tune_decoder(kAlphabet, no_bonus(), lm, nullptr, lp, truths, grid).best.alpha, 8.f);
}

TEST(DecoderTuning, GridWithALexiconTriesEveryPenaltyInnermost) {
  const auto lexicon = std::make_shared<Lexicon>(std::vector<std::string>{"cat", "cot"});
  const TuningGrid grid{{0.f, 1.f}, {0.f, 0.5f}, {0.f, 2.f, 4.f}};
  const TuningResult r =
      tune_decoder(kAlphabet, no_bonus(), cat_lm(), lexicon, {c_vowel_t(0.55)}, {U"cat"}, grid);
  ASSERT_EQ(r.points.size(), 12u);
  EXPECT_EQ(r.points[1].alpha, 0.f);
  EXPECT_EQ(r.points[1].beta, 0.f);
  EXPECT_EQ(r.points[1].oov_penalty, 2.f);
  EXPECT_EQ(r.points[3].beta, 0.5f);
  EXPECT_EQ(r.points[6].alpha, 1.f);
  EXPECT_DOUBLE_EQ(r.best.score.cer, 0.0);
  EXPECT_EQ(r.best.alpha, 1.f);

  EXPECT_THROW(tune_decoder(kAlphabet, no_bonus(), nullptr, lexicon, {c_vowel_t(0.55)}, {U"cat"}, grid), Error);
  EXPECT_THROW(tune_decoder(kAlphabet, no_bonus(), cat_lm(), lexicon, {c_vowel_t(0.55)}, {U"cat"},
                            TuningGrid{{1.f}, {0.f}, {}}),
               Error);
}

TEST(DecoderTuning, StoredWeightsAndCalibrationAreWhatTheDecoderReads) {
  ModelMetadata md;
  TuningPoint best;
  best.alpha = 0.75f;
  best.beta = 1.5f;
  best.oov_penalty = 3.f;
  store_tuning(md, best, false);
  EXPECT_EQ(md.extra.count("lm_oov_penalty"), 0u);
  store_tuning(md, best, true);
  store_calibration(md, Calibration{0.5f, 0.25f, -0.125f});

  BeamOptions b = calibration_beam_options(md.extra, 7, true);
  EXPECT_EQ(b.beam_width, 7);
  EXPECT_FLOAT_EQ(b.alpha, 0.75f);
  EXPECT_FLOAT_EQ(b.beta, 1.5f);
  EXPECT_FLOAT_EQ(b.oov_penalty, 3.f);
  // Calibrating measures the decoder's own confidences: no calibration applied.
  EXPECT_EQ(b.conf_scale, 1.f);
  EXPECT_EQ(b.conf_bias, 0.f);
  b = calibration_beam_options(md.extra, 7, false);
  EXPECT_EQ(b.alpha, 0.f);
  EXPECT_EQ(b.beta, 0.f);
  EXPECT_FLOAT_EQ(b.oov_penalty, 3.f);
  b = calibration_beam_options({}, 5, true);
  EXPECT_EQ(b.alpha, kDefaultLmAlpha);
  EXPECT_EQ(b.beta, kDefaultLmBeta);
  EXPECT_EQ(b.oov_penalty, kDefaultOovPenalty);

  const auto decoder = make_decoder(DecoderOptions{}, kAlphabet, md.extra);
  const auto* beam = dynamic_cast<const BeamDecoder*>(decoder.get());
  ASSERT_NE(beam, nullptr);
  EXPECT_FLOAT_EQ(beam->options().alpha, 0.75f);
  EXPECT_FLOAT_EQ(beam->options().oov_penalty, 3.f);
  EXPECT_FLOAT_EQ(beam->options().conf_scale, 0.5f);
  EXPECT_FLOAT_EQ(beam->options().conf_peak, 0.25f);
  EXPECT_FLOAT_EQ(beam->options().conf_bias, -0.125f);
}

TEST(DecoderTuning, CalibrationSamplesOfEachLinesBestReading) {
  const BeamDecoder decoder(kAlphabet, no_bonus());
  const CalibrationSamples s =
      collect_calibration_samples(decoder, kAlphabet, {c_vowel_t(0.55), c_vowel_t(0.2)}, {U"cat", U"cat"});
  ASSERT_EQ(s.words.size(), 2u);
  EXPECT_FALSE(s.words[0].correct);  // read "cot"
  EXPECT_TRUE(s.words[1].correct);
  EXPECT_EQ(s.words[0].chars.size(), 3u);
  ASSERT_EQ(s.chars.size(), 6u);
  int right = 0;
  for (const auto& c : s.chars) right += c.correct;
  EXPECT_EQ(right, 5);
  EXPECT_FALSE(s.chars[1].correct);
  // The uncertain vowel is the least sure character.
  EXPECT_LT(s.chars[1].chars[0].beam_logit, s.chars[0].chars[0].beam_logit);
}

class GtLines : public test::TempTree {
 protected:
  void SetUp() override { make_root("ocr_gt_lines_"); }
  void line_image(const std::string& name, const std::string& text) {
    cv::Mat img(48, 40 + 22 * int(text.size()), CV_8UC1, cv::Scalar(255));
    cv::putText(img, text, {15, 34}, cv::FONT_HERSHEY_SIMPLEX, 0.9, cv::Scalar(0), 2);
    cv::imwrite(path(name), img);
  }
};

TEST_F(GtLines, LoadsLinesWithTheirTruthInOrderUpToTheLimit) {
  line_image("a.png", "cat sat");
  write("a.gt.txt", "cat sat\n");
  line_image("c.png", "on the mat");
  write("c.gt.txt", "on the mat\n");
  write("d.gt.txt", "no image\n");  // a problem of find_gt_pairs, logged
  const auto lines = load_gt_lines({root_.string()});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].name, path("a.png"));
  EXPECT_EQ(lines[0].truth, U"cat sat");
  EXPECT_EQ(lines[1].truth, U"on the mat");
  for (const auto& l : lines) {
    EXPECT_EQ(l.image.type(), CV_8UC1);
    EXPECT_GT(l.image.cols, l.image.rows);
  }
  EXPECT_EQ(load_gt_lines({root_.string(), root_.string()}, 3).size(), 3u);
  std::filesystem::create_directories(root_ / "empty");
  EXPECT_THROW(load_gt_lines({path("empty")}), IoError);
}

TEST_F(GtLines, ValidationSetHoldsOneNetworkOutputPerLine) {
  line_image("a.png", "cat");
  write("a.gt.txt", "cat\n");
  line_image("b.png", "cot");
  write("b.gt.txt", "cot\n");
  Model(("C3,3,8 Relu Mp2,2 Col Lbx16 O"), kAlphabet, 32, 1).save(path("m.ocrm"));
  ValidationSetOptions o;
  o.model = path("m.ocrm");
  o.lm = o.lexicon = "none";
  o.gt = {root_.string()};
  ValidationSet s = load_validation_set(o);
  EXPECT_EQ(s.model_path, path("m.ocrm"));
  EXPECT_EQ(s.truths, (std::vector<std::u32string>{U"cat", U"cot"}));
  ASSERT_EQ(s.log_probs.size(), 2u);
  for (const auto& m : s.log_probs) {
    EXPECT_EQ(m.rows(), kAlphabet.size());
    EXPECT_GT(m.cols(), 0);
    EXPECT_NEAR(m.col(0).array().exp().sum(), 1.0, 1e-3);  // log-softmax
  }
  EXPECT_FALSE(s.lm);
  EXPECT_TRUE(s.lm_path.empty());
  EXPECT_FALSE(s.lexicon);

  write("words.txt", "cat\ncot\n");
  o.lexicon = path("words.txt");
  o.limit = 1;
  s = load_validation_set(o);
  EXPECT_EQ(s.truths.size(), 1u);
  ASSERT_TRUE(s.lexicon);
  EXPECT_EQ(s.lexicon_path, path("words.txt"));
}

}  // namespace
}  // namespace ocr
