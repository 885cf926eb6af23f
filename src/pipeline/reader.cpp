#include "ocr/pipeline/reader.h"

#include <cstdlib>
#include <map>
#include <mutex>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/kernel_choice.h"
#include "ocr/pipeline/model_search.h"

namespace ocr {

DecoderOptions reader_decoder_options(DecoderOptions o, const std::string& model_path,
                                      const std::map<std::string, std::string>& extra) {
  const bool named_lexicon = !o.lexicon.empty() && o.lexicon != "none";
  if (o.lm_path.empty()) o.lm_path = default_lm_path(model_path);
  if (o.lexicon.empty()) o.lexicon = default_lexicon_path(model_path);
  if (named_lexicon && !o.oov_penalty) {
    const auto it = extra.find("lm_oov_penalty");
    if (it == extra.end() || std::strtof(it->second.c_str(), nullptr) <= 0) o.oov_penalty = kDefaultOovPenalty;
  }
  return o;
}

namespace {

// What --engines auto's recognizers (one per scene model, each with its fusion partners) load
// once and share: the models, and the LM and word list. Each had loaded its own: a form set
// whose lines went to three scene models held 9 models and 3 LMs (215 MB against eng_gru's
// 87 MB), and the memory a process first touches costs system time on each run.
struct SharedLoads {
  std::mutex mutex;  // held through a load: scenes may be first met on two threads at once
  std::map<std::string, std::shared_ptr<const NetworkPool>> models;  // by file: the model and its networks
  DecoderFiles files;
};

// The line recognizer of models read together (one, or several fused).
// partners_optional: the models after the first (--engines auto's fusion partners, --engines
// all's other shipped models) are left out of `paths` (said at debug level) when they cannot be
// fused with it on posteriors under posterior fusion, e.g. a user's own model of a shipped name
// with another alphabet beside the shipped models (consensus and vote read it).
// shared: models, LM and word list loaded before by other recognizers (null: all loaded here).
std::shared_ptr<const LineRecognizer> load_line_recognizer(const ReaderOptions& o, std::vector<std::string>& paths,
                                                           bool partners_optional = false,
                                                           SharedLoads* shared = nullptr) {
  std::unique_lock<std::mutex> lock;
  if (shared) lock = std::unique_lock<std::mutex>(shared->mutex);
  auto load = [&](const std::string& path) -> std::shared_ptr<const NetworkPool> {
    if (!shared) return std::make_shared<NetworkPool>(Model::load(path));
    auto [it, inserted] = shared->models.try_emplace(path);
    if (inserted) {
      try {
        it->second = std::make_shared<NetworkPool>(Model::load(path));
      } catch (...) {
        shared->models.erase(it);
        throw;
      }
    }
    return it->second;
  };
  std::vector<std::shared_ptr<const Model>> models;
  std::vector<std::shared_ptr<const NetworkPool>> pools;
  for (size_t i = 0; i < paths.size();) {
    std::shared_ptr<const NetworkPool> pool = load(paths[i]);
    std::string why;
    if (partners_optional && i > 0 && resolve_fusion(o.fusion) == LineFusion::Posterior &&
        !can_fuse(*models.front(), *pool->model(), &why)) {
      log::debug("{} is not fused with {}: {}", paths[i], paths.front(), why);
      paths.erase(paths.begin() + long(i));
      continue;
    }
    models.push_back(pool->model());
    pools.push_back(std::move(pool));
    ++i;
  }
  // Posterior fusion decodes with the first model's decoder: its LM weights and confidence
  // calibration apply to the fusion. Voting and consensus decode each model with its own weights
  // and calibration too (so the confidences they weigh with are each model's calibrated ones),
  // with the LM and word list beside the first model.
  const bool own_decoders = resolve_fusion(o.fusion) != LineFusion::Posterior && models.size() > 1;
  std::vector<std::shared_ptr<const Decoder>> decoders;
  DecoderFiles own_files;  // one LM and word list for them all
  DecoderFiles& files = shared ? shared->files : own_files;
  for (size_t i = 0; i < (own_decoders ? models.size() : 1); ++i) {
    const auto& extra = models[i]->metadata().extra;
    decoders.push_back(make_decoder(reader_decoder_options(o.decoder, paths.front(), extra), models[i]->alphabet(),
                                    extra, &files));
  }
  RecognizerOptions line_options;
  line_options.fusion = o.fusion;
  line_options.reread_below = o.reread_below ? *o.reread_below : model_reread_below(models.front()->metadata().extra);
  if (o.fuse_below) line_options.fuse_below = *o.fuse_below;
  try {
    return std::make_shared<LineRecognizer>(models, decoders, line_options, pools);
  } catch (const Error& e) {
    std::string names;
    for (const auto& path : paths) names += (names.empty() ? "" : ", ") + path;
    throw Error("fusing " + names + ": " + e.what());
  }
}

}  // namespace

double model_reread_below(const std::map<std::string, std::string>& model_extra) {
  const auto it = model_extra.find("reread_below");
  if (it == model_extra.end()) return kDefaultRereadBelow;
  try {
    size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used == it->second.size() && v >= 0 && v <= 1) return v;
  } catch (const std::exception&) {
  }
  throw FormatError("model metadata reread_below '" + it->second + "' is not a number in [0, 1]");
}

Reader load_reader(const ReaderOptions& o) {
  if (!o.kernel_cache.empty()) {
    const KernelDecision k = choose_inference_kernel(o.kernel_cache, cpu_model_name() + " | " + o.build_id);
    log::debug("inference kernel: {} ({})", precision_name(k.precision), k.why);
  }
  Reader r;
  // Models named on the command line or in $OCR_MODEL are read with as they are.
  const bool named = !o.models.empty() || std::getenv("OCR_MODEL") != nullptr;
  if (o.engines == Engines::All) {
    if (!o.models.empty())
      throw Error("--engines all fuses the shipped models; it cannot go with the models -l/--model names (" +
                  o.models + ")");
    for (const std::string& name : shipped_model_names()) {
      try {
        r.model_paths.push_back(resolve_model(name, o.model_dir));
      } catch (const IoError& e) {
        log::debug("--engines all: {} left out: {}", name, e.what());
      }
    }
    if (r.model_paths.empty()) r.model_paths.push_back(default_model_path(o.model_dir));
  } else {
    r.model_paths = resolve_models(o.models, o.model_dir);
  }
  r.model_path = r.model_paths.front();
  PageRecognizerOptions page = o.page;
  const bool by_scene = o.engines == Engines::Auto && !named;
  if (!by_scene) r.lines = load_line_recognizer(o, r.model_paths, o.engines == Engines::All);
  if (by_scene) {
    const std::string model_dir = o.model_dir;
    auto find = [model_dir](const std::string& name) {
      try {
        return resolve_model(name, model_dir);
      } catch (const IoError&) {
        return std::string();
      }
    };
    auto shared = std::make_shared<SharedLoads>();
    auto load = [o, shared](std::vector<std::string>& paths) {
      ReaderOptions gated = o;
      if (!gated.fuse_below) gated.fuse_below = kAutoFuseBelow;
      return load_line_recognizer(gated, paths, true, shared.get());
    };
    // The default model too is loaded when a page first needs it: a form or a photo reads with
    // its specialist alone (a form page: 0.41 against 0.45 s, 88 against 98 MB).
    r.scenes = std::make_shared<SceneModels>(r.model_path, nullptr, find, load);
    page.choice = r.scenes;
  }
  r.detector_path = resolve_detector(o.detector, o.model_dir);
  page.detector = r.detector_path.empty()
                      ? nullptr
                      : std::make_shared<TextLineDetector>(Model::load(r.detector_path, ModelKind::Detector));
  const std::string fax_detector = resolve_fax_detector(o.detector, r.detector_path);
  if (!fax_detector.empty())
    page.fax_detector = std::make_shared<TextLineDetector>(Model::load(fax_detector, ModelKind::Detector));
  if (r.lines) {
    r.pages = std::make_unique<PageRecognizer>(r.lines, page);
  } else {
    const std::shared_ptr<const SceneModels> scenes = r.scenes;
    const std::string default_path = r.model_path;
    LineReader read_default = [scenes, default_path](const std::vector<cv::Mat>& lines) {
      return scenes->recognizer(default_path)->recognize(lines);
    };
    r.pages = std::make_unique<PageRecognizer>(std::move(read_default), page);
  }
  return r;
}

}  // namespace ocr
