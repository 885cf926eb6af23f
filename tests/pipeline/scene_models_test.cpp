#include "ocr/pipeline/scene_models.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "common/scoped_env.h"
#include "eval/temp_tree.h"
#include "fake_reader.h"
#include "ocr/core/error.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/reader.h"

namespace ocr {
namespace {

// A line as a phone photographs a receipt: grey paper, uneven light, soft grey print, grain.
cv::Mat photo_line() {
  cv::Mat line(40, 320, CV_32F);
  for (int x = 0; x < line.cols; ++x) line.col(x).setTo(cv::Scalar(190 - x / 8.0));
  cv::putText(line, "TOTAL 12.50", {10, 30}, cv::FONT_HERSHEY_SIMPLEX, 0.9, cv::Scalar(70), 2, cv::LINE_AA);
  cv::GaussianBlur(line, line, {0, 0}, 1.2);
  cv::Mat noise(line.size(), CV_32F);
  cv::RNG(7).fill(noise, cv::RNG::NORMAL, 0, 6);
  cv::Mat out;
  cv::Mat(line + noise).convertTo(out, CV_8U);
  return out;
}

// A line of a binary book scan at 300 dpi: black on white, nothing between.
cv::Mat scan_line() {
  cv::Mat line(60, 600, CV_8UC1, cv::Scalar(255));
  cv::putText(line, "The quick brown fox", {10, 45}, cv::FONT_HERSHEY_SIMPLEX, 1.4, cv::Scalar(0), 3, cv::LINE_8);
  return line;
}

TEST(SceneModels, EachSceneHasAShippedModel) {
  EXPECT_STREQ(scene_model_name(Scene::Scan), "eng");
  EXPECT_STREQ(scene_model_name(Scene::Screen), "eng");
  EXPECT_STREQ(scene_model_name(Scene::Fax), "eng_mix");
  EXPECT_STREQ(scene_model_name(Scene::Receipt), "eng_photo");
  EXPECT_STREQ(scene_model_name(Scene::Photo), "eng_photo");
  for (Scene s : {Scene::Scan, Scene::Fax, Scene::Receipt, Scene::Photo, Scene::Screen}) {
    const auto& names = shipped_model_names();
    EXPECT_NE(std::find(names.begin(), names.end(), scene_model_name(s)), names.end());
  }
  EXPECT_EQ(parse_engines("auto"), Engines::Auto);
  EXPECT_EQ(parse_engines("all"), Engines::All);
  EXPECT_THROW(parse_engines("some"), FormatError);
  // Each of eng, eng_rough, eng_photo and eng_mix with eng_gru (another net) and one more of
  // another lineage or kind.
  EXPECT_EQ(fusion_partner_names("eng"), (std::vector<std::string>{"eng_gru", "eng_rough"}));
  EXPECT_EQ(fusion_partner_names("eng_rough"), (std::vector<std::string>{"eng_gru", "eng_mix"}));
  EXPECT_EQ(fusion_partner_names("eng_photo"), (std::vector<std::string>{"eng_gru", "eng_mix"}));
  EXPECT_EQ(fusion_partner_names("eng_mix"), (std::vector<std::string>{"eng_gru", "eng_rough"}));
  EXPECT_EQ(fusion_partner_names("eng_gru"), (std::vector<std::string>{"eng_photo", "eng_mix"}));
}

class SceneModelsTest : public test::TempTree {
 protected:
  void SetUp() override {
    make_root("ocr_scene_models_");
  }
  void recognizer(const std::string& name) {
    Model("C3,3,4 Mp2,2 Col O", Alphabet(U" ab"), 16, 1).save(path(name));
  }
  ReaderOptions options() {
    ReaderOptions o;
    o.model_dir = root_.string();
    o.decoder.kind = "greedy";
    o.decoder.lm_path = o.decoder.lexicon = "none";
    o.detector = "heuristic";
    o.page.layout.mode = LayoutMode::Line;
    o.page.rotate = 0;
    return o;
  }
  test::ScopedUnsetEnv env_{"OCR_MODEL", "OCR_LM", "OCR_LEXICON"};
};

// Under auto, a phone photo's line goes to eng_photo and a scanned line to eng, each named in
// the page's result; the specialist is loaded only when a page needs it.
TEST_F(SceneModelsTest, AutoReadsEachPageWithTheModelItsSceneCallsFor) {
  recognizer("eng.ocrm");
  recognizer("eng_photo.ocrm");
  recognizer("eng_gru.ocrm");
  recognizer("eng_rough.ocrm");  // a partner of eng, not of eng_photo
  // A partner that reads other labels cannot be fused on posteriors: it is left out, not an
  // error (by consensus it gives its own reading: AFusionPartnerOfAnotherAlphabetGivesItsReading).
  Model("C3,3,4 Mp2,2 Col O", Alphabet(U" abc"), 16, 1).save(path("eng_mix.ocrm"));
  ReaderOptions posterior = options();
  posterior.fusion = LineFusion::Posterior;
  Reader r = load_reader(posterior);
  ASSERT_TRUE(r.scenes);
  EXPECT_EQ(r.model_paths, std::vector<std::string>{path("eng.ocrm")});
  EXPECT_EQ(r.pages->options().choice, r.scenes);
  EXPECT_FALSE(r.lines);  // not even the default model is loaded before a page needs it
  EXPECT_FALSE(r.scenes->loaded(path("eng.ocrm")));

  const PageResult photo = r.pages->recognize(photo_line(), "photo.png");
  EXPECT_EQ(photo.scene, "photo");
  // eng_photo with the fusion partner it can fuse.
  EXPECT_EQ(photo.models, (std::vector<std::string>{path("eng_photo.ocrm"), path("eng_gru.ocrm")}));
  EXPECT_TRUE(r.scenes->loaded(path("eng_photo.ocrm")));
  EXPECT_EQ(r.scenes->recognizer(path("eng_photo.ocrm"))->model_count(), 2);
  EXPECT_FALSE(r.scenes->loaded(path("eng.ocrm")));  // a photo read with its specialist alone
  const PageResult scan = r.pages->recognize(scan_line(), "scan.png");
  EXPECT_EQ(scan.scene, "scan");
  const std::vector<std::string> scan_models = {path("eng.ocrm"), path("eng_gru.ocrm"), path("eng_rough.ocrm")};
  EXPECT_EQ(scan.models, scan_models);

  // A batch: both pages read, each by its own model.
  const std::vector<cv::Mat> images = {scan_line(), photo_line(), scan_line()};
  auto out = r.pages->recognize_pages(
      3, [&](int k) { return std::optional<PageSource>(PageSource{images[size_t(k)], "p" + std::to_string(k)}); }, 1);
  ASSERT_EQ(out.size(), 3u);
  for (const auto& o : out) ASSERT_TRUE(o.result) << o.error;
  EXPECT_EQ(out[0].result->models, scan_models);
  EXPECT_EQ(out[1].result->models, (std::vector<std::string>{path("eng_photo.ocrm"), path("eng_gru.ocrm")}));
  EXPECT_EQ(out[2].result->models, scan_models);
}

// By consensus (auto's default) a partner of another alphabet and line height reads the lines its
// scene's model is unsure of, at its own height, and gives its own reading.
TEST_F(SceneModelsTest, AFusionPartnerOfAnotherAlphabetGivesItsReading) {
  recognizer("eng.ocrm");
  recognizer("eng_photo.ocrm");
  recognizer("eng_gru.ocrm");
  recognizer("eng_rough.ocrm");
  Model("C3,3,4 Mp2,2 Col O", Alphabet(U" abc"), 16, 1).save(path("eng_mix.ocrm"));
  Reader r = load_reader(options());
  ASSERT_TRUE(r.scenes);
  const PageResult photo = r.pages->recognize(photo_line(), "photo.png");
  EXPECT_EQ(photo.scene, "photo");
  EXPECT_EQ(photo.models,
            (std::vector<std::string>{path("eng_photo.ocrm"), path("eng_gru.ocrm"), path("eng_mix.ocrm")}));
  EXPECT_EQ(r.scenes->recognizer(path("eng_photo.ocrm"))->model_count(), 3);
  const PageResult scan = r.pages->recognize(scan_line(), "scan.png");
  EXPECT_EQ(scan.models, (std::vector<std::string>{path("eng.ocrm"), path("eng_gru.ocrm"), path("eng_rough.ocrm")}));
}

// Models named by the user (-l, --model, $OCR_MODEL) read every page, whatever its scene.
TEST_F(SceneModelsTest, NamedModelsOverrideTheSceneChoice) {
  recognizer("eng.ocrm");
  recognizer("eng_photo.ocrm");
  ReaderOptions o = options();
  o.models = "eng";
  Reader r = load_reader(o);
  EXPECT_FALSE(r.scenes);
  EXPECT_FALSE(r.pages->options().choice);
  const PageResult photo = r.pages->recognize(photo_line(), "photo.png");
  EXPECT_EQ(photo.scene, "");
  EXPECT_TRUE(photo.models.empty());

  setenv("OCR_MODEL", path("eng.ocrm").c_str(), 1);
  EXPECT_FALSE(load_reader(options()).scenes);
  unsetenv("OCR_MODEL");
}

// A scene whose specialist is missing reads with the first of its partners found, else with another
// specialist, else with the default model.
TEST_F(SceneModelsTest, AMissingSpecialistFallsBackToTheDefault) {
  recognizer("eng.ocrm");
  recognizer("eng_photo.ocrm");
  ReaderOptions o = options();
  const auto default_reader = std::make_shared<const LineRecognizer>(Model::load(path("eng.ocrm")));
  int loads = 0;
  SceneModels scenes(
      path("eng.ocrm"), default_reader,
      [&](const std::string& name) { return name == "eng_photo" ? path("eng_photo.ocrm") : std::string(); },
      [&](std::vector<std::string>& files) {
        ++loads;
        EXPECT_EQ(files.size(), 1u) << "no partner of eng_photo is found";
        return std::make_shared<LineRecognizer>(Model::load(files.front()));
      });
  EXPECT_EQ(scenes.model_for(Scene::Scan), path("eng.ocrm"));
  // eng_mix and its partners (eng_gru, eng_rough) missing: a fax is read by the specialist found.
  EXPECT_EQ(scenes.model_for(Scene::Fax), path("eng_photo.ocrm"));
  EXPECT_EQ(scenes.model_for(Scene::Receipt), path("eng_photo.ocrm"));
  EXPECT_EQ(scenes.model_for(Scene::Photo), path("eng_photo.ocrm"));
  EXPECT_EQ(loads, 0);  // nothing loaded before a page asks
  EXPECT_EQ(scenes.recognizer(path("eng.ocrm")), default_reader);
  const auto photo = scenes.recognizer(path("eng_photo.ocrm"));
  EXPECT_EQ(scenes.recognizer(path("eng_photo.ocrm")), photo);
  EXPECT_EQ(loads, 1);  // once
  EXPECT_EQ(scenes.reader(path("eng_photo.ocrm"))({scan_line()}).size(), 1u);

  // A specialist that cannot be read fails where a page needs it, naming the file.
  std::ofstream(path("eng_rough.ocrm")) << "not a model";
  SceneModels bad(path("eng.ocrm"), default_reader, [&](const std::string&) { return path("eng_rough.ocrm"); },
                  [&](std::vector<std::string>& files) {
                    return std::make_shared<LineRecognizer>(Model::load(files.front()));
                  });
  try {
    bad.reader(bad.model_for(Scene::Fax));
    ADD_FAILURE() << "a broken model was loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("eng_rough.ocrm"), std::string::npos) << e.what();
  }
}

// --engines all fuses every shipped model found; it cannot go with named models.
TEST_F(SceneModelsTest, AllFusesTheShippedModels) {
  recognizer("eng.ocrm");
  recognizer("eng_rough.ocrm");
  recognizer("eng_photo.ocrm");
  // Another alphabet and height: not fusable on posteriors, so left out of a posterior fusion
  // (with the source tree's eng_gru and eng_deep, whose nets differ from these test models').
  Model("C3,3,4 Mp2,2 Col O", Alphabet(U" abc"), 16, 1).save(path("eng_mix.ocrm"));
  ReaderOptions o = options();
  o.engines = Engines::All;
  o.fusion = LineFusion::Posterior;
  Reader r = load_reader(o);
  EXPECT_FALSE(r.scenes);
  EXPECT_EQ(r.model_paths,
            (std::vector<std::string>{path("eng_photo.ocrm"), path("eng_rough.ocrm"), path("eng.ocrm")}));
  EXPECT_EQ(r.lines->model_count(), 3);
  EXPECT_EQ(r.lines->fusion(), LineFusion::Posterior);
  // By consensus (the default) every shipped model found reads, each giving its own reading.
  o.fusion = LineFusion::Auto;
  r = load_reader(o);
  EXPECT_EQ(r.lines->fusion(), LineFusion::Consensus);
  EXPECT_EQ(r.model_paths.front(), path("eng_photo.ocrm"));
  EXPECT_NE(std::find(r.model_paths.begin(), r.model_paths.end(), path("eng_mix.ocrm")), r.model_paths.end());
  EXPECT_EQ(r.lines->model_count(), int(r.model_paths.size()));
  o.models = "eng";
  EXPECT_THROW(load_reader(o), Error);
}

// Pages are read in one call per reader, each page's lines by its own reader.
TEST(PageReaderChoice, BatchesPoolLinesByReader) {
  struct ByWidth : PageReaderChoice {
    mutable int calls_a = 0, calls_b = 0;
    std::string choose(const cv::Mat& image, PreparedPage& page) const override {
      page.page.scene = image.cols > 400 ? "wide" : "narrow";
      return image.cols > 400 ? "b" : "a";
    }
    LineReader reader(const std::string& key) const override {
      return [this, key](const std::vector<cv::Mat>& lines) {
        ++(key == "a" ? calls_a : calls_b);
        std::vector<RecognizedLine> out;
        for (const auto& l : lines) {
          RecognizedLine r = test::fake_read(l);
          r.text = key;
          r.chars = {{key, 0, l.cols, 0.9f}};
          out.push_back(r);
        }
        return out;
      };
    }
  };
  auto choice = std::make_shared<ByWidth>();
  PageRecognizerOptions o;
  o.layout.mode = LayoutMode::Line;
  o.rotate = 0;
  o.choice = choice;
  PageRecognizer pages(test::fake_reader(), o);
  const std::vector<cv::Mat> images = {scan_line(), photo_line(), scan_line(), photo_line()};
  auto out = pages.recognize_pages(
      4, [&](int k) { return std::optional<PageSource>(PageSource{images[size_t(k)], "p"}); }, 1);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(choice->calls_a, 1);
  EXPECT_EQ(choice->calls_b, 1);
  for (size_t k = 0; k < 4; ++k) {
    ASSERT_TRUE(out[k].result) << out[k].error;
    EXPECT_EQ(out[k].result->text(), std::string(images[k].cols > 400 ? "b" : "a") + "\n");
    EXPECT_EQ(out[k].result->scene, images[k].cols > 400 ? "wide" : "narrow");
  }
}

}  // namespace
}  // namespace ocr
