// ocr recognize: images → text and layout, one file, a folder tree or a list of ten thousand.
// Preprocessing, layout and output options map onto the page pipeline; batch semantics (output
// names, resume, keep-going, exit code) live in ocr/pipeline/batch.h.
#include <iostream>
#include <map>
#include <optional>

#include "cli/commands.h"
#include "cli/recognition_options.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"
#include "ocr/pipeline/cores.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/beam_decoder.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/batch.h"
#include "ocr/pipeline/line_recognizer.h"
#include "ocr/pipeline/page_recognizer.h"
#include "ocr/pipeline/shard.h"

namespace ocr::cli {

namespace {

struct RecognizeOptions {
  std::vector<std::string> inputs;
  RecognitionOptions read;
  std::string formats = "txt";
  std::string output_file, output_dir, files_from, suffix, shard;
  bool recursive = false, force = false, fail_fast = false, keep_going = true;
  int jobs = 0;
  int64_t max_pixels = 400'000'000;
  int64_t max_side = 30000;
  int64_t max_pages = 100000;
  std::string pages;
  bool skip_text = false;
  std::optional<bool> progress;
};

}  // namespace

void add_recognize_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RecognizeOptions>();
  auto* cmd = app.add_subcommand("recognize", "read the text of images (pages, lines, folders)");
  cmd->add_option("INPUT", o->inputs,
                  "image files (PNG, JPEG, TIFF, BMP, PNM, WebP, PDF), folders, quoted glob patterns "
                  "('scans/*.png') or @LIST files; - reads an image from stdin");
  cmd->add_option("-f,--format", o->formats,
                  "output formats, comma-separated: txt json jsonl hocr tsv alto page pdf (default txt); "
                  "jsonl on stdout streams one record per input (per page of a multi-page one) as "
                  "it finishes, failed inputs included");
  cmd->add_option("-o,--output", o->output_file,
                  "write one document for all inputs here (with several formats: its base name)");
  cmd->add_option("--output-dir,--out-dir", o->output_dir,
                  "one output per input under DIR, named after the input (subfolders mirrored)");
  cmd->add_option("--suffix", o->suffix,
                  "with --output-dir: end output names with this instead of the format's extension "
                  "(e.g. .pred.txt)");
  cmd->add_flag("-r,--recursive", o->recursive, "descend into subfolders of folder inputs");
  cmd->add_option("--files-from", o->files_from, "read input paths from a list file, one per line (- = stdin)");
  cmd->add_option("-j,--jobs,--threads", o->jobs,
                  "threads (default: the cores that other work leaves idle, capped by OMP_THREAD_LIMIT)");
  cmd->add_option("--shard", o->shard,
                  "read only shard K of N (0-based, 0/4 ... 3/4) of the inputs, split by a hash of each "
                  "output name so every task agrees; auto = from SLURM_ARRAY_TASK_ID/_COUNT (_MIN, _STEP)")
      ->type_name("K/N|auto");
  cmd->add_flag("--force", o->force, "redo inputs whose outputs already exist in --output-dir");
  cmd->add_flag("--fail-fast", o->fail_fast, "stop at the first input that fails");
  cmd->add_flag("--keep-going", o->keep_going, "go on after a failed input (the default)");
  cmd->add_option("--max-pixels", o->max_pixels, "refuse images with more pixels (default 400000000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-side", o->max_side, "refuse images wider or taller (default 30000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-pages", o->max_pages, "refuse PDFs and TIFFs with more pages (default 100000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--pages", o->pages,
                  "read only these pages of PDFs and multi-page TIFFs, 1-based: 3-7, 1,3,5-6, 4- (to the end)")
      ->check([](const std::string& s) {
        try {
          parse_page_ranges(s);
        } catch (const Error& e) {
          return std::string(e.what());
        }
        return std::string();
      });
  cmd->add_flag("--skip-text", o->skip_text,
                "leave out PDF pages that already carry text (by default they are read as images too)");
  cmd->footer(
      "PDF pages are rendered at the resolution of their scanned image when a page is one image, else at "
      "300 dpi; --dpi sets the resolution instead. With -f pdf, a multi-page input gives one multi-page "
      "searchable PDF of the pages read.");
  cmd->add_flag("--progress,!--no-progress", o->progress, "progress bar (default: when stderr is a terminal)");
  add_recognition_options(cmd, o->read);

  cmd->callback([o, &ctx] {
    if (o->inputs.empty() && o->files_from.empty())
      throw CLI::ValidationError("INPUT", "give at least one input (or --files-from)");
    if (!o->output_file.empty() && !o->output_dir.empty())
      throw CLI::ValidationError("--output", "-o and --output-dir exclude each other");
    set_thread_count(o->jobs > 0 ? o->jobs : reading_threads());

    BatchOptions bo;
    bo.formats = parse_formats(o->formats);
    if (o->output_file.empty() && o->output_dir.empty() && bo.formats.size() > 1)
      throw CLI::ValidationError("--format", "several formats need -o FILE or --output-dir DIR");
    bo.output_file = o->output_file;
    bo.output_dir = o->output_dir;
    if (!o->suffix.empty()) {
      if (o->output_dir.empty()) throw CLI::ValidationError("--suffix", "--suffix names files under --output-dir");
      if (bo.formats.size() > 1)
        throw CLI::ValidationError("--suffix", "--suffix takes one format (several would write the same name)");
      if (o->suffix.find('/') != std::string::npos)
        throw CLI::ValidationError("--suffix", "a suffix cannot contain '/'");
    }
    bo.suffix = o->suffix;
    bo.force = o->force;
    bo.fail_fast = o->fail_fast;
    bo.jobs = thread_count();
    bo.limits.max_pixels = o->max_pixels;
    bo.limits.max_width = bo.limits.max_height = o->max_side;
    bo.limits.max_pages = o->max_pages;
    bo.pages.pages = o->pages;
    bo.pages.skip_text = o->skip_text;
    bo.pages.dpi = o->read.dpi;
    bo.progress = o->progress ? (*o->progress ? 1 : 0) : -1;

    const Shard shard = o->shard.empty() ? Shard{} : parse_shard(o->shard);
    // Inputs first: a bad list or folder should not wait for the model to load. A list's lines
    // are read as the run goes, so `--files-from -` on a pipe streams.
    InputStream inputs(o->inputs, o->recursive, o->files_from, shard);
    if (!inputs.errors().empty() && o->fail_fast) {
      for (const auto& e : inputs.errors()) log::error("{}", e);
      ctx.exit_code = 1;
      return;
    }

    Reader reader = make_reader(o->read);
    bo.writer.models = reader.model_paths;

    BatchSummary s = run_batch(*reader.pages, inputs, bo, std::cout);
    if (shard.count > 1)
      log::info("shard {}/{}: {} of {} inputs", shard.index, shard.count, inputs.kept(), inputs.seen());
    if (s.inputs > 1) {
      log::info("{} inputs: {} done, {} skipped, {} failed; {} pages, {} lines in {:.1f}s", s.inputs,
                s.done, s.skipped, s.failed, s.pages, s.lines, s.seconds);
    }
    // Tesseract-style scripts test only for non-zero: any failed input fails the run.
    ctx.exit_code = s.failed > 0 ? 1 : 0;
  });
}

}  // namespace ocr::cli
