// The language model and word list that ship beside a model (pipeline/model_search.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/ctc_frames.h"
#include "common/scoped_env.h"
#include "ocr/core/error.h"
#include "ocr/ctc/beam_decoder.h"
#include "ocr/pipeline/model_search.h"

namespace ocr {
namespace {

using test::from_probs;
using test::text;

// The word list shipped beside a model is found and used by default; "none" turns it off.
TEST(ModelFiles, TheLexiconBesideTheModelIsFoundAndUsed) {
  test::ScopedUnsetEnv unset({"OCR_LEXICON"});
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ocr-lexicon-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string model = (dir / "eng.ocrm").string();
  EXPECT_EQ(default_lexicon_path(model), "");
  std::ofstream(dir / "eng.words") << "bat\ntab\n";
  ASSERT_EQ(default_lexicon_path(model), (dir / "eng.words").string());
  Alphabet a(U" abt");
  Matrix m = from_probs({{0.05, 0, 0, 0.95, 0}, {0.05, 0, 0.95, 0, 0}, {0.0, 0, 0, 0.55, 0.45}});
  DecoderOptions o;
  o.beta = 0;
  o.lexicon = default_lexicon_path(model);
  EXPECT_EQ(text(a, make_decoder(o, a)->decode(m)), "bat");
  o.lexicon = "none";
  EXPECT_EQ(text(a, make_decoder(o, a)->decode(m)), "bab");
  o.lexicon = default_lexicon_path(model);
  o.oov_penalty = 0.f;  // a tuned-away word list is not even loaded
  EXPECT_EQ(text(a, make_decoder(o, a)->decode(m)), "bab");
  o.oov_penalty.reset();
  // Decoders made with shared files load the word list once and read alike.
  DecoderFiles files;
  o.lexicon = default_lexicon_path(model);
  EXPECT_EQ(text(a, make_decoder(o, a, {}, &files)->decode(m)), "bat");
  const auto first = files.lexicon;
  ASSERT_TRUE(first);
  EXPECT_EQ(text(a, make_decoder(o, a, {}, &files)->decode(m)), "bat");
  EXPECT_EQ(files.lexicon, first);
  std::ofstream(dir / "other.words") << "bab\n";
  o.lexicon = (dir / "other.words").string();  // another file is loaded
  EXPECT_EQ(text(a, make_decoder(o, a, {}, &files)->decode(m)), "bab");
  EXPECT_NE(files.lexicon, first);
  o.lexicon = (dir / "missing.words").string();
  EXPECT_THROW(make_decoder(o, a), IoError);
  fs::remove_all(dir);
}

// $OCR_LM and $OCR_LEXICON name the files whatever lies beside the model.
TEST(ModelFiles, EnvironmentNamesTheLanguageModelAndWordList) {
  test::ScopedUnsetEnv unset({"OCR_LM", "OCR_LEXICON"});
  EXPECT_EQ(default_lm_path("/nonexistent/eng.ocrm"), "");
  setenv("OCR_LM", "/data/my.lm", 1);
  setenv("OCR_LEXICON", "/data/my.words", 1);
  EXPECT_EQ(default_lm_path("/nonexistent/eng.ocrm"), "/data/my.lm");
  EXPECT_EQ(default_lexicon_path("eng.ocrm"), "/data/my.words");
}

}  // namespace
}  // namespace ocr
