#include "cli/recognition_options.h"

#include "cli/commands.h"
#include "ocr/pipeline/kernel_choice.h"
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
                  "default $OCR_MODEL, else chosen per page (--engines). A list (eng+eng_rough, or a.ocrm,b.ocrm) reads every line "
                  "with each model and fuses the readings (see --fusion), with the LM and word list beside the first model");
  cmd->add_option("--fusion", o.fusion,
                  "how the readings of several models are combined: vote (each model decodes the line with "
                  "its own LM weights and calibration; the readings are aligned character by character and "
                  "each character goes to the most confident, or with three or more models the weighted "
                  "majority), posterior (one decoding of the normalised geometric mean of their per-frame "
                  "probabilities, with the first model's LM weights and calibration; the models must share the first's "
                  "alphabet, line height and frame rate), consensus (of the posterior reading and each model's own, "
                  "the one the others agree with most, weighted by their confidences; a model of another alphabet, "
                  "height or frame rate gives only its own reading), or auto: consensus")
      ->check(CLI::IsMember({"auto", "vote", "posterior", "consensus"}))
      ->capture_default_str();
  cmd->add_option("--engines", o.engines,
                  "the models that read each page when -l/--model (and $OCR_MODEL) name none: auto (by what "
                  "the page looks like: scans and screenshots eng, faxes and low-resolution scans eng_mix, receipts "
                  "and phone photos eng_photo, a missing one falling back to another of eng_rough, eng_photo, "
                  "eng_mix and eng_gru, else eng; the lines that model reads less surely than --fuse-below, 0.97 by "
                  "default, are read by two partners too, eng_gru and eng_mix or eng_rough, and their readings "
                  "combined), or all (every shipped "
                  "model, combined on every line)")
      ->check(CLI::IsMember({"auto", "all"}))
      ->capture_default_str();
  cmd->add_option("--model-dir", o.model_dir, "look for model names here first (also $OCR_MODEL_DIR)");
  cmd->add_option("--reread-below", o.reread_below,
                  "lines read less surely than this confidence (0..1) are read again at 1.4 and 0.85 times their "
                  "width, and the surest reading stays; 0 never (default: the model's own, else 0.95; eng_rough's "
                  "and eng_mix's are 0). With several models each rereads alone the lines it is unsure of (the first "
                  "only, under --fuse-below) and the fusion weighs each one's surest reading")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fuse-below", o.fuse_below,
                  "with several models: only lines the first model reads less surely than this confidence (0..1) "
                  "are read by the others and fused; the rest keep the first model's reading (default: every line "
                  "of a named list is fused; --engines auto fuses below its own threshold)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--layout,--psm", o.layout,
                  "auto (page or single line), page (psm 3, 11), block (psm 4, 6), line (psm 7, 8, 13)")
      ->check(CLI::IsMember({"auto", "page", "block", "line", "3", "4", "6", "7", "8", "11", "13"}));
  cmd->add_option("--detector", o.detector,
                  "what finds the text lines of a page: auto (the learned detector lines.ocrm when the search "
                  "path has it, else heuristic; faxes by lines_fax.ocrm beside it when there is one), heuristic "
                  "(connected-component layout), or a detector model file or name (which reads every page)")
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
  ReaderOptions r;
  r.models = o.model;
  r.model_dir = o.model_dir;
  r.decoder.kind = o.decoder;
  if (o.beam_width > 0) r.decoder.beam_width = o.beam_width;
  r.decoder.lm_path = o.lm;
  r.decoder.alpha = o.lm_weight;
  r.decoder.beta = o.word_bonus;
  r.decoder.lexicon = o.lexicon;
  r.decoder.oov_penalty = o.oov_penalty;
  r.decoder.allow_chars = o.allow_chars;
  r.decoder.deny_chars = o.deny_chars;
  r.engines = parse_engines(o.engines);
  r.fusion = parse_fusion(o.fusion);
  r.reread_below = o.reread_below;
  r.fuse_below = o.fuse_below;
  r.detector = o.detector;
  r.page = page_options(o);
  r.kernel_cache = default_kernel_cache_path();
  r.build_id = std::string("ocr commit ") + kGitCommit;
  return load_reader(r);
}

}  // namespace ocr::cli
