#include "ocr/pipeline/scene_models.h"

#include <algorithm>

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
    case Scene::Fax: return "eng_mix";
    case Scene::Receipt:
    case Scene::Photo: return "eng_photo";
  }
  return "eng";
}

const std::vector<std::string>& shipped_model_names() {
  // The first leads the fusion (its decoder, calibration and rereading threshold): eng_photo
  // rereads unsure lines, which photos need; eng, surely wrong on forms, last. On the five dev
  // line sets, consensus: 2 094 edits in this order, 2 225 with eng first. eng_gru (another net)
  // second: 2 046 with the four recognizers against 2 049 with it fourth. eng_deep (a third net)
  // fifth: 2 030, with or without eng after it; 2 034 with it third (fourteenth session).
  // eng_hres (a fourth net) sixth: 1 995 against 2 002, the same with it last (seventeenth).
  // eng_h48 (eng_gru's net on 48-px lines) seventh: 1 959 against 1 967 (twenty-fourth).
  static const std::vector<std::string> names = {"eng_photo", "eng_gru", "eng_mix", "eng_rough",
                                                 "eng_deep",  "eng_hres", "eng_h48", "eng"};
  return names;
}

const std::vector<std::string>& fusion_partner_names(const std::string& model_name) {
  // The specialists, eng_mix (another lineage) and eng_gru (another net) err differently, so each
  // is fused with the others. eng reads clean scans, where it errs least and is sure; the lines it
  // is unsure of are mostly a form's or a photo's that the scene check called a scan, which eng
  // alone reads worst: eng_gru and eng_rough reread them (fifteenth session, the five dev line
  // sets under auto: 2 091 summed edits with eng alone, 2 063 with them; eng_gru and eng_mix 2 068).
  static const std::vector<std::string> none, general = {"eng_gru", "eng_rough"},
                                              rough = {"eng_gru", "eng_mix"},
                                              photo = {"eng_gru", "eng_mix"},
                                              mix = {"eng_gru", "eng_rough"},
                                              gru = {"eng_photo", "eng_mix"};
  if (model_name == "eng") return general;
  if (model_name == "eng_rough") return rough;
  if (model_name == "eng_photo") return photo;
  if (model_name == "eng_mix") return mix;
  if (model_name == "eng_gru") return gru;
  return none;
}

SceneModels::SceneModels(std::string default_path, std::shared_ptr<const LineRecognizer> default_reader, Find find,
                         Load load)
    : default_path_(std::move(default_path)), find_(std::move(find)), load_(std::move(load)) {
  if (default_reader) loaded_.emplace(default_path_, std::move(default_reader));
}

std::string SceneModels::find_once(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = found_.find(name); it != found_.end()) return it->second;
  std::string path = find_ ? find_(name) : std::string();
  if (path.empty()) log::debug("--engines auto: no model {} in the search path", name);
  found_.emplace(name, path);
  return path;
}

std::vector<std::string> SceneModels::members_locked(const std::string& path) const {
  auto it = members_.find(path);
  return it == members_.end() ? std::vector<std::string>{path} : it->second;
}

std::string SceneModels::model_for(Scene scene) const { return models_for(scene).front(); }

std::vector<std::string> SceneModels::models_for(Scene scene) const {
  // The scene's model leads (its decoder reads the fusion, its confidence gates it); when it is
  // missing, the first of its partners found does, else the first other specialist found.
  const std::string name = scene_model_name(scene);
  std::vector<std::string> paths;
  if (std::string p = find_once(name); !p.empty()) paths.push_back(p);
  for (const std::string& partner : fusion_partner_names(name))
    if (std::string p = find_once(partner); !p.empty() && std::find(paths.begin(), paths.end(), p) == paths.end())
      paths.push_back(p);
  // A specialist's scene, none of them found: another specialist reads alone (eng is surely wrong
  // on faxes and photos). A scan's, none found: the default model.
  const bool specialist = name != scene_model_name(Scene::Scan);
  if (paths.empty() && specialist)
    for (const char* other : {"eng_rough", "eng_mix", "eng_photo", "eng_gru"})
      if (std::string p = find_once(other); !p.empty()) {
        paths.push_back(p);
        break;
      }
  if (paths.empty()) return {default_path_};
  const std::string& path = paths.front();
  std::lock_guard<std::mutex> lock(mutex_);
  members_.emplace(path, paths);  // kept as it is when known: loading may have left partners out
  return members_locked(path);
}

std::string SceneModels::choose(const cv::Mat& image, PreparedPage& page) const {
  const Scene scene = page.scene ? *page.scene : classify_scene(image, page.pre);
  std::vector<std::string> paths = models_for(scene);
  recognizer(paths.front());  // the page needs it now; its loading settles which partners fuse
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paths = members_locked(paths.front());
  }
  page.page.scene = scene_name(scene);
  page.page.models = paths;
  log::debug("{}: page {}: {}, read with {} ({} fusion partners for its unsure lines)", page.page.source,
             page.page.page_index + 1, scene_name(scene), paths.front(), paths.size() - 1);
  return paths.front();
}

std::shared_ptr<const LineRecognizer> SceneModels::recognizer(const std::string& path) const {
  std::vector<std::string> paths;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = loaded_.find(path); it != loaded_.end()) return it->second;
    paths = members_locked(path);
  }
  // Loaded outside the lock (a model takes a moment); two threads may both load it, one is kept.
  std::shared_ptr<const LineRecognizer> r = load_(paths);
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = members_.find(path); it != members_.end()) it->second = paths;
  return loaded_.emplace(path, r).first->second;
}

bool SceneModels::loaded(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return loaded_.count(path) > 0;
}

LineReader SceneModels::reader(const std::string& path) const {
  std::shared_ptr<const LineRecognizer> r = recognizer(path);
  return [r](const std::vector<cv::Mat>& lines) { return r->recognize(lines); };
}

}  // namespace ocr
