// Batch recognition as `ocr recognize` runs it: expands inputs (files, folders, list files,
// stdin), decides output names, skips finished inputs, reads pages with their lines pooled into
// few recognizer calls, writes outputs atomically, reports bad inputs and goes on.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "ocr/image/image_io.h"
#include "ocr/output/writers.h"
#include "ocr/pipeline/page_recognizer.h"

namespace ocr {

struct BatchInput {
  std::string path;      // as opened ("-" = stdin)
  std::string relative;  // where its outputs go under --output-dir, without extension change
};

// Files stay as given (relative paths keep their folders, absolute ones keep the file name);
// folders contribute their images (recursively with `recursive`), relative to the folder;
// list files give one path per line ("-" = stdin; blank lines and '#' comments skipped); an input
// "@LIST" that is not itself a file is such a list; an input with * ? [ that is not itself a file
// is a glob(3) pattern (matching images and folders, sorted), for folders too big for the shell.
// Problems (missing folder, unreadable folder or list) are appended to `errors`, one line each.
std::vector<BatchInput> expand_inputs(const std::vector<std::string>& inputs, bool recursive,
                                      const std::string& files_from,
                                      std::vector<std::string>& errors);

// DIR/<relative with its last extension replaced by the format's>: a/scan.png → DIR/a/scan.txt,
// 010001.bin.png → DIR/010001.bin.txt. A non-empty suffix replaces the format's extension
// (--suffix .pred.txt: a/scan.png → DIR/a/scan.pred.txt).
std::string output_path(const std::string& dir, const BatchInput& input, OutputFormat format,
                        const std::string& suffix = "");
// Output name for FILE given as -o with several formats: FILE minus a known extension + ext.
std::string output_file_for(const std::string& file, OutputFormat format, bool several_formats);

// Writes via a temporary file in the same folder and a rename, creating parent folders, so a
// reader (or a resumed run) never sees a half-written file. Throws IoError naming the path.
void write_file_atomic(const std::string& path, const std::string& content);

struct BatchOptions {
  std::vector<OutputFormat> formats = {OutputFormat::Txt};
  std::string output_file;  // -o: one document for all inputs
  std::string output_dir;   // --output-dir: one document per input
  std::string suffix;       // --suffix: output name ending instead of the format's (one format)
  bool force = false;       // recompute even if the outputs exist
  bool fail_fast = false;   // stop at the first failed input
  int jobs = 0;             // pages prepared in parallel (0 = thread count)
  ImageLimits limits;
  PageOptions pages;        // --pages, --skip-text, --dpi (PDF rendering)
  int progress = -1;        // -1: on a terminal only, 0 off, 1 on
  WriterInfo writer;
};

struct BatchSummary {
  int inputs = 0, done = 0, skipped = 0, failed = 0;
  int64_t pages = 0, lines = 0;
  double seconds = 0;
  std::vector<std::string> errors;  // one line per failure, naming the input
};

// Runs the batch; results for stdout go to `out`. Never throws for a bad input (it is counted
// and reported); throws only for unusable options or an unwritable -o file.
BatchSummary run_batch(const PageRecognizer& recognizer, const std::vector<BatchInput>& inputs,
                       const BatchOptions& options, std::ostream& out);

}  // namespace ocr
