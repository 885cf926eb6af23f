#include "cli/recognition_options.h"

#include <cstdlib>

#include "ocr/core/error.h"
#include "ocr/ctc/beam_decoder.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/line_recognizer.h"
#include "ocr/pipeline/model_search.h"
#include "ocr/preprocess/preprocess.h"

namespace ocr::cli {

namespace {

Toggle parse_toggle(const std::string& s) {
  if (s == "auto") return Toggle::Auto;
  if (s == "yes" || s == "on") return Toggle::On;
  return Toggle::Off;
}

}  // namespace

void add_recognition_options(CLI::App* cmd, RecognitionOptions& o) {
  cmd->add_option("-m,--model,-l,--lang", o.model,
                  "model file, or a model name: NAME.ocrm in the search path (`ocr models` lists them); "
                  "default $OCR_MODEL, else eng. A list (eng+eng_rough, or a.ocrm,b.ocrm) reads every line "
                  "with each model and decodes the mean of their per-frame probabilities (the models must "
                  "share alphabet and input height); decoding then uses the first model's LM weights and "
                  "confidence calibration, and the LM and word list beside it");
  cmd->add_option("--model-dir", o.model_dir, "look for model names here first (also $OCR_MODEL_DIR)");
  cmd->add_option("--layout,--psm", o.layout,
                  "auto (page or single line), page (psm 3, 11), block (psm 4, 6), line (psm 7, 8, 13)")
      ->check(CLI::IsMember({"auto", "page", "block", "line", "3", "4", "6", "7", "8", "11", "13"}));
  cmd->add_option("--detector", o.detector,
                  "what finds the text lines of a page: auto (the learned detector lines.ocrm when the search "
                  "path has it, else heuristic), heuristic (connected-component layout), or a detector model "
                  "file or name")
      ->capture_default_str();
  cmd->add_option("--dpi", o.dpi, "input resolution (default: from the file, else estimated); PDF pages are rendered at it")
      ->check(CLI::Range(10.0, 4800.0));
  cmd->add_option("--rotate", o.rotate,
                  "page orientation: auto (turn pages scanned upside down or sideways), or turn every page "
                  "clockwise by 0, 90, 180 or 270 degrees")
      ->check(CLI::IsMember({"auto", "0", "90", "180", "270"}));
  cmd->add_option("--invert", o.invert, "light-on-dark text: auto (detect), yes, no")
      ->check(CLI::IsMember({"auto", "yes", "no"}));
  cmd->add_option("--contrast", o.contrast, "auto (flatten lighting + stretch), stretch, background, none")
      ->check(CLI::IsMember({"auto", "stretch", "background", "none"}));
  cmd->add_option("--denoise", o.denoise, "auto (median on speckled images), median, none")
      ->check(CLI::IsMember({"auto", "median", "none"}));
  cmd->add_option("--binarize", o.binarize, "none (default), otsu, sauvola")
      ->check(CLI::IsMember({"none", "otsu", "sauvola"}));
  cmd->add_flag("--no-deskew", o.no_deskew, "do not estimate and correct skew");
  cmd->add_flag("--no-document", o.no_document,
                "read the whole photo: do not look for a document on a darker background and cut it out");
  cmd->add_flag("--no-rescale", o.no_rescale, "do not rescale small or huge text");
  cmd->add_option("--decoder", o.decoder, "beam (default) or greedy")
      ->check(CLI::IsMember({"beam", "greedy"}));
  cmd->add_option("--beam-width", o.beam_width, "beam width")->check(CLI::PositiveNumber);
  cmd->add_option("--lm", o.lm, "character n-gram LM (ARPA); none to disable (default: eng.lm beside the model)");
  cmd->add_option("--lm-weight", o.lm_weight, "LM weight alpha");
  cmd->add_option("--word-bonus", o.word_bonus, "word insertion bonus beta");
  cmd->add_option("--lexicon", o.lexicon,
                  "word list to favour, one per line; none to disable (default: eng.words beside the model)");
  cmd->add_option("--oov-penalty", o.oov_penalty, "cost of a word outside the lexicon (natural log)");
  cmd->add_option("--allow-chars", o.allow_chars, "only these characters may be output");
  cmd->add_option("--deny-chars", o.deny_chars, "these characters are never output");
  cmd->add_option("--min-confidence", o.min_confidence,
                  "reject threshold: leave out words whose confidence (calibrated, 0..1: the chance "
                  "the word is right) is below this; 0 keeps every word (default)")
      ->check(CLI::Range(0.0, 1.0));
}

PageRecognizerOptions page_options(const RecognitionOptions& o) {
  PageRecognizerOptions po;
  po.layout.mode = parse_layout(o.layout);
  po.preprocess.invert = parse_toggle(o.invert);
  po.preprocess.contrast = o.contrast == "none"         ? ContrastMode::None
                           : o.contrast == "stretch"    ? ContrastMode::Stretch
                           : o.contrast == "background" ? ContrastMode::Background
                                                        : ContrastMode::Auto;
  po.preprocess.denoise = o.denoise == "none"     ? Denoise::None
                          : o.denoise == "median" ? Denoise::Median
                                                  : Denoise::Auto;
  po.preprocess.binarize = parse_binarization(o.binarize);
  po.preprocess.deskew = !o.no_deskew;
  po.preprocess.find_document = !o.no_document;
  po.preprocess.rescale = !o.no_rescale;
  po.preprocess.dpi = o.dpi;
  po.min_word_confidence = o.min_confidence;
  po.rotate = o.rotate == "auto" ? -1 : std::stoi(o.rotate);
  return po;
}

Reader make_reader(const RecognitionOptions& o) {
  Reader r;
  r.model_paths = resolve_models(o.model, o.model_dir);
  r.model_path = r.model_paths.front();
  std::vector<std::shared_ptr<const Model>> models;
  for (const auto& path : r.model_paths) models.push_back(Model::load(path));
  // The decoder is the first model's: its LM weights and confidence calibration apply to the fusion.
  const auto& model = models.front();
  DecoderOptions dopt;
  dopt.kind = o.decoder;
  if (o.beam_width > 0) dopt.beam_width = o.beam_width;
  dopt.lm_path = o.lm.empty() ? default_lm_path(r.model_path) : o.lm;
  dopt.alpha = o.lm_weight;
  dopt.beta = o.word_bonus;
  dopt.lexicon = o.lexicon.empty() ? default_lexicon_path(r.model_path) : o.lexicon;
  dopt.oov_penalty = o.oov_penalty;
  if (!o.lexicon.empty() && o.lexicon != "none" && !o.oov_penalty) {
    // A word list the user names must count even where the tuner gave the shipped one no weight.
    const auto& extra = model->metadata().extra;
    const auto it = extra.find("lm_oov_penalty");
    if (it == extra.end() || std::strtof(it->second.c_str(), nullptr) <= 0) dopt.oov_penalty = kDefaultOovPenalty;
  }
  dopt.allow_chars = o.allow_chars;
  dopt.deny_chars = o.deny_chars;
  auto decoder = make_decoder(dopt, model->alphabet(), model->metadata().extra);
  try {
    r.lines = std::make_shared<LineRecognizer>(models, decoder);
  } catch (const Error& e) {
    std::string names;
    for (const auto& path : r.model_paths) names += (names.empty() ? "" : ", ") + path;
    throw Error("fusing " + names + ": " + e.what());
  }
  PageRecognizerOptions po = page_options(o);
  r.detector_path = resolve_detector(o.detector, o.model_dir);
  if (!r.detector_path.empty())
    po.detector = std::make_shared<TextLineDetector>(Model::load(r.detector_path, ModelKind::Detector));
  r.pages = std::make_unique<PageRecognizer>(r.lines, po);
  return r;
}

}  // namespace ocr::cli
