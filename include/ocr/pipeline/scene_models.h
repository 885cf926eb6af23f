// `--engines auto`: each page (each line image with --layout line) is read with the model its
// scene calls for (preprocess/scene.h): a clean scan or a screenshot with the default model, a
// fax with eng_mix, a receipt or a phone photo with eng_photo; the lines the specialist reads
// unsurely are read by its fusion partners too, and their readings combined. Specialists are
// found by name in the model search path and loaded once, when a page first needs them.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ocr/pipeline/line_recognizer.h"
#include "ocr/pipeline/page_recognizer.h"
#include "ocr/preprocess/scene.h"

namespace ocr {

// Which models read a page when the user names none (-l/--model, $OCR_MODEL): auto, the one its
// scene calls for; all, every shipped recognizer model, fused.
enum class Engines { Auto, All };
// "auto" or "all"; FormatError naming the value otherwise.
Engines parse_engines(const std::string& s);

// The model name a scene reads with under --engines auto. Receipts read with eng_photo: on the
// lines of the shared dev sets classed receipts (scanned and photographed thermal print, 293) it
// made 97 edits against eng_rough's 105 and eng's 156.
const char* scene_model_name(Scene scene);

// The shipped recognizer models, by name, in the order --engines all fuses them.
const std::vector<std::string>& shipped_model_names();

// The models --engines auto fuses with a scene's model on the lines it reads unsurely
// (kAutoFuseBelow in reader.h), by name; those missing from the search path are left out.
const std::vector<std::string>& fusion_partner_names(const std::string& model_name);

// Chooses each page's model by its scene and reads its lines with it.
class SceneModels : public PageReaderChoice {
 public:
  // find: the file of a model name, "" when there is none (the search path, in load_reader).
  // load: the line recognizer of model files, the scene's model first and its fusion partners
  // after it (it may throw; the error names the file); it leaves out of `paths` the partners it
  // could not fuse.
  using Find = std::function<std::string(const std::string& name)>;
  using Load = std::function<std::shared_ptr<const LineRecognizer>(std::vector<std::string>& paths)>;
  // default_path/default_reader: what pages read with when their specialist is missing; a null
  // default_reader is loaded like the specialists, when a page first needs it.
  SceneModels(std::string default_path, std::shared_ptr<const LineRecognizer> default_reader, Find find,
              Load load);

  // The model files a scene reads with: its specialist, else the first of its fusion partners
  // found (fusion_partner_names), else the default; then its partners found.
  std::vector<std::string> models_for(Scene scene) const;
  // The first of them: the model that reads every line of the scene's pages.
  std::string model_for(Scene scene) const;
  // Classifies the page (its image as decoded and its preprocessing), sets its scene and model
  // in page.page and returns the model file.
  std::string choose(const cv::Mat& image, PreparedPage& page) const override;
  // The line reader of a model file choose() returned (loaded on first use; safe from threads).
  LineReader reader(const std::string& path) const override;
  // The recognizer of a model file, loaded on first use.
  std::shared_ptr<const LineRecognizer> recognizer(const std::string& path) const;
  // Whether the model file's recognizer has been loaded.
  bool loaded(const std::string& path) const;

 private:
  std::string default_path_;
  Find find_;
  Load load_;
  mutable std::mutex mutex_;
  // The file of a name ("" = missing), found once.
  std::string find_once(const std::string& name) const;
  // Model files by name as found ("" = missing), each scene model's file with its partners'
  // files, and recognizers by file, filled as pages ask.
  mutable std::map<std::string, std::string> found_;
  mutable std::map<std::string, std::vector<std::string>> members_;
  mutable std::map<std::string, std::shared_ptr<const LineRecognizer>> loaded_;
  // The files a scene model's file is read with: {path} until models_for names its partners
  // (mutex_ held).
  std::vector<std::string> members_locked(const std::string& path) const;
};

}  // namespace ocr
