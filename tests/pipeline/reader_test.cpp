#include "ocr/pipeline/reader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "common/scoped_env.h"
#include "eval/temp_tree.h"
#include "ocr/core/error.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/model_search.h"

namespace ocr {
namespace {

class ReaderTest : public test::TempTree {
 protected:
  // The LM and word list beside a model are found from these variables first.
  void SetUp() override {
    make_root("ocr_reader_");
  }
  void recognizer(const std::string& name, const std::u32string& alphabet) {
    Model("C3,3,4 Mp2,2 Col O", Alphabet(alphabet), 16, 1).save(path(name));
  }
  test::ScopedUnsetEnv env_{"OCR_LM", "OCR_LEXICON"};
};

TEST_F(ReaderTest, DecoderOptionsFindTheFilesBesideTheModelAndWeighANamedWordList) {
  write("eng.lm", "");
  write("eng.words", "");
  const std::string model = path("m.ocrm");
  DecoderOptions o = reader_decoder_options({}, model, {});
  EXPECT_EQ(o.lm_path, path("eng.lm"));
  EXPECT_EQ(o.lexicon, path("eng.words"));
  EXPECT_FALSE(o.oov_penalty);  // the shipped list: the model's own penalty applies

  DecoderOptions named;
  named.lexicon = "mine.words";
  EXPECT_EQ(reader_decoder_options(named, model, {}).oov_penalty, kDefaultOovPenalty);
  EXPECT_EQ(reader_decoder_options(named, model, {{"lm_oov_penalty", "0.000000"}}).oov_penalty,
            kDefaultOovPenalty);
  EXPECT_FALSE(reader_decoder_options(named, model, {{"lm_oov_penalty", "1.5"}}).oov_penalty);
  named.oov_penalty = 0.5f;
  EXPECT_EQ(reader_decoder_options(named, model, {}).oov_penalty, 0.5f);
  EXPECT_EQ(reader_decoder_options(named, model, {}).lexicon, "mine.words");

  DecoderOptions none;
  none.lm_path = none.lexicon = "none";
  o = reader_decoder_options(none, model, {});
  EXPECT_EQ(o.lm_path, "none");
  EXPECT_EQ(o.lexicon, "none");
  EXPECT_FALSE(o.oov_penalty);

  // Nothing beside the model: no LM, no word list.
  std::filesystem::create_directories(root_ / "bare");
  o = reader_decoder_options({}, path("bare/m.ocrm"), {});
  EXPECT_EQ(o.lm_path, "");
  EXPECT_EQ(o.lexicon, "");
  setenv("OCR_LM", "/elsewhere/x.lm", 1);
  EXPECT_EQ(reader_decoder_options({}, path("bare/m.ocrm"), {}).lm_path, "/elsewhere/x.lm");
}

TEST_F(ReaderTest, LoadsModelsDecoderAndDetector) {
  recognizer("a.ocrm", U" ab");
  recognizer("b.ocrm", U" ab");
  recognizer("c.ocrm", U" abc");
  ReaderOptions o;
  o.models = path("a.ocrm");
  o.decoder.kind = "greedy";
  o.detector = "heuristic";
  o.page.layout.mode = LayoutMode::Line;
  Reader r = load_reader(o);
  EXPECT_EQ(r.model_path, path("a.ocrm"));
  EXPECT_EQ(r.model_paths, std::vector<std::string>{path("a.ocrm")});
  EXPECT_EQ(r.detector_path, "");
  ASSERT_TRUE(r.lines && r.pages);
  EXPECT_EQ(r.lines->model_count(), 1);
  EXPECT_EQ(r.pages->options().layout.mode, LayoutMode::Line);
  EXPECT_FALSE(r.pages->options().detector);

  o.models = path("a.ocrm") + "+" + path("b.ocrm");
  r = load_reader(o);
  EXPECT_EQ(r.model_paths, (std::vector<std::string>{path("a.ocrm"), path("b.ocrm")}));
  EXPECT_EQ(r.lines->model_count(), 2);

  // Another alphabet: each model's own reading joins the consensus (the default fusion), but
  // their posteriors cannot be averaged.
  o.models = path("a.ocrm") + "+" + path("c.ocrm");
  r = load_reader(o);
  EXPECT_EQ(r.lines->model_count(), 2);
  o.fusion = LineFusion::Posterior;
  try {
    load_reader(o);
    ADD_FAILURE() << "models with different alphabets were fused on their posteriors";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fusing " + path("a.ocrm") + ", " + path("c.ocrm")), std::string::npos)
        << e.what();
  }
  o.fusion = LineFusion::Auto;

  Model("C3,3,4 Bn Relu Mp2,2 C3,3,6 Relu Mp2,2 C3,3,6 Relu Om1", 32, 1).save(path("lines.ocrm"));
  o.models = path("a.ocrm");
  o.detector = path("lines.ocrm");
  r = load_reader(o);
  EXPECT_EQ(r.detector_path, path("lines.ocrm"));
  EXPECT_TRUE(r.pages->options().detector);
  // A fax detector beside the detector --detector auto finds is loaded too; a detector named by
  // file reads every page.
  Model("C3,3,4 Bn Relu Mp2,2 C3,3,6 Relu Mp2,2 C3,3,6 Relu Om1", 32, 2).save(path("lines_fax.ocrm"));
  EXPECT_FALSE(load_reader(o).pages->options().fax_detector);
  o.detector = "auto";
  o.model_dir = root_.string();
  r = load_reader(o);
  EXPECT_EQ(r.detector_path, path("lines.ocrm"));
  EXPECT_TRUE(r.pages->options().fax_detector);
  EXPECT_EQ(resolve_fax_detector("auto", path("lines.ocrm")), path("lines_fax.ocrm"));
  EXPECT_EQ(resolve_fax_detector(path("lines.ocrm"), path("lines.ocrm")), "");
  EXPECT_EQ(resolve_fax_detector("auto", ""), "");
  o.model_dir.clear();

  o.models = path("missing.ocrm");
  EXPECT_THROW(load_reader(o), IoError);
}

// A model's own rereading threshold (eng_rough's is 0), else the default; a bad value names itself.
TEST(ModelRereadBelow, TheModelsOwnElseTheDefault) {
  EXPECT_EQ(model_reread_below({}), kDefaultRereadBelow);
  EXPECT_EQ(model_reread_below({{"lm_alpha", "0.25"}}), kDefaultRereadBelow);
  EXPECT_EQ(model_reread_below({{"reread_below", "0"}}), 0.0);
  EXPECT_EQ(model_reread_below({{"reread_below", "0.9"}}), 0.9);
  for (const char* bad : {"x", "1.5", "-0.1", "0.9x", ""}) {
    try {
      model_reread_below({{"reread_below", bad}});
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("reread_below"), std::string::npos) << e.what();
    }
  }
}

TEST(ModelRereadBelow, TheShippedFaxModelReadsEachLineOnce) {
  const auto rough = Model::load(std::string(OCR_SOURCE_DIR) + "/models/eng_rough.ocrm");
  EXPECT_EQ(model_reread_below(rough->metadata().extra), 0.0);
  const auto photo = Model::load(std::string(OCR_SOURCE_DIR) + "/models/eng_photo.ocrm");
  EXPECT_EQ(model_reread_below(photo->metadata().extra), kDefaultRereadBelow);
}

}  // namespace
}  // namespace ocr
