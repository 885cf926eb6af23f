#include "ocr/ctc/alphabet.h"

#include <gtest/gtest.h>

#include <string>

#include "ocr/core/error.h"

namespace ocr {
namespace {

TEST(Alphabet, FromTextsIsTheSortedSetOfCodePoints) {
  const Alphabet a = Alphabet::from_texts({"bca", "é€b", ""});
  EXPECT_EQ(a.chars(), U"abcé€");
  EXPECT_EQ(a.size(), 6);  // five characters + blank
  EXPECT_EQ(a.label(U'a'), 1);
  EXPECT_EQ(a.label(U'é'), 4);
  EXPECT_EQ(a.label(U'€'), 5);
  EXPECT_EQ(a.label(U'z'), -1);
  EXPECT_EQ(a.label(U'ü'), -1);
  EXPECT_TRUE(a.contains(U'c'));
  EXPECT_FALSE(a.contains(U'd'));
  EXPECT_EQ(a.symbol(5), U'€');
}

TEST(Alphabet, EncodeDecodeRoundTrip) {
  const Alphabet a(U"ab “”é");
  const std::string text = "“é a”";
  const std::vector<int> labels = a.encode(text);
  EXPECT_EQ(labels, (std::vector<int>{4, 6, 3, 1, 5}));
  EXPECT_EQ(a.decode(labels), text);
  EXPECT_EQ(a.decode({0, 1, 0, 0, 2}), "ab");  // blanks are dropped
  EXPECT_TRUE(a.encode("").empty());
}

TEST(Alphabet, EncodeNamesTheMissingCharacter) {
  const Alphabet a(U"abc");
  try {
    a.encode("abç");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'ç'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("U+00E7"), std::string::npos) << msg;
  }
  EXPECT_THROW(a.encode("a\xff"), FormatError);  // malformed UTF-8
}

TEST(Alphabet, DuplicatesAreRejected) {
  EXPECT_THROW(Alphabet(U"abca"), FormatError);
  EXPECT_THROW(Alphabet(U"é€é"), FormatError);
}

TEST(Alphabet, ExtendKeepsExistingLabels) {
  Alphabet a(U"cab");
  EXPECT_EQ(a.extend(Alphabet(U"bdé")), 2);
  EXPECT_EQ(a.chars(), U"cabdé");
  EXPECT_EQ(a.label(U'c'), 1);
  EXPECT_EQ(a.label(U'b'), 3);
  EXPECT_EQ(a.label(U'd'), 4);
  EXPECT_EQ(a.label(U'é'), 5);
  EXPECT_EQ(a.extend(Alphabet(U"abc")), 0);
  EXPECT_EQ(a.size(), 6);
}

TEST(Alphabet, EmptyAlphabetHasOnlyTheBlank) {
  const Alphabet a;
  EXPECT_EQ(a.size(), 1);
  EXPECT_EQ(a.label(U'a'), -1);
  EXPECT_EQ(a.label(U'é'), -1);
}

}  // namespace
}  // namespace ocr
