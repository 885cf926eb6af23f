// Fusing several recognizers on their per-frame posteriors: the fusion itself against a plain
// reference, and LineRecognizer reading with a list of models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <opencv2/core.hpp>
#include <vector>

#include "image/test_pages.h"
#include "ocr/core/error.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/hypothesis_voting.h"
#include "ocr/pipeline/line_recognizer.h"
#include "ocr/pipeline/posterior_fusion.h"

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

ocr::Matrix matrix(int rows, int cols, std::initializer_list<float> values) {
  ocr::Matrix m(rows, cols);
  auto it = values.begin();
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) m(r, c) = *it++;
  return m;
}

// The normalised geometric mean, naively in long double: exp of the floored mean log, divided
// by the frame's sum of the same.
double reference(const std::vector<ocr::Matrix>& in, int r, int c) {
  auto mean_log = [&](int row) {
    long double sum = 0;
    for (const auto& m : in) sum += std::max<long double>(m(row, c), ocr::kFusionLogFloor);
    return sum / in.size();
  };
  long double z = 0;
  for (int k = 0; k < in.front().rows(); ++k) z += std::exp(mean_log(k));
  return static_cast<double>(mean_log(r) - std::log(z));
}

const std::u32string kLetters = U"abcdefghijklmnopqrstuvwxyz ";
const char* kSpec = "C3,3,8 Relu Mp2,2 Col Lbx16 O";

std::shared_ptr<const ocr::Model> random_model(uint64_t seed, const std::u32string& letters = kLetters,
                                               int height = 32, const char* spec = kSpec) {
  return std::make_shared<ocr::Model>(spec, ocr::Alphabet(letters), height, seed);
}

std::vector<cv::Mat> some_lines() {
  std::vector<cv::Mat> lines;
  for (int i = 0; i < 4; ++i) {
    cv::Mat l(40, 220 + 50 * i, CV_8UC1, cv::Scalar(255));
    ocr::test::draw_line(l, 5, 28, 2 + i, i);
    lines.push_back(l);
  }
  return lines;
}

}  // namespace

TEST(PosteriorFusion, MatchesAPlainReference) {
  // Three models, 3 classes × 4 frames: ordinary values, very negative ones (under the floor)
  // and certain ones (log 1 = 0).
  const std::vector<ocr::Matrix> in = {
      matrix(3, 4, {-0.1f, -2.0f, -700.f, 0.f, -2.5f, -0.3f, -9000.f, -50.f, -3.0f, -4.0f, -10000.f, -60.f}),
      matrix(3, 4, {-0.5f, -1.0f, -720.f, 0.f, -1.2f, -0.7f, -9500.f, -45.f, -2.0f, -6.0f, -9990.f, -70.f}),
      matrix(3, 4, {-1.5f, -0.2f, -800.f, 0.f, -0.4f, -3.0f, -8000.f, -55.f, -1.0f, -2.0f, -9999.f, -80.f}),
  };
  const ocr::Matrix fused = ocr::fuse_log_posteriors(in);
  ASSERT_EQ(fused.rows(), 3);
  ASSERT_EQ(fused.cols(), 4);
  for (int c = 0; c < 4; ++c) {
    double total = 0;
    for (int r = 0; r < 3; ++r) {
      ASSERT_TRUE(std::isfinite(fused(r, c))) << r << "," << c;
      const double ref = reference(in, r, c);
      EXPECT_NEAR(fused(r, c), ref, 1e-5 * std::max(1.0, std::abs(ref))) << r << "," << c;
      total += std::exp(double(fused(r, c)));
    }
    EXPECT_NEAR(total, 1.0, 1e-5) << "frame " << c << " is a distribution";
  }
  // Where every model is sure, the fusion is sure.
  EXPECT_NEAR(fused(0, 3), 0.f, 1e-6);
}

TEST(PosteriorFusion, AgreementWinsAndNoModelVetoes) {
  // Two classes: model 1 says 0.9 / 0.1, model 2 0.6 / 0.4. The product favours the first class
  // more surely than either mixture weight would: sqrt(.54) against sqrt(.04).
  const ocr::Matrix fused = ocr::fuse_log_posteriors(
      {matrix(2, 1, {std::log(0.9f), std::log(0.1f)}), matrix(2, 1, {std::log(0.6f), std::log(0.4f)})});
  const double a = std::sqrt(0.9 * 0.6), b = std::sqrt(0.1 * 0.4);
  EXPECT_NEAR(std::exp(fused(0, 0)), a / (a + b), 1e-5);
  // Each model rules out what the other is sure of: no frame is left impossible or NaN; the
  // floor makes the two classes even.
  const ocr::Matrix split = ocr::fuse_log_posteriors({matrix(2, 1, {0.f, -kInf}), matrix(2, 1, {-kInf, 0.f})});
  EXPECT_FALSE(split.array().isNaN().any());
  EXPECT_NEAR(split(0, 0), -std::log(2.0), 1e-6);
  EXPECT_NEAR(split(1, 0), -std::log(2.0), 1e-6);
}

TEST(PosteriorFusion, OneInputAsItIsAndShapesMustAgree) {
  const ocr::Matrix m = matrix(2, 2, {-0.1f, -3.f, -2.4f, -0.05f});
  EXPECT_EQ(ocr::fuse_log_posteriors({m}), m);
  EXPECT_THROW(ocr::fuse_log_posteriors({}), ocr::ShapeError);
  EXPECT_THROW(ocr::fuse_log_posteriors({m, ocr::Matrix::Zero(2, 3)}), ocr::ShapeError);
  try {
    ocr::fuse_log_posteriors({m, m, ocr::Matrix::Zero(3, 2)});
    FAIL();
  } catch (const ocr::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("model 3"), std::string::npos) << e.what();
  }
}

// One model listed twice (or a second copy built the same way) reads exactly as the model alone.
TEST(LineRecognizerFusion, TwoIdenticalModelsReadAsOne) {
  const auto model = random_model(1);
  const auto twin = random_model(1);
  const auto lines = some_lines();
  const ocr::LineRecognizer one(model);
  const auto one_probs = one.log_probs(lines);
  const auto one_read = one.recognize(lines);
  size_t chars = 0;
  for (const auto& l : one_read) chars += l.chars.size();
  ASSERT_GT(chars, 5u) << "random weights should still emit characters to compare";
  for (const auto& pair : {std::vector{model, model}, std::vector{model, twin}}) {
    const ocr::LineRecognizer fused(pair);
    EXPECT_EQ(fused.model_count(), 2);
    EXPECT_EQ(&fused.model(), pair.front().get());
    const auto probs = fused.log_probs(lines);
    ASSERT_EQ(probs.size(), one_probs.size());
    for (size_t i = 0; i < probs.size(); ++i) {
      ASSERT_EQ(probs[i].rows(), one_probs[i].rows());
      ASSERT_EQ(probs[i].cols(), one_probs[i].cols());
      EXPECT_LE((probs[i] - one_probs[i]).cwiseAbs().maxCoeff(), 1e-5) << "line " << i;
    }
    const auto read = fused.recognize(lines);
    for (size_t i = 0; i < read.size(); ++i) {
      EXPECT_EQ(read[i].text, one_read[i].text) << "line " << i;
      EXPECT_NEAR(read[i].confidence, one_read[i].confidence, 1e-5) << "line " << i;
    }
  }
}

// Two different models: each line's posteriors are the fusion of what each model gives alone,
// whatever the threads and batches.
TEST(LineRecognizerFusion, DifferentModelsFuseTheirOwnPosteriors) {
  const auto a = random_model(1), b = random_model(7);
  const auto lines = some_lines();
  const auto pa = ocr::LineRecognizer(a).log_probs(lines);
  const auto pb = ocr::LineRecognizer(b).log_probs(lines);
  for (int threads : {1, 2}) {
    ocr::RecognizerOptions opt;
    opt.threads = threads;
    const auto fused = ocr::LineRecognizer({a, b}, nullptr, opt).log_probs(lines);
    ASSERT_EQ(fused.size(), lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      const ocr::Matrix expected = ocr::fuse_log_posteriors({pa[i], pb[i]});
      EXPECT_LE((fused[i] - expected).cwiseAbs().maxCoeff(), 1e-5) << "line " << i;
      EXPECT_GT((fused[i] - pa[i]).cwiseAbs().maxCoeff(), 1e-3) << "the second model must count";
    }
  }
}

// Posterior fusion (RecognizerOptions' default) averages label posteriors frame by frame: other
// labels, heights or frame rates cannot be averaged. (Consensus and Vote read such models;
// line_recognizer_test.cpp.)
TEST(LineRecognizerFusion, ModelsThatReadDifferentlyAreRefused) {
  const auto model = random_model(1);
  auto message = [&](std::shared_ptr<const ocr::Model> other) {
    try {
      ocr::LineRecognizer rec({model, other});
    } catch (const ocr::Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  // The same symbols in another order are another alphabet: label ids would mean other letters.
  std::u32string swapped = kLetters;
  std::swap(swapped[0], swapped[1]);
  const std::string order = message(random_model(2, swapped));
  EXPECT_NE(order.find("alphabets differ"), std::string::npos) << order;
  EXPECT_NE(order.find("'a' against 'b'"), std::string::npos) << order;
  EXPECT_NE(message(random_model(2, U"abc")).find("alphabets differ"), std::string::npos);
  EXPECT_NE(message(random_model(2, kLetters, 48)).find("input heights differ (32 against 48"), std::string::npos);
  const std::string rate = message(random_model(2, kLetters, 32, "C3,3,8 Relu Mp2,2 Mp2,2 Col Lbx16 O"));
  EXPECT_NE(rate.find("frame rates differ"), std::string::npos) << rate;
  EXPECT_NE(message(nullptr).find("missing"), std::string::npos);
  EXPECT_THROW(ocr::LineRecognizer(std::vector<std::shared_ptr<const ocr::Model>>{}), ocr::Error);
}

ocr::RecognizerOptions voting(int threads = 0) {
  ocr::RecognizerOptions opt;
  opt.threads = threads;
  opt.fusion = ocr::LineFusion::Vote;
  return opt;
}

// Voting one model with itself: every slot agrees, so text and confidences are the model's.
TEST(LineRecognizerVoting, TwoIdenticalModelsReadAsOne) {
  const auto model = random_model(1);
  const auto lines = some_lines();
  const auto one_read = ocr::LineRecognizer(model).recognize(lines);
  const ocr::LineRecognizer fused({model, random_model(1)}, std::vector<std::shared_ptr<const ocr::Decoder>>{},
                                  voting());
  EXPECT_EQ(fused.fusion(), ocr::LineFusion::Vote);
  const auto read = fused.recognize(lines);
  ASSERT_EQ(read.size(), one_read.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].text, one_read[i].text) << "line " << i;
    ASSERT_EQ(read[i].chars.size(), one_read[i].chars.size());
    for (size_t c = 0; c < read[i].chars.size(); ++c) {
      EXPECT_NEAR(read[i].chars[c].confidence, one_read[i].chars[c].confidence, 1e-6);
      EXPECT_EQ(read[i].chars[c].x0, one_read[i].chars[c].x0);
    }
  }
}

// Two different models: each line is the vote of the readings each model gives alone (its own
// decoder), whatever the threads.
TEST(LineRecognizerVoting, VotesWhatEachModelReadsAlone) {
  const auto a = random_model(1), b = random_model(7), c = random_model(11);
  const auto lines = some_lines();
  const auto ra = ocr::LineRecognizer(a).recognize(lines);
  const auto rb = ocr::LineRecognizer(b).recognize(lines);
  const auto rc = ocr::LineRecognizer(c).recognize(lines);
  bool differ = false;
  for (int threads : {1, 2}) {
    const auto two = ocr::LineRecognizer({a, b}, nullptr, voting(threads)).recognize(lines);
    const auto three = ocr::LineRecognizer({a, b, c}, nullptr, voting(threads)).recognize(lines);
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(two[i].text, ocr::vote_readings({ra[i], rb[i]}).text) << "line " << i;
      EXPECT_EQ(three[i].text, ocr::vote_readings({ra[i], rb[i], rc[i]}).text) << "line " << i;
      differ = differ || ra[i].text != rb[i].text;
    }
  }
  EXPECT_TRUE(differ) << "the models should read something differently for the vote to matter";
}

TEST(LineRecognizerVoting, OneDecoderOrOnePerModel) {
  const auto a = random_model(1), b = random_model(7);
  const std::vector<std::shared_ptr<const ocr::Decoder>> three(3);
  EXPECT_THROW(ocr::LineRecognizer({a, b}, three, voting()), ocr::Error);
  EXPECT_NO_THROW(ocr::LineRecognizer({a, b}, std::vector<std::shared_ptr<const ocr::Decoder>>(2), voting()));
}


TEST(LineRecognizerVoting, AutoChoosesByConsensus) {
  const auto a = random_model(1), b = random_model(7);
  ocr::RecognizerOptions opt;
  opt.fusion = ocr::LineFusion::Auto;
  EXPECT_EQ(ocr::LineRecognizer({a, b}, nullptr, opt).fusion(), ocr::LineFusion::Consensus);
  EXPECT_EQ(ocr::LineRecognizer({a, b, a}, nullptr, opt).fusion(), ocr::LineFusion::Consensus);
  EXPECT_EQ(ocr::resolve_fusion(ocr::LineFusion::Vote), ocr::LineFusion::Vote);
  EXPECT_EQ(ocr::resolve_fusion(ocr::LineFusion::Posterior), ocr::LineFusion::Posterior);
  EXPECT_EQ(ocr::parse_fusion("consensus"), ocr::LineFusion::Consensus);
  EXPECT_EQ(ocr::parse_fusion("auto"), ocr::LineFusion::Auto);
  EXPECT_THROW(ocr::parse_fusion("rover"), ocr::FormatError);
}

// Consensus of one model with itself: every reading is the same, so the line is the model's.
// With another model, each line is one of the readings the parts give: the fused one or a
// model's own.
TEST(LineRecognizerConsensus, KeepsOneOfTheReadings) {
  const auto a = random_model(1), b = random_model(7);
  const auto lines = some_lines();
  ocr::RecognizerOptions opt;
  opt.fusion = ocr::LineFusion::Consensus;
  const auto one_read = ocr::LineRecognizer(a).recognize(lines);
  const auto twice = ocr::LineRecognizer({a, random_model(1)}, nullptr, opt).recognize(lines);
  ASSERT_EQ(twice.size(), one_read.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(twice[i].text, one_read[i].text) << "line " << i;
    EXPECT_NEAR(twice[i].confidence, one_read[i].confidence, 1e-6) << "line " << i;
  }
  const auto b_read = ocr::LineRecognizer(b).recognize(lines);
  ocr::RecognizerOptions posterior;
  posterior.fusion = ocr::LineFusion::Posterior;
  const auto fused_read = ocr::LineRecognizer({a, b}, nullptr, posterior).recognize(lines);
  const auto chosen = ocr::LineRecognizer({a, b}, nullptr, opt).recognize(lines);
  bool differs = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::vector<std::string> texts = {fused_read[i].text, one_read[i].text, b_read[i].text};
    EXPECT_NE(std::find(texts.begin(), texts.end(), chosen[i].text), texts.end()) << "line " << i;
    differs = differs || texts[0] != texts[1] || texts[0] != texts[2];
  }
  EXPECT_TRUE(differs) << "the readings should differ somewhere for the test to mean something";
}

// Gated fusion (fuse_below): a line the first model reads at or above the threshold keeps that
// model's reading; a line below it reads as the full fusion; at 0 nothing is fused, above 1
// everything is, with posteriors, votes and consensus alike (consensus of three models: of two
// random ones it keeps the first's reading on every line).
TEST(LineRecognizerFusion, GatedFusionFusesOnlyTheUnsureLines) {
  const auto a = random_model(1), b = random_model(7), c = random_model(13);
  const auto lines = some_lines();
  for (ocr::LineFusion how : {ocr::LineFusion::Posterior, ocr::LineFusion::Vote, ocr::LineFusion::Consensus}) {
    ocr::RecognizerOptions opt;
    opt.fusion = how;
    const std::vector<std::shared_ptr<const ocr::Model>> models =
        how == ocr::LineFusion::Consensus ? std::vector{a, b, c} : std::vector{a, b};
    const auto alone = ocr::LineRecognizer(a).recognize(lines);
    const auto always = ocr::LineRecognizer(models, nullptr, opt).recognize(lines);
    // A threshold between the lines' own confidences splits them.
    std::vector<float> conf;
    for (const auto& l : alone) conf.push_back(l.confidence);
    std::vector<float> sorted = conf;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_LT(sorted.front(), sorted.back()) << "the lines should be read with different confidences";
    const double middle = 0.5 * (sorted[1] + sorted[2]);
    bool fused_differs = false;
    for (double gate : {0.0, middle, 2.0}) {
      opt.fuse_below = gate;
      for (int threads : {1, 2}) {
        opt.threads = threads;
        const auto read = ocr::LineRecognizer(models, nullptr, opt).recognize(lines);
        for (size_t i = 0; i < lines.size(); ++i) {
          const auto& want = conf[i] < gate ? always[i] : alone[i];
          EXPECT_EQ(read[i].text, want.text) << "gate " << gate << " line " << i;
          EXPECT_NEAR(read[i].confidence, want.confidence, 1e-6) << "gate " << gate << " line " << i;
          fused_differs = fused_differs || always[i].text != alone[i].text;
        }
      }
    }
    EXPECT_TRUE(fused_differs) << "fusion should change some line for the test to mean something";
  }
}
