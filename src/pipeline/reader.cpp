#include "ocr/pipeline/reader.h"

#include <cstdlib>

#include "ocr/core/error.h"
#include "ocr/model/model.h"
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

Reader load_reader(const ReaderOptions& o) {
  Reader r;
  r.model_paths = resolve_models(o.models, o.model_dir);
  r.model_path = r.model_paths.front();
  std::vector<std::shared_ptr<const Model>> models;
  for (const auto& path : r.model_paths) models.push_back(Model::load(path));
  // The decoder is the first model's: its LM weights and confidence calibration apply to the fusion.
  const Model& first = *models.front();
  const DecoderOptions decoder_options = reader_decoder_options(o.decoder, r.model_path, first.metadata().extra);
  auto decoder = make_decoder(decoder_options, first.alphabet(), first.metadata().extra);
  try {
    r.lines = std::make_shared<LineRecognizer>(models, decoder);
  } catch (const Error& e) {
    std::string names;
    for (const auto& path : r.model_paths) names += (names.empty() ? "" : ", ") + path;
    throw Error("fusing " + names + ": " + e.what());
  }
  PageRecognizerOptions page = o.page;
  r.detector_path = resolve_detector(o.detector, o.model_dir);
  page.detector = r.detector_path.empty()
                      ? nullptr
                      : std::make_shared<TextLineDetector>(Model::load(r.detector_path, ModelKind::Detector));
  r.pages = std::make_unique<PageRecognizer>(r.lines, page);
  return r;
}

}  // namespace ocr
