// What reads images for `ocr recognize` and `ocr eval`: the model (or the models fused), its
// decoder with the LM and word list beside it, the text-line detector, and the page recognizer
// over them, all found from what the user named.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ocr/ctc/beam_decoder.h"
#include "ocr/pipeline/line_recognizer.h"
#include "ocr/pipeline/page_recognizer.h"
#include "ocr/pipeline/scene_models.h"

namespace ocr {

// Unsure lines are read again at other widths below this confidence (RecognizerOptions): on the
// dev receipt photos word F1 74.8 -> 76.0 for 14 % more CPU per page; 0.98 gave 76.1 for 27 %.
// A model may set its own in its metadata ("reread_below"): eng_rough's is 0, faxes gained 0.1
// of word F1 for 14 % more time per page (model_reread_below).
inline constexpr double kDefaultRereadBelow = 0.95;
// --engines auto: lines a scene's model reads less surely than this are read by its fusion
// partners too (fusion_partner_names) and fused. Sixteenth session, the five dev line sets, with
// the partners reading at the width the scene's model read surest: 0.95 2 061 summed edits,
// 0.97 2 030, 0.98 2 025, 0.99 2 022; CPU against eng_gru alone (three interleaved rounds)
// 1.21x at 0.97, 1.24x at 0.98, about 1.4x at 0.99.
inline constexpr double kAutoFuseBelow = 0.97;

// The rereading threshold a model's metadata asks for, else kDefaultRereadBelow. Throws
// FormatError when the value is not a number in [0, 1].
double model_reread_below(const std::map<std::string, std::string>& model_extra);

struct ReaderOptions {
  std::string models;     // a file, a name or a '+'/','-separated list (resolve_models); "" = the default
  // Without models named here or in $OCR_MODEL: Auto reads each page with the model its scene
  // calls for (scene_models.h), All fuses every shipped model found. All with named models is
  // an error.
  Engines engines = Engines::Auto;
  std::string model_dir;  // searched first for names
  // lm_path and lexicon: "" = the ones beside the first model (default_lm_path,
  // default_lexicon_path), "none" = without.
  DecoderOptions decoder;
  // How several models are combined (resolve_fusion). Voting gives every model its own
  // decoder: the LM and word list beside the first model, each model's own LM weights and
  // confidence calibration.
  LineFusion fusion = LineFusion::Auto;
  // RecognizerOptions::reread_below of every model's recognizer; unset: each model's own
  // (model_reread_below).
  std::optional<double> reread_below;
  // RecognizerOptions::fuse_below of a reader of several models; unset: a named list fuses
  // every line, --engines auto its partners below kAutoFuseBelow.
  std::optional<double> fuse_below;
  std::string detector = "auto";  // a choice for resolve_detector
  // The cache of the automatic kernel choice (kernel_choice.h; "" = none: timed on first use)
  // and what identifies the build in its key, beside the CPU's model name.
  std::string kernel_cache;
  std::string build_id;
  PageRecognizerOptions page;     // its detector is the one `detector` names
};

// The decoder options a reader uses for a model: lm_path and lexicon "" become the ones beside
// the model. A word list the user names counts even where the tuner gave the shipped one no
// weight: without an OOV penalty of its own, it gets kDefaultOovPenalty when the model's
// lm_oov_penalty is missing or not positive.
DecoderOptions reader_decoder_options(DecoderOptions options, const std::string& model_path,
                                      const std::map<std::string, std::string>& model_extra);

struct Reader {
  std::string model_path;                // the first model (its decoder settings are used)
  std::vector<std::string> model_paths;  // every model fused, in order
  // --engines auto: the models chosen by scene (pages.options().choice is this); null otherwise.
  // model_paths then holds the default model, the one pages without a specialist read with.
  std::shared_ptr<const SceneModels> scenes;
  std::string detector_path;             // "": the heuristic layout
  // The models' line recognizer; null under --engines auto, where scenes->recognizer(model_path)
  // loads the default model when a page first needs it.
  std::shared_ptr<const LineRecognizer> lines;
  std::unique_ptr<PageRecognizer> pages;
};

// Loads the models and the detector and builds the decoder from the first model's metadata
// (voting: one decoder per model from its own metadata). Under --engines auto, specialists are
// loaded when a page first calls for them, each with the decoder built from its own metadata.
// Throws IoError for what cannot be found or read, Error naming the models when they cannot be
// fused.
Reader load_reader(const ReaderOptions& options);

}  // namespace ocr
