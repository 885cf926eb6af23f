#include "ocr/pipeline/scene_models.h"

#include "ocr/core/error.h"
#include "ocr/core/log.h"

namespace ocr {

Engines parse_engines(const std::string& s) {
  if (s == "auto") return Engines::Auto;
  if (s == "all") return Engines::All;
  throw FormatError("--engines: '" + s + "' is neither auto nor all");
}

const char* scene_model_name(Scene scene) {
  switch (scene) {
    case Scene::Scan:
    case Scene::Screen: return "eng";
    case Scene::Fax: return "eng_rough";
    case Scene::Receipt:
    case Scene::Photo: return "eng_photo";
  }
  return "eng";
}

const std::vector<std::string>& shipped_model_names() {
  static const std::vector<std::string> names = {"eng", "eng_rough", "eng_photo"};
  return names;
}

SceneModels::SceneModels(std::string default_path, std::shared_ptr<const LineRecognizer> default_reader, Find find,
                         Load load)
    : default_path_(std::move(default_path)), find_(std::move(find)), load_(std::move(load)) {
  if (default_reader) loaded_.emplace_back(default_path_, std::move(default_reader));
}

std::string SceneModels::model_for(Scene scene) const {
  const std::string name = scene_model_name(scene);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [n, path] : found_)
    if (n == name) return path.empty() ? default_path_ : path;
  std::string path = find_ ? find_(name) : std::string();
  if (path.empty())
    log::debug("--engines auto: no model {} for {} images; they are read with {}", name, scene_name(scene),
               default_path_);
  found_.emplace_back(name, path);
  return path.empty() ? default_path_ : path;
}

std::string SceneModels::choose(const cv::Mat& image, PreparedPage& page) const {
  const Scene scene = page.scene ? *page.scene : classify_scene(image, page.pre);
  std::string path = model_for(scene);
  page.page.scene = scene_name(scene);
  page.page.models = {path};
  log::debug("{}: page {}: {}, read with {}", page.page.source, page.page.page_index + 1, scene_name(scene), path);
  return path;
}

std::shared_ptr<const LineRecognizer> SceneModels::recognizer(const std::string& path) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [p, r] : loaded_)
      if (p == path) return r;
  }
  // Loaded outside the lock (a model takes a moment); two threads may both load it, one is kept.
  std::shared_ptr<const LineRecognizer> r = load_(path);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [p, kept] : loaded_)
    if (p == path) return kept;
  loaded_.emplace_back(path, r);
  return r;
}

bool SceneModels::loaded(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [p, r] : loaded_)
    if (p == path) return true;
  return false;
}

LineReader SceneModels::reader(const std::string& path) const {
  std::shared_ptr<const LineRecognizer> r = recognizer(path);
  return [r](const std::vector<cv::Mat>& lines) { return r->recognize(lines); };
}

}  // namespace ocr
