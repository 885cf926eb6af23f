// ocr recognize: images → text and layout, one file, a folder tree or a list of ten thousand.
// Preprocessing, layout and output options map onto the page pipeline; batch semantics (output
// names, resume, keep-going, exit code) live in ocr/pipeline/batch.h.
#include <iostream>
#include <map>
#include <optional>

#include "cli/commands.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/beam_decoder.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/batch.h"
#include "ocr/pipeline/line_recognizer.h"
#include "ocr/pipeline/page_recognizer.h"

namespace ocr::cli {

namespace {

struct RecognizeOptions {
  std::vector<std::string> inputs;
  std::string model;
  std::string layout = "auto";
  std::string formats = "txt";
  std::string output_file, output_dir, files_from;
  bool recursive = false, force = false, fail_fast = false, keep_going = true;
  int jobs = 0;
  double dpi = 0;
  int64_t max_pixels = 400'000'000;
  int64_t max_side = 30000;
  std::string invert = "auto", contrast = "auto", denoise = "auto", binarize = "none";
  bool no_deskew = false, no_rescale = false;
  std::optional<bool> progress;
  // Decoder.
  std::string decoder = "beam";
  int beam_width = 0;
  std::string lm, lexicon, allow_chars, deny_chars;
  std::optional<float> lm_weight, word_bonus;
};

Toggle parse_toggle(const std::string& s) {
  if (s == "auto") return Toggle::Auto;
  if (s == "yes" || s == "on") return Toggle::On;
  return Toggle::Off;
}

}  // namespace

void add_recognize_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RecognizeOptions>();
  auto* cmd = app.add_subcommand("recognize", "read the text of images (pages, lines, folders)");
  cmd->add_option("INPUT", o->inputs, "image files or folders; - reads an image from stdin");
  cmd->add_option("-m,--model", o->model, "model file (default: $OCR_MODEL or the shipped model)");
  cmd->add_option("--layout,--psm", o->layout,
                  "auto (page or single line), page (psm 3), block (psm 6), line (psm 7)")
      ->check(CLI::IsMember({"auto", "page", "block", "line", "3", "6", "7"}));
  cmd->add_option("-f,--format", o->formats,
                  "output formats, comma-separated: txt json hocr tsv alto page (default txt)");
  cmd->add_option("-o,--output", o->output_file,
                  "write one document for all inputs here (with several formats: its base name)");
  cmd->add_option("--output-dir,--out-dir", o->output_dir,
                  "one output per input under DIR, named after the input (subfolders mirrored)");
  cmd->add_flag("-r,--recursive", o->recursive, "descend into subfolders of folder inputs");
  cmd->add_option("--files-from", o->files_from, "read input paths from a list file, one per line (- = stdin)");
  cmd->add_option("-j,--jobs,--threads", o->jobs, "threads (default: all cores, capped by OMP_THREAD_LIMIT)");
  cmd->add_flag("--force", o->force, "redo inputs whose outputs already exist in --output-dir");
  cmd->add_flag("--fail-fast", o->fail_fast, "stop at the first input that fails");
  cmd->add_flag("--keep-going", o->keep_going, "go on after a failed input (the default)");
  cmd->add_option("--dpi", o->dpi, "input resolution (default: from the file, else estimated)")
      ->check(CLI::Range(10.0, 4800.0));
  cmd->add_option("--max-pixels", o->max_pixels, "refuse images with more pixels (default 400000000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-side", o->max_side, "refuse images wider or taller (default 30000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--invert", o->invert, "light-on-dark text: auto (detect), yes, no")
      ->check(CLI::IsMember({"auto", "yes", "no"}));
  cmd->add_option("--contrast", o->contrast, "auto (flatten lighting + stretch), stretch, background, none")
      ->check(CLI::IsMember({"auto", "stretch", "background", "none"}));
  cmd->add_option("--denoise", o->denoise, "auto (median on speckled images), median, none")
      ->check(CLI::IsMember({"auto", "median", "none"}));
  cmd->add_option("--binarize", o->binarize, "none (default), otsu, sauvola")
      ->check(CLI::IsMember({"none", "otsu", "sauvola"}));
  cmd->add_flag("--no-deskew", o->no_deskew, "do not estimate and correct skew");
  cmd->add_flag("--no-rescale", o->no_rescale, "do not rescale small or huge text");
  cmd->add_flag("--progress,!--no-progress", o->progress, "progress bar (default: when stderr is a terminal)");
  cmd->add_option("--decoder", o->decoder, "beam (default) or greedy")
      ->check(CLI::IsMember({"beam", "greedy"}));
  cmd->add_option("--beam-width", o->beam_width, "beam width")->check(CLI::PositiveNumber);
  cmd->add_option("--lm", o->lm, "character n-gram LM (ARPA); none to disable (default: eng.lm beside the model)");
  cmd->add_option("--lm-weight", o->lm_weight, "LM weight alpha");
  cmd->add_option("--word-bonus", o->word_bonus, "word insertion bonus beta");
  cmd->add_option("--lexicon", o->lexicon, "word list to favour");
  cmd->add_option("--allow-chars", o->allow_chars, "only these characters may be output");
  cmd->add_option("--deny-chars", o->deny_chars, "these characters are never output");

  cmd->callback([o, &ctx] {
    if (o->inputs.empty() && o->files_from.empty())
      throw CLI::ValidationError("INPUT", "give at least one input (or --files-from)");
    if (!o->output_file.empty() && !o->output_dir.empty())
      throw CLI::ValidationError("--output", "-o and --output-dir exclude each other");
    set_thread_count(o->jobs);

    BatchOptions bo;
    bo.formats = parse_formats(o->formats);
    if (o->output_file.empty() && o->output_dir.empty() && bo.formats.size() > 1)
      throw CLI::ValidationError("--format", "several formats need -o FILE or --output-dir DIR");
    bo.output_file = o->output_file;
    bo.output_dir = o->output_dir;
    bo.force = o->force;
    bo.fail_fast = o->fail_fast;
    bo.jobs = thread_count();
    bo.limits.max_pixels = o->max_pixels;
    bo.limits.max_width = bo.limits.max_height = o->max_side;
    bo.progress = o->progress ? (*o->progress ? 1 : 0) : -1;

    PageRecognizerOptions po;
    po.layout.mode = parse_layout(o->layout);
    po.preprocess.invert = parse_toggle(o->invert);
    po.preprocess.contrast = o->contrast == "none"       ? ContrastMode::None
                             : o->contrast == "stretch"  ? ContrastMode::Stretch
                             : o->contrast == "background" ? ContrastMode::Background
                                                           : ContrastMode::Auto;
    po.preprocess.denoise = o->denoise == "none"     ? Denoise::None
                            : o->denoise == "median" ? Denoise::Median
                                                     : Denoise::Auto;
    po.preprocess.binarize = parse_binarization(o->binarize);
    po.preprocess.deskew = !o->no_deskew;
    po.preprocess.rescale = !o->no_rescale;
    po.preprocess.dpi = o->dpi;

    // Inputs first: a bad list or folder should not wait for the model to load.
    std::vector<std::string> expand_errors;
    auto inputs = expand_inputs(o->inputs, o->recursive, o->files_from, expand_errors);
    for (const auto& e : expand_errors) log::error("{}", e);
    if (!expand_errors.empty() && o->fail_fast) {
      ctx.exit_code = 1;
      return;
    }

    std::string model_path = o->model.empty() ? default_model_path() : o->model;
    auto model = Model::load(model_path);
    DecoderOptions dopt;
    dopt.kind = o->decoder;
    if (o->beam_width > 0) dopt.beam_width = o->beam_width;
    dopt.lm_path = o->lm.empty() ? default_lm_path(model_path) : o->lm;
    dopt.alpha = o->lm_weight;
    dopt.beta = o->word_bonus;
    dopt.lexicon = o->lexicon;
    dopt.allow_chars = o->allow_chars;
    dopt.deny_chars = o->deny_chars;
    auto decoder = make_decoder(dopt, model->alphabet(), model->metadata().extra);
    auto line_rec = std::make_shared<LineRecognizer>(model, decoder);
    PageRecognizer rec(line_rec, po);

    BatchSummary s = run_batch(rec, inputs, bo, std::cout);
    s.failed += static_cast<int>(expand_errors.size());
    if (s.inputs > 1) {
      log::info("{} inputs: {} done, {} skipped, {} failed; {} pages, {} lines in {:.1f}s", s.inputs,
                s.done, s.skipped, s.failed, s.pages, s.lines, s.seconds);
    }
    // Tesseract-style scripts test only for non-zero: any failed input fails the run.
    ctx.exit_code = s.failed > 0 ? 1 : 0;
  });
}

}  // namespace ocr::cli
