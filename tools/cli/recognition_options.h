// The options that decide how an image is read (preprocessing, layout, decoder, LM), shared by
// `ocr recognize` and `ocr eval`, so evaluating a model measures exactly what recognize outputs.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ocr/pipeline/page_recognizer.h"
#include "ocr/pipeline/reader.h"

namespace ocr::cli {

struct RecognitionOptions {
  std::string model, model_dir;
  std::string layout = "auto";
  std::string detector = "auto";
  double dpi = 0;
  std::string rotate = "auto";
  std::string invert = "auto", contrast = "auto", denoise = "auto", binarize = "none";
  bool no_deskew = false, no_rescale = false, no_document = false;
  std::string fusion = "auto";
  std::string engines = "auto";
  std::string decoder = "beam";
  int beam_width = 0;
  std::string lm, lexicon, allow_chars, deny_chars;
  std::optional<float> lm_weight, word_bonus, oov_penalty;
  double min_confidence = 0;
  std::optional<double> reread_below;  // unset: each model's own (model_reread_below)
  std::optional<double> fuse_below;    // unset: ReaderOptions' default
};

// Registers --model, --layout, the preprocessing and the decoder options on cmd.
void add_recognition_options(CLI::App* cmd, RecognitionOptions& o);

PageRecognizerOptions page_options(const RecognitionOptions& o);

// The reader for these options (see ocr/pipeline/reader.h): the model (a file or a name from the
// search path, else $OCR_MODEL, else chosen per page by --engines), or every model of a
// '+'/','-separated list to fuse, and the first model's decoder (LM beside it).
Reader make_reader(const RecognitionOptions& o);

}  // namespace ocr::cli
