#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>
#include <set>
#include <string>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"
#include "ocr/synth/font_table.h"
#include "ocr/synth/line_generator.h"
#include "ocr/synth/line_stats.h"
#include "ocr/synth/renderer.h"

namespace ocr::synth {
namespace {

const std::string kData = std::string(OCR_SOURCE_DIR) + "/data";

GeneratorConfig config(uint64_t seed) {
  GeneratorConfig c;
  c.fonts_table = kData + "/fonts.tsv";
  c.alphabet = kData + "/eng.alphabet";
  c.corpus = kData + "/corpus-sample.txt";  // the corpus CI has: results do not depend on a build
  c.seed = seed;
  return c;
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

TEST(FontTable, ListsEnoughFacesAndAHoldoutSplit) {
  auto rows = read_font_table(kData + "/fonts.tsv");
  int holdout = 0;
  std::set<std::string> classes, styles;
  for (const auto& r : rows) {
    holdout += r.split == "holdout";
    classes.insert(r.cls);
    styles.insert(r.style);
  }
  EXPECT_GE(rows.size(), 50u);
  EXPECT_GE(holdout, 5);
  EXPECT_LE(holdout, 12);
  for (const char* c : {"times", "cm", "helvetica", "courier", "book", "sans", "mono", "ocr", "hand"}) EXPECT_TRUE(classes.count(c)) << c;
  for (const char* s : {"regular", "italic", "bold"}) EXPECT_TRUE(styles.count(s)) << s;
}

TEST(FontTable, MalformedTableNamesFileAndLine) {
  std::string path = testing::TempDir() + "/bad_fonts.tsv";
  FILE* f = fopen(path.c_str(), "w");
  fputs("# header\ntimes\tx\ttrain\tprint\tfam\tregular\tpkg\tfile.otf\tnote\n", f);
  fclose(f);
  try {
    read_font_table(path);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad_fonts.tsv:2"), std::string::npos) << e.what();
  }
}

TEST(FontSet, OpensInstalledFacesWithSaneMetrics) {
  FontSet fonts(kData + "/fonts.tsv", GeneratorConfig().font_dirs, "train");
  if (fonts.size() < 50)
    GTEST_SKIP() << "only " << fonts.size() << " faces installed (tools/install-deps.sh --fonts installs all)";
  for (size_t i = 0; i < fonts.size(); ++i) {
    const Face& f = fonts[i];
    // Handwriting runs from school cursive's small x-height to block letters'.
    EXPECT_GT(f.x_height_em, f.entry.hand ? 0.2 : 0.3) << f.path;
    EXPECT_LT(f.x_height_em, f.entry.hand ? 0.75 : 0.65) << f.path;
    EXPECT_GT(f.stroke_ratio, 0.05) << f.path;
    EXPECT_LT(f.stroke_ratio, 0.45) << f.path;
    EXPECT_TRUE(f.has_all(U"The quick brown fox 0123456789.,;:!?()")) << f.path;
  }
}

// The pixel faces of receipt printers have no outlines: they render from a strike, scaled to any
// size, with the same advance per character as the strike's own pixels say.
TEST(FontSet, RendersBitmapOnlyFacesAtAnySize) {
  std::string path = testing::TempDir() + "/bitmap_fonts.tsv";
  FILE* f = fopen(path.c_str(), "w");
  fputs("mono\t1\ttrain\treceipt\tterminus\tregular\tfonts-terminus-otb\tterminus-normal.otb\tpixel\n", f);
  fclose(f);
  std::unique_ptr<FontSet> fonts;
  try {
    fonts = std::make_unique<FontSet>(path, GeneratorConfig().font_dirs, "train");
  } catch (const IoError&) {
    GTEST_SKIP() << "fonts-terminus-otb not installed (tools/install-deps.sh --fonts installs it)";
  }
  const Face& face = (*fonts)[0];
  ASSERT_TRUE(face.bitmap);
  EXPECT_GT(face.x_height_em, 0.3);
  EXPECT_LT(face.x_height_em, 0.65);
  EXPECT_GT(face.stroke_ratio, 0.05);
  EXPECT_LT(face.stroke_ratio, 0.45);
  Renderer renderer;
  Rng rng(1);
  std::vector<TextRun> runs{{U"TAXABLE 0.00", 0, 1.0}};
  RenderParams p;
  std::vector<double> widths, heights;
  for (double px : {16.0, 24.0, 45.0}) {
    p.px_per_em = px;
    RenderedLine line = renderer.render(*fonts, runs, p, rng);
    ASSERT_FALSE(line.coverage.empty()) << px;
    // Terminus is monospaced at half an em a character.
    EXPECT_NEAR(line.advance, 12 * 0.5 * px, 0.06 * 12 * 0.5 * px) << px;
    EXPECT_NEAR(line.ink.height, face.cap_height_em * px, 0.15 * px) << px;
    EXPECT_GT(cv::countNonZero(line.coverage > 127), 0) << px;
  }
  // Rotated, the ink box turns with the text: taller than the cap height, still as long.
  p.px_per_em = 24;
  p.rotation = 0.1;
  RenderedLine turned = renderer.render(*fonts, runs, p, rng);
  EXPECT_GT(turned.ink.height, face.cap_height_em * 24 + 0.05 * 12 * 12);
}

TEST(LineGenerator, SameSeedGivesIdenticalLines) {
  LineGenerator a(config(5)), b(config(5));
  for (int i = 0; i < 40; ++i) {
    LineSample x = a.next(), y = b.next();
    EXPECT_EQ(x.text, y.text);
    EXPECT_TRUE(identical(x.image, y.image)) << "line " << i << ": " << x.origin;
  }
}

// at(i) is line i of an indexed stream whatever was drawn before: the ranks of an MPI run each
// draw their own indices of one stream.
TEST(LineGenerator, IndexedLinesDoNotDependOnWhatCameBefore) {
  LineGenerator a(config(5)), b(config(5));
  const LineSample a3 = a.at(3), a7 = a.at(7);
  b.next();
  const LineSample b7 = b.at(7);
  b.next();
  const LineSample b3 = b.at(3);
  EXPECT_EQ(a3.text, b3.text);
  EXPECT_TRUE(identical(a3.image, b3.image));
  EXPECT_EQ(a7.text, b7.text);
  EXPECT_TRUE(identical(a7.image, b7.image));
  EXPECT_NE(a3.text, a7.text);
}

TEST(LineGenerator, DifferentSeedsDiffer) {
  LineGenerator a(config(1)), b(config(2));
  int same = 0;
  for (int i = 0; i < 20; ++i) {
    LineSample x = a.next(), y = b.next();
    same += x.text == y.text && identical(x.image, y.image);
  }
  EXPECT_EQ(same, 0);
}

// Every profile: a CV_8UC1 image of sane size, with ink, dark text on a light background, and a
// label of alphabet characters that the line's main face covers.
TEST(LineGenerator, EveryProfileGivesValidLines) {
  GeneratorConfig c = config(9);
  LineGenerator gen(c);
  FontSet fonts(c.fonts_table, c.font_dirs, "train");
  std::u32string alphabet = gen.alphabet();
  for (const auto& profile : profile_names()) {
    for (int i = 0; i < 25; ++i) {
      LineSample s = gen.next(profile);
      SCOPED_TRACE(s.origin + " \"" + s.text + "\"");
      ASSERT_EQ(s.image.type(), CV_8UC1);
      EXPECT_GE(s.image.rows, 10);
      EXPECT_LE(s.image.rows, 200);
      EXPECT_GE(s.image.cols, s.image.rows / 2);
      EXPECT_LE(s.image.cols, 4000);
      std::u32string t = utf8_decode(s.text);
      ASSERT_FALSE(t.empty());
      EXPECT_NE(t.front(), U' ');
      EXPECT_NE(t.back(), U' ');
      EXPECT_EQ(s.text.find("  "), std::string::npos);
      for (char32_t ch : t) EXPECT_NE(alphabet.find(ch), std::u32string::npos) << "U+" << std::hex << unsigned(ch);
      const Face* face = nullptr;
      for (size_t k = 0; k < fonts.size(); ++k)
        if (fonts[k].entry.file == gen.font_of_last()) face = &fonts[k];
      ASSERT_NE(face, nullptr);
      // Words set in a sibling face are checked by the generator; otherwise the main face draws
      // every character.
      if (s.origin.find(" mixed") == std::string::npos) {
        EXPECT_TRUE(face->has_all(t));
      }
      // Ink present and polarity: the median (background) is lighter than the darkest pixels.
      cv::Mat sorted;
      s.image.reshape(1, 1).copyTo(sorted);
      cv::sort(sorted, sorted, cv::SORT_EVERY_ROW | cv::SORT_ASCENDING);
      // Small bold type of a binarized fax can cover more than half a line: its paper is the
      // third quartile.
      const bool faint_by_design = profile == "phone" || profile == "fax";
      int dark = sorted.at<uint8_t>(0, sorted.cols / 1000),
          median = sorted.at<uint8_t>(0, profile == "fax" ? sorted.cols * 3 / 4 : sorted.cols / 2);
      // Phone photos go down to grey paper with little contrast (ink at least 0.28 below the
      // paper before blur and shading thin it out), as the receipt photos measured, and grey faxes
      // of small type to faint strokes; the stream of lines differs between compilers (clang's
      // and GCC's floating point), so the bound for those two is the polarity, with a margin.
      EXPECT_GT(median - dark, faint_by_design ? 15 : 40) << "dark " << dark << " median " << median;
    }
  }
}

// Random accents are a training device; the language-model tuning set turns them off. The corpus
// sample is plain English, so accented letters then come from nowhere else.
TEST(LineGenerator, AccentNoiseCanBeTurnedOff) {
  auto accented_lines = [](bool noise) {
    GeneratorConfig c = config(9);
    c.accent_noise = noise;
    c.profile_weights = {{"scan_binary", 1}};
    LineGenerator gen(c);
    int n = 0;
    for (int i = 0; i < 200; ++i) {
      const std::u32string t = utf8_decode(gen.next().text);
      n += std::any_of(t.begin(), t.end(), [](char32_t ch) { return ch >= 0xC0 && ch <= 0xFF && ch != 0xD7 && ch != 0xF7; });
    }
    return n;
  };
  EXPECT_GE(accented_lines(true), 8);  // ~12% of print lines
  EXPECT_EQ(accented_lines(false), 0);
}

// The share of handwritten form fields is a knob for a member that learns to read hands.
TEST(LineGenerator, HandShareSetsHowManyFaxLinesAreHandwritten) {
  std::set<std::string> hand_files;
  for (const auto& r : read_font_table(kData + "/fonts.tsv"))
    if (r.hand) hand_files.insert(r.file);
  auto handwritten = [&](double share) {
    GeneratorConfig c = config(12);
    c.profile_weights = {{"fax", 1}};
    c.hand_share = share;
    LineGenerator gen(c);
    int n = 0;
    for (int i = 0; i < 100; ++i) {
      gen.next();
      n += hand_files.count(gen.font_of_last()) > 0;
    }
    return n;
  };
  EXPECT_EQ(handwritten(0), 0);
  EXPECT_EQ(handwritten(1), 100);
  const int half = handwritten(0.5);
  EXPECT_GT(half, 30);
  EXPECT_LT(half, 70);
  GeneratorConfig bad = config(1);
  bad.hand_share = 1.5;
  EXPECT_THROW(LineGenerator{bad}, FormatError);
}

TEST(LineGenerator, HoldoutSplitUsesOnlyHoldoutFaces) {
  GeneratorConfig c = config(3);
  c.split = "holdout";
  LineGenerator gen(c);
  auto rows = read_font_table(c.fonts_table);
  std::set<std::string> holdout;
  for (const auto& r : rows)
    if (r.split == "holdout") holdout.insert(r.file);
  for (int i = 0; i < 20; ++i) {
    gen.next();
    EXPECT_TRUE(holdout.count(gen.font_of_last())) << gen.font_of_last();
  }
}

TEST(LineGenerator, RejectsUnknownProfile) {
  GeneratorConfig c = config(1);
  c.profile_weights["blurry"] = 1;
  EXPECT_THROW(LineGenerator{c}, FormatError);
}

TEST(LineGenerator, ProfileWeightsSelectProfiles) {
  GeneratorConfig c = config(4);
  c.profile_weights = {{"screen", 1}};
  LineGenerator gen(c);
  for (int i = 0; i < 10; ++i) {
    gen.next();
    EXPECT_EQ(gen.profile_of_last(), "screen");
  }
}

TEST(LineGenerator, DescribesTheMixItDrawsWith) {
  GeneratorConfig c = config(4);
  c.profile_weights = {{"fax", 3}, {"phone", 1}};
  c.hand_share = 0.4;
  // Shares, not the weights as given; profiles left out are not named.
  EXPECT_EQ(LineGenerator(c).describe_mix(), "profiles fax=0.75,phone=0.25; fax lines by hand 0.4");
  c.profile_weights.clear();
  c.hand_share = 0.18;
  EXPECT_EQ(LineGenerator(c).describe_mix(),
            "profiles scan_binary=0.38,scan_gray=0.2,photo=0.08,screen=0.1,receipt=0.1,fax=0.07,phone=0.07; "
            "fax lines by hand 0.18");
}

// The scan_binary look is tuned to real UW-III lines: stroke width / x-height median 0.17.
TEST(LineGenerator, ScanBinaryStatisticsLikeRealScans) {
  GeneratorConfig c = config(6);
  c.profile_weights = {{"scan_binary", 1}};
  LineGenerator gen(c);
  std::vector<LineStats> stats;
  for (int i = 0; i < 120; ++i) {
    LineSample s = gen.next();
    // Binary output: two levels only.
    cv::Mat mid = (s.image > 0) & (s.image < 255);
    EXPECT_EQ(cv::countNonZero(mid), 0);
    LineStats st;
    if (measure_line(s.image, &st)) stats.push_back(st);
  }
  StatsSummary sum = summarize(stats);
  ASSERT_GT(sum.count, 100u);
  EXPECT_NEAR(sum.quantile(1, 0.5), 20, 4);      // x-height, px
  EXPECT_NEAR(sum.quantile(3, 0.5), 0.17, 0.03);  // stroke width / x-height
  EXPECT_NEAR(sum.quantile(5, 0.5), 0.22, 0.06);  // ink density
}

}  // namespace
}  // namespace ocr::synth

namespace ocr::synth {
namespace {

// What real print has and a model trained without it gets wrong: emphasis in a sibling face,
// small capitals, line-printer listings. Each shows up in a few hundred scan lines.
TEST(LineGenerator, ScanLinesIncludeMixedStylesSmallCapsAndListings) {
  GeneratorConfig c = config(12);
  c.profile_weights = {{"scan_binary", 1}, {"scan_gray", 1}};
  LineGenerator gen(c);
  int mixed = 0, smallcaps = 0, listing = 0, smallcaps_labelled_upper = 0;
  // Small capitals are labelled as the capitals they are drawn as: a word of 2+ letters with
  // no lower-case letter (rare in corpus text otherwise) in the label. Bytes of accented letters
  // count as letters but not as either case; spans of one letter or of digits cannot tell.
  auto has_capital_word = [](const std::string& t) {
    int letters = 0;
    bool lower = false, upper = false;
    for (char c : t + " ") {
      const auto u = static_cast<unsigned char>(c);
      if (std::isalpha(u) || u >= 0x80) {
        ++letters;
        lower |= std::islower(u) != 0;
        upper |= std::isupper(u) != 0;
        continue;
      }
      if (letters >= 2 && upper && !lower) return true;
      letters = 0;
      lower = upper = false;
    }
    return false;
  };
  for (int i = 0; i < 400; ++i) {
    LineSample l = gen.next();
    const std::string& o = l.origin;
    mixed += o.find(" mixed") != std::string::npos;
    const bool sc = o.find(" smallcaps") != std::string::npos;
    smallcaps += sc;
    smallcaps_labelled_upper += sc && has_capital_word(l.text);
    listing += o.find(" lineprinter") != std::string::npos;
  }
  EXPECT_GT(mixed, 20);
  EXPECT_GT(smallcaps, 2);
  EXPECT_GE(smallcaps_labelled_upper, smallcaps * 3 / 4);
  EXPECT_GT(listing, 5);
  EXPECT_LT(mixed + smallcaps + listing, 160);
}

}  // namespace
}  // namespace ocr::synth
