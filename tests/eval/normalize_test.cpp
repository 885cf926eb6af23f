#include "ocr/eval/normalize.h"

#include <gtest/gtest.h>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"

namespace ocr {
namespace {

TEST(Normalize, NfcComposesLatinLetters) {
  EXPECT_EQ(nfc(U"e\u0301te\u0301"), U"été");
  EXPECT_EQ(nfc(U"A\u030Angstro\u0308m"), U"Ångström");
  EXPECT_EQ(nfc(U"c\u0327a\u0300 Z\u030C L\u030C o\u030B"), U"çà Ž Ľ ő");
  EXPECT_EQ(nfc(U"été"), U"été");  // already composed: unchanged
  EXPECT_EQ(nfc(U"\u212B \u212A"), U"Å K");  // canonical singletons
  EXPECT_EQ(nfc(U"e\u0341"), U"é");
  // Marks are put in canonical order: the acute (230) is not blocked by a mark below (220).
  EXPECT_EQ(nfc(U"a\u0301\u0316"), U"á\u0316");
  EXPECT_EQ(nfc(U"a\u0316\u0301"), U"á\u0316");
  // A second acute is blocked by the first (same class) and there is no a + two acutes.
  EXPECT_EQ(nfc(U"a\u0301\u0301"), U"á\u0301");
  // A precomposed letter followed by a mark below is decomposed, reordered and recomposed.
  EXPECT_EQ(nfc(U"é\u0316"), U"é\u0316");
  EXPECT_EQ(nfc(U"\u0301a"), U"\u0301a");  // a leading mark has nothing to join
  EXPECT_EQ(nfc(U"ı\u0307x"), U"ı\u0307x");  // outside the table: unchanged
}

TEST(Normalize, CollapsesWhitespace) {
  EXPECT_EQ(collapse_whitespace(U"  a \t b\n\u00A0c\u2009d  \r\n"), U"a b c d");
  EXPECT_EQ(collapse_whitespace(U"\uFEFFab\u200Bc"), U"abc");
  EXPECT_EQ(collapse_whitespace(U" \t "), U"");
}

TEST(Normalize, FoldsQuoteAndDashStyles) {
  EXPECT_EQ(fold_styles(U"``Quilt'' \u2013 \u201Cx\u201D \u2018y\u2019 a\u2014b \u22121 5\u2032 6\u2033"),
            U"\"Quilt\" - \"x\" 'y' a-b -1 5' 6\"");
  EXPECT_EQ(fold_styles(U"don't \u201Ewhy\u201F"), U"don't \"why\"");
  EXPECT_EQ(fold_styles(U"\u2010\u2011\u2012\u2015"), U"----");
}

TEST(Normalize, FoldsCase) {
  EXPECT_EQ(fold_case(U"ABC xyz ÀÉÎÕÜÞ × ß"), U"abc xyz àéîõüþ × ß");
  EXPECT_EQ(fold_case(U"ŒŸĀĹŁŃŽ İ ſ ı"), U"œÿāĺłńž i s ı");
  EXPECT_EQ(fold_case(U"123 ,.;"), U"123 ,.;");
}

TEST(Normalize, FullPipelineOnUtf8) {
  NormalizeOptions plain;
  EXPECT_EQ(normalize_text("  Cafe\xCC\x81  \xE2\x80\x9Cok\xE2\x80\x9D ", plain), "Café “ok”");
  NormalizeOptions fold{true, true};
  EXPECT_EQ(normalize_text("  Cafe\xCC\x81  \xE2\x80\x9COK\xE2\x80\x9D ", fold), "café \"ok\"");
  EXPECT_THROW(normalize_text("bad \xFF", plain), FormatError);
  EXPECT_EQ(describe(plain), "NFC, whitespace collapsed");
  EXPECT_EQ(describe(fold), "NFC, whitespace collapsed, quote/dash styles folded, case ignored");
}

TEST(Normalize, RemovesSpacesWhenAsked) {
  NormalizeOptions spaceless{false, true, true};
  EXPECT_EQ(normalize_text(" 4801 Central\tAve.\u00A0 ", spaceless), "4801centralave.");
  EXPECT_EQ(describe(spaceless), "NFC, whitespace collapsed, case ignored, spaces removed");
}

}  // namespace
}  // namespace ocr
