#include "ocr/ctc/beam_decoder.h"

#include <gtest/gtest.h>


#include <cmath>
#include <random>

#include "common/ctc_frames.h"
#include "ocr/core/error.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/ngram_lm.h"

namespace ocr {
namespace {

using test::from_probs;
using test::text;

BeamOptions no_lm() {
  BeamOptions o;
  o.beta = 0;
  return o;
}

TEST(BeamDecoder, SumsPathsWhereGreedyPicksBlank) {
  // Best path is blank-blank (0.36) but P("a") = 0.4·0.4 + 0.4·0.6 + 0.6·0.4 = 0.64.
  Alphabet a(U"ab");
  Matrix m = from_probs({{0.6, 0.4, 0.0}, {0.6, 0.4, 0.0}});
  BeamDecoder d(a, no_lm());
  auto beam = d.decode_beam(m);
  ASSERT_GE(beam.size(), 2u);
  EXPECT_EQ(text(a, beam[0]), "a");
  EXPECT_NEAR(beam[0].log_prob, std::log(0.64), 1e-5);
  EXPECT_EQ(text(a, beam[1]), "");
  EXPECT_NEAR(beam[1].log_prob, std::log(0.36), 1e-5);
  // With all mass on two hypotheses, the confidence of "a" is its posterior.
  EXPECT_NEAR(beam[0].labels[0].confidence, 0.64, 1e-4);
  EXPECT_EQ(beam[0].labels[0].first_frame, 0);
}

TEST(BeamDecoder, RepeatNeedsBlankBetween) {
  Alphabet a(U"a");
  // a a → "a"; a blank a → "aa".
  BeamDecoder d(a, no_lm());
  EXPECT_EQ(text(a, d.decode(from_probs({{0.1, 0.9}, {0.1, 0.9}}))), "a");
  EXPECT_EQ(text(a, d.decode(from_probs({{0.1, 0.9}, {0.9, 0.1}, {0.1, 0.9}}))), "aa");
}

std::vector<std::u32string> cat_corpus() {
  std::vector<std::u32string> lines;
  for (int i = 0; i < 50; ++i) {
    lines.push_back(U"cat");
    lines.push_back(U"the cat sat on the mat");
  }
  lines.push_back(U"cot");
  return lines;
}

TEST(BeamDecoder, LanguageModelFlipsTheAnswer) {
  Alphabet a(U" acot");
  // "c" then an ambiguous vowel (o 0.55, a 0.45) then "t".
  auto f = [](std::vector<double> v) { return v; };
  //            blank  ' '   a     c     o     t
  Matrix m = from_probs({f({0.05, 0.0, 0.0, 0.95, 0.0, 0.0}), f({0.9, 0, 0.04, 0.02, 0.04, 0}),
                         f({0.0, 0.0, 0.45, 0.0, 0.55, 0.0}), f({0.9, 0, 0, 0, 0, 0.1}),
                         f({0.05, 0.0, 0.0, 0.0, 0.0, 0.95})});
  BeamDecoder plain(a, no_lm());
  EXPECT_EQ(text(a, plain.decode(m)), "cot");
  NgramBuildOptions bo;
  bo.order = 4;
  auto lm = std::make_shared<NgramLm>(NgramLm::build(cat_corpus(), bo));
  BeamOptions o;
  o.alpha = 1.0f;
  o.beta = 0.f;
  BeamDecoder with_lm(a, o, lm);
  EXPECT_EQ(text(a, with_lm.decode(m)), "cat");
}

TEST(BeamDecoder, DecodesSynthesisedPosteriorsBackToTheString) {
  const std::u32string chars = U" !,.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  Alphabet a(chars);
  std::mt19937 rng(7);
  const std::vector<std::string> truths = {"Hello, world.", "aaa bb  c", "The 2 little pigs!!", "Mississippi"};
  for (const auto& truth : truths) {
    std::vector<int> labels = a.encode(truth);
    std::vector<std::vector<double>> frames;
    std::uniform_real_distribution<double> u(0, 1);
    auto frame = [&](int peak, double p) {
      std::vector<double> v(a.size());
      double rest = 1 - p;
      for (auto& x : v) x = u(rng);
      double s = 0;
      for (int k = 0; k < a.size(); ++k)
        if (k != peak) s += v[k];
      for (int k = 0; k < a.size(); ++k) v[k] = k == peak ? p : rest * v[k] / s;
      frames.push_back(v);
    };
    for (int i = 0; i < 3; ++i) frame(0, 0.9);  // padding
    for (size_t i = 0; i < labels.size(); ++i) {
      int len = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < len; ++k) frame(labels[i], 0.5 + 0.4 * u(rng));
      if (i + 1 < labels.size() && (labels[i + 1] == labels[i] || rng() % 2)) frame(0, 0.6 + 0.3 * u(rng));
    }
    for (int i = 0; i < 4; ++i) frame(0, 0.9);
    Matrix m = from_probs(frames);
    BeamDecoder d(a, no_lm());
    Hypothesis h = d.decode(m);
    EXPECT_EQ(text(a, h), truth);
    // Frames are in order and inside the line.
    int prev = -1;
    for (const auto& l : h.labels) {
      EXPECT_GT(l.first_frame, prev);
      EXPECT_LE(l.first_frame, l.last_frame);
      EXPECT_LT(l.last_frame, m.cols());
      EXPECT_EQ(m.col(l.first_frame).maxCoeff(), m(l.label, l.first_frame));
      prev = l.last_frame;
      EXPECT_GT(l.confidence, 0.5f);
    }
  }
}

TEST(BeamDecoder, AllowAndDenyListsMaskLabels) {
  Alphabet a(U"ab");
  Matrix m = from_probs({{0.1, 0.6, 0.3}, {0.9, 0.05, 0.05}});
  BeamOptions o = no_lm();
  EXPECT_EQ(text(a, BeamDecoder(a, o).decode(m)), "a");
  o.deny_chars = U"a";
  EXPECT_EQ(text(a, BeamDecoder(a, o).decode(m)), "b");
  o.deny_chars.clear();
  o.allow_chars = U"b";
  EXPECT_EQ(text(a, BeamDecoder(a, o).decode(m)), "b");
  o.allow_chars = U"z";
  EXPECT_THROW(BeamDecoder(a, o), Error);
}

TEST(BeamDecoder, FactoryAppliesListsToGreedyAndBeam) {
  Alphabet a(U"ab");
  Matrix m = from_probs({{0.1, 0.6, 0.3}, {0.9, 0.05, 0.05}});
  DecoderOptions o;
  o.kind = "greedy";
  o.deny_chars = "a";
  EXPECT_EQ(text(a, make_decoder(o, a)->decode(m)), "b");
  o.kind = "beam";
  EXPECT_EQ(text(a, make_decoder(o, a)->decode(m)), "b");
  o.deny_chars = "ab";
  EXPECT_THROW(make_decoder(o, a), Error);
  o.kind = "viterbi";
  EXPECT_THROW(make_decoder(o, a), Error);
}

TEST(BeamDecoder, LexiconPenalisesUnknownWords) {
  Alphabet a(U" abt");
  // "bat" vs "bab": last char b 0.55 / t 0.45.
  //                           blank ' '  a    b    t
  Matrix m = from_probs({{0.05, 0, 0, 0.95, 0}, {0.05, 0, 0.95, 0, 0}, {0.0, 0, 0, 0.55, 0.45}});
  BeamOptions o = no_lm();
  EXPECT_EQ(text(a, BeamDecoder(a, o).decode(m)), "bab");
  auto lex = std::make_shared<Lexicon>(std::vector<std::string>{"bat", "tab"});
  EXPECT_EQ(text(a, BeamDecoder(a, o, nullptr, lex).decode(m)), "bat");
}

TEST(BeamDecoder, PlattScalingChangesConfidence) {
  Alphabet a(U"ab");
  Matrix m = from_probs({{0.6, 0.4, 0.0}, {0.6, 0.4, 0.0}});
  BeamOptions o = no_lm();
  o.conf_scale = 2.f;
  o.conf_peak = 0.5f;
  o.conf_bias = -0.5f;
  // Beam posterior 0.64; peak frame posterior 0.4.
  double p = 0.64, q = 0.4;
  double expect = 1 / (1 + std::exp(-(2 * std::log(p / (1 - p)) + 0.5 * std::log(q / (1 - q)) - 0.5)));
  std::vector<ConfidenceFeatures> f;
  auto beam = BeamDecoder(a, o).decode_beam(m, &f);
  EXPECT_NEAR(beam[0].labels[0].confidence, expect, 1e-4);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NEAR(f[0].beam_logit, std::log(p / (1 - p)), 1e-4);
  EXPECT_NEAR(f[0].peak_logit, std::log(q / (1 - q)), 1e-4);
}

TEST(BeamDecoder, ConfidenceDropsWhereHypothesesDisagree) {
  Alphabet a(U"abc");
  // "ab?" where the third label is c 0.5 / a 0.5 split: the first two are sure.
  Matrix m = from_probs({{0.01, 0.97, 0.01, 0.01}, {0.01, 0.01, 0.97, 0.01}, {0.02, 0.49, 0.0, 0.49}});
  Hypothesis h = BeamDecoder(a, no_lm()).decode(m);
  ASSERT_EQ(h.labels.size(), 3u);
  EXPECT_GT(h.labels[0].confidence, 0.9f);
  EXPECT_GT(h.labels[1].confidence, 0.9f);
  EXPECT_LT(h.labels[2].confidence, 0.6f);
  EXPECT_FLOAT_EQ(word_confidence(h, 0, 3), h.labels[2].confidence);
}

TEST(BeamDecoder, EmptyInputs) {
  Alphabet a(U"ab");
  BeamDecoder d(a, no_lm());
  EXPECT_TRUE(d.decode(Matrix(3, 0)).labels.empty());
  EXPECT_THROW(d.decode(Matrix(5, 2)), ShapeError);
}

}  // namespace
}  // namespace ocr
