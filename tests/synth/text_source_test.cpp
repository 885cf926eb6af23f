#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"
#include "ocr/synth/text_source.h"

namespace ocr::synth {
namespace {

const std::string kData = std::string(OCR_SOURCE_DIR) + "/data";

// Labels for CTC: no leading, trailing or double spaces, only alphabet characters.
void expect_clean(const std::u32string& s, const TextSource& src) {
  ASSERT_FALSE(s.empty());
  EXPECT_NE(s.front(), U' ') << utf8_encode(s);
  EXPECT_NE(s.back(), U' ') << utf8_encode(s);
  EXPECT_EQ(s.find(U"  "), std::u32string::npos) << utf8_encode(s);
  for (char32_t c : s) EXPECT_TRUE(c == U'\t' || src.allowed(c)) << "U+" << std::hex << unsigned(c) << " in " << utf8_encode(s);
}

TEST(Alphabet, FileHasTheDocumentedCharacters) {
  std::u32string a = read_alphabet_file(kData + "/eng.alphabet");
  EXPECT_EQ(a.front(), U' ');
  for (char32_t c = 0x20; c < 0x7f; ++c) EXPECT_NE(a.find(c), std::u32string::npos) << char(c);
  for (char32_t c : std::u32string(U"“”‘’–—•…©®°±×§¶£€¢¥½¼¾ÀÉßçñøœŒŸÿ")) EXPECT_NE(a.find(c), std::u32string::npos);
  EXPECT_EQ(a.find(U'÷'), std::u32string::npos);
  EXPECT_EQ(a.find(U'\n'), std::u32string::npos);
}

TEST(Alphabet, RejectsMissingFile) { EXPECT_THROW(read_alphabet_file(kData + "/no-such.alphabet"), IoError); }

TEST(TextSource, NormalizeSpaces) {
  EXPECT_EQ(normalize_spaces(U"  a  b c  "), U"a b c");
  EXPECT_EQ(normalize_spaces(U"   "), U"");
}

TEST(TextSource, MissingCorpusThrows) {
  EXPECT_THROW(TextSource(kData + "/no-such-corpus.txt", U"abc "), IoError);
}

TEST(TextSource, CorpusLinesRespectLengthLimits) {
  TextSource src(kData + "/corpus-sample.txt", read_alphabet_file(kData + "/eng.alphabet"));
  Rng rng(7);
  int hyphenated = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    int target = static_cast<int>(rng.integer(5, 90));
    std::u32string s = src.corpus_line(rng, target);
    expect_clean(s, src);
    bool single_word = s.find(U' ') == std::u32string::npos;
    // At most the target, plus a hyphen that may overhang by two; a lone long word may exceed it.
    if (!single_word) {
      EXPECT_LE(static_cast<int>(s.size()), target + 3) << utf8_encode(s);
    }
    EXPECT_LE(s.size(), 104u);
    hyphenated += s.back() == U'-' && s.size() > 1 && s[s.size() - 2] != U' ';
  }
  // About 15% of real lines end in a hyphen.
  EXPECT_GT(hyphenated, n * 0.06);
  EXPECT_LT(hyphenated, n * 0.25);
}

TEST(TextSource, LineLengthsLikeRealPrint) {
  Rng rng(3);
  std::vector<int> len;
  for (int i = 0; i < 5000; ++i) len.push_back(TextSource::sample_length(rng));
  std::sort(len.begin(), len.end());
  EXPECT_NEAR(len[len.size() / 10], 22, 6);   // UW-III p10 = 20
  EXPECT_NEAR(len[len.size() / 2], 53, 5);    // median 49, before chopping at word ends
  EXPECT_NEAR(len[len.size() * 9 / 10], 66, 5);  // p90 = 64
  EXPECT_LE(len.back(), 90);
  EXPECT_GE(len.front(), 3);
}

TEST(TextSource, PrintAndReceiptLinesAreCleanLabels) {
  TextSource src(kData + "/corpus-sample.txt", read_alphabet_file(kData + "/eng.alphabet"));
  Rng rng(11);
  for (int i = 0; i < 1500; ++i) expect_clean(src.print_line(rng), src);
  int upper = 0, tabs = 0;
  for (int i = 0; i < 500; ++i) {
    std::u32string s = src.receipt_line(rng);
    expect_clean(s, src);
    EXPECT_EQ(s.find(U"\t\t"), std::u32string::npos);
    EXPECT_EQ(s.find(U" \t"), std::u32string::npos);
    EXPECT_EQ(s.find(U"\t "), std::u32string::npos);
    tabs += s.find(U'\t') != std::u32string::npos;
    upper += std::none_of(s.begin(), s.end(), [](char32_t c) { return c >= U'a' && c <= U'z'; });
  }
  EXPECT_GT(upper, 300);  // receipts are upper case heavy
  EXPECT_GT(tabs, 100);
}

// Receipts' separator rows are labelled as what they are: one mark repeated (asterisks, dashes,
// equals signs, dots; spaced or not), a few per hundred lines.
TEST(TextSource, ReceiptLinesIncludeSeparatorRows) {
  TextSource src(kData + "/corpus-sample.txt", read_alphabet_file(kData + "/eng.alphabet"));
  Rng rng(12);
  int rows = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::u32string s = src.receipt_line(rng);
    const char32_t mark = s.front();
    const bool row = std::all_of(s.begin(), s.end(), [&](char32_t c) { return c == mark || c == U' '; });
    if (!row || s.size() < 12) continue;
    ++rows;
    EXPECT_NE(std::u32string(U"*-=.").find(mark), std::u32string::npos) << utf8_encode(s);
  }
  EXPECT_GT(rows, 60);
  EXPECT_LT(rows, 200);
}

// Receipt prices come as tills print them: bare, after a dollar, pound or euro sign, and with a
// decimal comma (12,99 and 1.234,56); US tax flags and times of day follow.
TEST(TextSource, ReceiptPricesCarryCurrencySignsAndDecimalCommas) {
  TextSource src(kData + "/corpus-sample.txt", read_alphabet_file(kData + "/eng.alphabet"));
  Rng rng(13);
  int dollar = 0, pound = 0, euro = 0, decimal_comma = 0, decimal_point = 0, time_of_day = 0;
  const int n = 3000;
  auto is_digit = [](char32_t c) { return c >= U'0' && c <= U'9'; };
  for (int i = 0; i < n; ++i) {
    const std::u32string s = src.receipt_line(rng);
    expect_clean(s, src);
    dollar += s.find(U"$") != std::u32string::npos;
    pound += s.find(U"£") != std::u32string::npos;
    euro += s.find(U"€") != std::u32string::npos;
    time_of_day += s.find(U"AM") != std::u32string::npos || s.find(U"PM") != std::u32string::npos;
    // Two decimals after a comma or a point, at the end of a number: a price.
    for (size_t j = 1; j + 2 < s.size(); ++j)
      if (is_digit(s[j - 1]) && is_digit(s[j + 1]) && is_digit(s[j + 2]) && (j + 3 == s.size() || !is_digit(s[j + 3]))) {
        decimal_comma += s[j] == U',';
        decimal_point += s[j] == U'.';
      }
  }
  EXPECT_GT(dollar, n / 20);
  EXPECT_GT(pound, n / 100);
  EXPECT_GT(euro, n / 100);
  EXPECT_GT(time_of_day, n / 200);
  // Decimal commas are the minority style, but not rare.
  EXPECT_GT(decimal_comma, decimal_point / 10);
  EXPECT_LT(decimal_comma, decimal_point);
}

TEST(TextSource, GeneratedLinesCoverWhatProseLacks) {
  TextSource src(kData + "/corpus-sample.txt", read_alphabet_file(kData + "/eng.alphabet"));
  Rng rng(5);
  std::u32string all;
  for (int i = 0; i < 1500; ++i) {
    std::u32string s = src.generated_line(rng);
    all += s + U"\n";
  }
  for (const char32_t* needle : {U"@", U"http", U"$", U"(", U";", U"%", U"°", U"€", U"Page ", U"vol."})
    EXPECT_NE(all.find(needle), std::u32string::npos) << utf8_encode(needle);
}

TEST(TextSource, SameSeedSameText) {
  TextSource src(kData + "/corpus-sample.txt", read_alphabet_file(kData + "/eng.alphabet"));
  Rng a(42), b(42), c(43);
  std::u32string sa, sb, sc;
  for (int i = 0; i < 50; ++i) {
    sa += src.print_line(a);
    sb += src.print_line(b);
    sc += src.print_line(c);
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

}  // namespace
}  // namespace ocr::synth

namespace ocr::synth {
namespace {

// The corpus is English: the generator itself must put Western European accents and the German
// and French quote styles in front of the network, or it never learns to read them.
TEST(TextSource, PrintLinesCarryAccentsAndEuropeanQuotes) {
  // A corpus where every paragraph quotes something, so the quote styles show up quickly.
  const std::string corpus = ::testing::TempDir() + "/quoted-corpus.txt";
  {
    std::ofstream out(corpus);
    for (int i = 0; i < 50; ++i)
      out << "He said \"the quick brown fox\" and then the lazy dog answered \"not today\" before "
             "the story went on about the river, the mill and the old bridge number " << i << ".\n";
  }
  TextSource src(corpus, read_alphabet_file(kData + "/eng.alphabet"));
  Rng rng(21);
  const std::u32string accented = U"áàâäãåéèêëíìîïóòôöõøúùûüçñýÿÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕØÚÙÛÜÇÑ";
  int with_accent = 0, german = 0, french = 0;
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    std::u32string s = src.print_line(rng);
    expect_clean(s, src);
    with_accent += s.find_first_of(accented) != std::u32string::npos;
    german += s.find(U'„') != std::u32string::npos;
    french += s.find(U'«') != std::u32string::npos;
  }
  EXPECT_GT(with_accent, n / 12);
  EXPECT_LT(with_accent, n / 3);
  EXPECT_GT(german, 0);
  EXPECT_GT(french, 0);
}

}  // namespace
}  // namespace ocr::synth
