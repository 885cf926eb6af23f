#include "ocr/preprocess/scene.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <opencv2/imgproc.hpp>
#include <string>

#include "ocr/core/rng.h"
#include "ocr/synth/line_generator.h"
#include "ocr/synth/page_generator.h"

namespace ocr {
namespace {

const std::string kData = std::string(OCR_SOURCE_DIR) + "/data";

synth::GeneratorConfig config(uint64_t seed) {
  synth::GeneratorConfig c;
  c.fonts_table = kData + "/fonts.tsv";
  c.alphabet = kData + "/eng.alphabet";
  c.corpus = kData + "/corpus-sample.txt";  // the corpus CI has
  c.seed = seed;
  return c;
}

// The scene of an image, preprocessed as `ocr recognize` does by default.
Scene scene_of(const cv::Mat& image) { return classify_scene(image, preprocess(image, PreprocessOptions{})); }

// How many of n rendered lines of each profile got each scene.
std::map<std::string, std::map<Scene, int>> line_scenes(int n, uint64_t seed) {
  synth::LineGenerator g(config(seed));
  std::map<std::string, std::map<Scene, int>> out;
  for (const std::string& profile : synth::profile_names())
    for (int i = 0; i < n; ++i) {
      const LineSample line = g.next(profile);
      // Form fields filled in by hand (drawn only where the optional handwriting fonts are
      // installed) are kept apart: written larger than the type, they pass for scans at times.
      const bool hand = line.origin.find(" hand") != std::string::npos;
      ++out[hand ? profile + " by hand" : profile][scene_of(line.image)];
    }
  return out;
}

TEST(Scene, Names) {
  EXPECT_STREQ(scene_name(Scene::Scan), "scan");
  EXPECT_STREQ(scene_name(Scene::Fax), "fax");
  EXPECT_STREQ(scene_name(Scene::Receipt), "receipt");
  EXPECT_STREQ(scene_name(Scene::Photo), "photo");
  EXPECT_STREQ(scene_name(Scene::Screen), "screen");
}

// Each rule on statistics made by hand: what the classifier decides and in which order.
TEST(Scene, RulesOnHandMadeStatistics) {
  SceneStats scan;  // black toner on white, grain of a scanner
  scan.top_level = 0.3, scan.two_levels = 0.4, scan.near_two = 0.85, scan.paper = 250, scan.ink = 20;
  scan.noise = 1.5, scan.text_px = 20, scan.aspect = 1.4, scan.rows = 2000;
  EXPECT_EQ(classify_scene(scan), Scene::Scan);

  SceneStats bitonal = scan;
  bitonal.two_levels = 1, bitonal.near_two = 1, bitonal.ink = 0, bitonal.paper = 255, bitonal.noise = 0;
  EXPECT_EQ(classify_scene(bitonal), Scene::Scan);  // a binary scan at 300 dpi
  bitonal.text_px = 8;
  EXPECT_EQ(classify_scene(bitonal), Scene::Fax);  // the same at 100 dpi
  SceneStats crop = bitonal;  // a short crop whose text height was not measured: its height says
  crop.text_px = 0, crop.line_image = true, crop.rows = 20;
  EXPECT_EQ(classify_scene(crop), Scene::Fax);
  crop.rows = 44;
  EXPECT_EQ(classify_scene(crop), Scene::Scan);

  SceneStats screen = scan;  // half the page one exact level, a panel at another, no grain
  screen.top_level = 0.7, screen.two_levels = 0.8, screen.noise = 0.3;
  EXPECT_EQ(classify_scene(screen), Scene::Screen);
  SceneStats clipped = screen;  // a grey scan clipped to white: one flat level only
  clipped.two_levels = 0.705;
  EXPECT_NE(classify_scene(clipped), Scene::Screen);
  SceneStats dark_mode = clipped;  // one flat fill, but grey: a dark background, turned
  dark_mode.fill = 215;
  EXPECT_EQ(classify_scene(dark_mode), Scene::Screen);
  screen.line_image = true;  // a line crop that flat proves nothing
  EXPECT_NE(classify_scene(screen), Scene::Screen);
  SceneStats colour = scan;
  colour.colour = 0.1, colour.top_level = 0.4, colour.noise = 1;
  EXPECT_EQ(classify_scene(colour), Scene::Screen);

  SceneStats strip = scan;  // a tall narrow page
  strip.aspect = 3;
  EXPECT_EQ(classify_scene(strip), Scene::Receipt);

  SceneStats photo = scan;
  photo.paper = 200;  // grey paper
  EXPECT_EQ(classify_scene(photo), Scene::Photo);
  photo = scan, photo.shading = 0.5;  // light falling unevenly
  EXPECT_EQ(classify_scene(photo), Scene::Photo);
  photo = scan, photo.near_two = 0.3;  // blur and low contrast
  EXPECT_EQ(classify_scene(photo), Scene::Photo);
  photo = scan, photo.document = true;  // cut out of its surroundings
  EXPECT_EQ(classify_scene(photo), Scene::Photo);
  photo.aspect = 3;  // ... a receipt held up to the phone
  EXPECT_EQ(classify_scene(photo), Scene::Receipt);

  SceneStats thermal = scan;  // grey print on white paper
  thermal.ink = 90;
  EXPECT_EQ(classify_scene(thermal), Scene::Receipt);

  SceneStats low = scan;  // grey text at a fax's resolution
  low.text_px = 9;
  EXPECT_EQ(classify_scene(low), Scene::Fax);
}

TEST(Scene, MeasuresLevelsOfABitonalImage) {
  cv::Mat page(300, 400, CV_8UC1, cv::Scalar(255));
  for (int y = 20; y < 280; y += 20) cv::rectangle(page, cv::Rect(30, y, 300, 8), cv::Scalar(0), cv::FILLED);
  PreprocessedPage pre;
  const SceneStats s = measure_scene(page, pre);
  EXPECT_DOUBLE_EQ(s.two_levels, 1.0);
  EXPECT_EQ(s.paper, 255);
  EXPECT_EQ(s.ink, 0);
  EXPECT_EQ(s.noise, 0);
  EXPECT_DOUBLE_EQ(s.colour, 0);
  cv::Mat colour;
  cv::cvtColor(page, colour, cv::COLOR_GRAY2BGR);
  colour.setTo(cv::Scalar(200, 80, 40), page == 0);  // blue ink: colour
  EXPECT_GT(measure_scene(colour, pre).colour, 0.1);
  // White on black: the two levels are the same, whichever is the majority.
  EXPECT_DOUBLE_EQ(measure_scene(255 - page, pre).two_levels, 1.0);
  // Nothing to measure, a strip too thin for bands, 16-bit pixels: no crash.
  EXPECT_EQ(measure_scene(cv::Mat(), pre).two_levels, 0);
  EXPECT_DOUBLE_EQ(measure_scene(cv::Mat(20, 40000, CV_8UC1, cv::Scalar(255)), pre).top_level, 1.0);
  EXPECT_EQ(classify_scene(cv::Mat(50, 50, CV_16UC1, cv::Scalar(60000)), pre), Scene::Scan);
  // A large page is looked at in bands: the same levels.
  cv::Mat big;
  cv::resize(page, big, {}, 6, 6, cv::INTER_NEAREST);
  EXPECT_DOUBLE_EQ(measure_scene(big, pre).two_levels, 1.0);
}

// The grain and levels, counted in whole numbers and four histograms at once, against the plain
// double-precision sums over the same pixels (a line-sized image is measured whole).
TEST(Scene, GrainAndLevelsEqualThePlainSums) {
  Rng rng(7);
  for (int trial = 0; trial < 4; ++trial) {
    cv::Mat g(60 + 13 * trial, 333 + 7 * trial, CV_8UC1);
    for (int y = 0; y < g.rows; ++y)
      for (int x = 0; x < g.cols; ++x)
        g.at<uint8_t>(y, x) = uint8_t(std::clamp(rng.chance(0.1) ? rng.normal(40, 20) : rng.normal(200, 6 + 4 * trial), 0.0, 255.0));
    PreprocessedPage pre;
    const SceneStats s = measure_scene(g, pre);
    double hist[256] = {0};
    for (int y = 0; y < g.rows; ++y)
      for (int x = 0; x < g.cols; ++x) ++hist[g.at<uint8_t>(y, x)];
    auto level = [&](double q) {
      double acc = 0;
      for (int v = 0; v < 256; ++v)
        if ((acc += hist[v]) > q * double(g.total())) return v;
      return 255;
    };
    ASSERT_EQ(s.paper, level(0.90));
    ASSERT_EQ(s.ink, level(0.01));
    const double paperish = s.paper - 0.25 * (s.paper - s.ink);
    double grain = 0, n = 0;
    for (int y = 0; y < g.rows; ++y) {
      const uint8_t* p = g.ptr<uint8_t>(y);
      for (int x = 1; x + 1 < g.cols; ++x)
        if (p[x] > paperish && p[x - 1] > paperish && p[x + 1] > paperish) {
          grain += std::abs(p[x] - 0.5 * (double(p[x - 1]) + p[x + 1]));
          n += 1;
        }
    }
    ASSERT_GT(n, 0);
    EXPECT_EQ(s.noise, grain / n) << "trial " << trial;
  }
}

// Rendered lines of each profile (seeded): phone photos are photos, scans scans, and each kind
// reads with the model trained for it. A classifier that calls everything one scene fails. A
// hundred lines a profile: the generator's stream differs between GCC and clang, and the shares
// of forty lines moved by up to 13 points between them (faxes as scans 2 against 9 of 40), those
// of a hundred by 4.
TEST(Scene, RenderedLinesOfEachKind) {
  const int n = 100;
  auto got = line_scenes(n, 7);
  auto share = [&](const std::string& profile, std::initializer_list<Scene> scenes) {
    int k = 0, all = 0;
    for (Scene s : scenes) k += got[profile][s];
    for (const auto& [scene, count] : got[profile]) all += count;
    return all > 0 ? double(k) / all : 0.0;
  };
  EXPECT_GE(share("phone", {Scene::Photo}), 0.8);
  EXPECT_GE(share("photo", {Scene::Photo}), 0.8);
  // Binary and grey scans together (the generator's grey scans carry a camera's noise at times).
  EXPECT_GE((share("scan_binary", {Scene::Scan}) + share("scan_gray", {Scene::Scan})) / 2, 0.75);
  EXPECT_GE(share("scan_binary", {Scene::Scan}), 0.8);
  // Faxes: most bitonal at a low resolution; the grey, JPEG'd ones at least go to a specialist
  // (eng_rough or eng_photo), not to the clean-scan model. Their typed lines, measured: 0.91 with
  // GCC, 0.84 with clang, 0.80 with clang where the handwriting fonts are installed (the stream
  // differs with the faces it draws from). The fields filled in by hand went to the clean-scan
  // model 8 times of 14 with GCC; no rule here for them yet.
  EXPECT_GE(share("fax", {Scene::Fax}), 0.5);
  EXPECT_GE(share("fax", {Scene::Fax, Scene::Receipt, Scene::Photo}), 0.75);
  // Receipts are scanned or photographed thermal paper.
  EXPECT_GE(share("receipt", {Scene::Receipt, Scene::Photo}), 0.8);
  // No scan reads as a photo often, and no phone photo as a scan.
  EXPECT_LE(share("scan_binary", {Scene::Photo}), 0.05);
  EXPECT_LE(share("phone", {Scene::Scan, Scene::Screen}), 0.1);
}

// Whole rendered pages: screenshots, faxes and phone photos.
TEST(Scene, RenderedPagesOfEachKind) {
  auto pages = [](const std::string& kind, const std::string& capture, int n) {
    synth::PageGeneratorConfig c;
    c.lines = config(3);
    c.capture_weights[kind] = {{capture, 1.0}};
    synth::PageGenerator g(c);
    std::map<Scene, int> got;
    for (int i = 0; i < n; ++i) ++got[scene_of(g.next(kind).image)];
    return got;
  };
  // Enough pages that one near a threshold (a different CPU rounds a resize or a JPEG block
  // differently) does not decide; dark-mode screens among them.
  EXPECT_GE(pages("screenshot", "screen", 16)[Scene::Screen], 12);
  EXPECT_GE(pages("article", "fax", 4)[Scene::Fax], 3);
  EXPECT_GE(pages("article", "photo", 4)[Scene::Photo], 3);
}

// The colours of a grey copy's page, kept as a sample: a page up to 2 MP counts exactly as the
// colour image does, a larger one within sampling error (a phone photo's 12 MP of colours need
// not stay in memory for one fraction).
TEST(Scene, ColourSampleCountsTheColourfulPixels) {
  Rng rng(9);
  auto blotched = [&](int rows, int cols) {
    cv::Mat c(rows, cols, CV_8UC3, cv::Scalar(235, 235, 235));
    for (int k = 0; k < 400; ++k) {
      const int x = int(rng.uniform(0, cols - 40)), y = int(rng.uniform(0, rows - 30));
      cv::rectangle(c, cv::Rect(x, y, 40, 8), k % 3 ? cv::Scalar(30, 30, 30) : cv::Scalar(200, 60, 40), cv::FILLED);
    }
    return c;
  };
  PreprocessedPage pre;
  for (const cv::Size size : {cv::Size(1200, 1600), cv::Size(3000, 4000)}) {
    const cv::Mat colour = blotched(size.height, size.width);
    cv::Mat grey;
    cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
    const ColourSample sample = sample_colours(colour);
    EXPECT_LE(double(sample.bgr.total()), kColourSamplePixels);
    const SceneStats full = measure_scene(colour, pre), sampled = measure_scene(grey, pre, &sample);
    EXPECT_GT(full.colour, 0.002);
    if (sample.stride == 1) EXPECT_DOUBLE_EQ(sampled.colour, full.colour);
    else EXPECT_NEAR(sampled.colour, full.colour, 0.15 * full.colour) << sample.stride;
    // Every other statistic comes from the grey copy, as it does from the colour page.
    EXPECT_DOUBLE_EQ(sampled.noise, full.noise);
    EXPECT_DOUBLE_EQ(sampled.top_level, full.top_level);
    EXPECT_DOUBLE_EQ(sampled.shading, full.shading);
  }
  EXPECT_TRUE(sample_colours(cv::Mat(10, 10, CV_8UC1, cv::Scalar(0))).bgr.empty());
}

}  // namespace
}  // namespace ocr
