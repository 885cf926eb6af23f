// Finding models by name, as Tesseract finds eng.traineddata: `ocr recognize -l mine` reads
// mine.ocrm from the first folder of the search path that has it.
#pragma once
#include <string>
#include <vector>

namespace ocr {

// Folders searched for NAME.ocrm, in order: extra_dir (--model-dir) if given, $OCR_MODEL_DIR
// (':'-separated), $XDG_DATA_HOME/ocr/models (else ~/.local/share/ocr/models), models/ of the
// source tree, the install prefix's share/ocr/models. Folders that do not exist are kept (a
// message can name them); duplicates are dropped.
std::vector<std::string> model_search_path(const std::string& extra_dir = "");

struct ModelEntry {
  std::string name;  // file name without .ocrm
  std::string path;
  std::vector<std::string> shadowed;  // same name later in the search path
};

// Every NAME.ocrm in the search path, by name; the first folder wins.
std::vector<ModelEntry> list_models(const std::string& extra_dir = "");

// A model file from what the user typed: a path to an existing file as it is, else a NAME looked
// up in the search path. Throws IoError naming the folders searched and the names available;
// a list ("eng+eng_rough", "a.ocrm,b.ocrm") is refused with its own message (resolve_models
// reads lists).
std::string resolve_model(const std::string& name_or_path, const std::string& extra_dir = "");

// The model files of a list of models to fuse: names or files separated by '+' (as Tesseract's
// -l eng+deu) or ',', each resolved as by resolve_model. An existing file is one model even if
// its name holds '+' or ','; "" gives the default model. Throws IoError as resolve_model does,
// also for an empty item ("eng+").
std::vector<std::string> resolve_models(const std::string& list, const std::string& extra_dir = "");

// The model used when none is named: $OCR_MODEL if set (it must exist), else "eng" from the
// search path. Throws IoError listing the places it looked.
std::string default_model_path(const std::string& extra_dir = "");

// The text-line detector for --detector CHOICE: "heuristic" gives "" (the connected-component
// layout); "auto" gives lines.ocrm from the search path when there is one, else ""; anything
// else is a file or a name, as for resolve_model.
std::string resolve_detector(const std::string& choice, const std::string& extra_dir = "");

// The detector for faxes beside the one --detector auto found (lines_fax.ocrm in the same
// folder): "" when there is none, or when --detector named a file or the heuristic layout.
std::string resolve_fax_detector(const std::string& choice, const std::string& detector_path);

// The LM shipped with a model: $OCR_LM if set, else eng.lm next to the model file; "" if none.
std::string default_lm_path(const std::string& model_path);
// The word list shipped with a model: $OCR_LEXICON if set, else eng.words next to the model
// file; "" if none.
std::string default_lexicon_path(const std::string& model_path);

}  // namespace ocr
