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
  // Posterior fusion decodes with the first model's decoder: its LM weights and confidence
  // calibration apply to the fusion. Voting decodes each model with its own weights and
  // calibration (so the confidences it votes with are each model's calibrated ones), with the
  // LM and word list beside the first model.
  const bool vote = resolve_fusion(o.fusion, models.size()) == LineFusion::Vote && models.size() > 1;
  std::vector<std::shared_ptr<const Decoder>> decoders;
  for (size_t i = 0; i < (vote ? models.size() : 1); ++i) {
    const auto& extra = models[i]->metadata().extra;
    decoders.push_back(
        make_decoder(reader_decoder_options(o.decoder, r.model_path, extra), models[i]->alphabet(), extra));
  }
  RecognizerOptions line_options;
  line_options.fusion = o.fusion;
  try {
    r.lines = std::make_shared<LineRecognizer>(models, decoders, line_options);
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
