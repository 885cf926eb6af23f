// Batch recognition as `ocr recognize` runs it: expands inputs (files, folders, list files,
// stdin), decides output names, skips finished inputs, reads pages with their lines pooled into
// few recognizer calls, writes outputs atomically, reports bad inputs and goes on.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "ocr/image/image_io.h"
#include "ocr/output/writers.h"
#include "ocr/pipeline/page_recognizer.h"

namespace ocr {

struct BatchInput {
  BatchInput(std::string path_ = {}, std::string relative_ = {}, std::string error_ = {})
      : path(std::move(path_)), relative(std::move(relative_)), error(std::move(error_)) {}
  std::string path;      // as opened ("-" = stdin)
  std::string relative;  // where its outputs go under --output-dir, without extension change
  // Set when what was given could not be expanded (a pattern that matches nothing, a list or a
  // folder that cannot be read): path is what was given, error the message naming it. The run
  // reports it in its place, as a failed input (a JSON Lines error record, the exit code).
  std::string error;
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

// Which part of the inputs a run reads: shard `index` (0-based) of `count` (ocr/pipeline/shard.h).
struct Shard {
  int index = 0;
  int count = 1;
};

// Where a run takes its inputs from, one at a time.
class InputSource {
 public:
  virtual ~InputSource() = default;
  // The next input; false when there are no more. May wait (a list still being written).
  virtual bool next(BatchInput& input) = 0;
  // Whether next() would wait for input that has not arrived yet: the run then reads the pages it
  // holds instead of waiting to fill a slice, so results stream out as paths stream in.
  virtual bool would_block() { return false; }
};

// The inputs as `ocr recognize` takes them: the command line's expanded at once (as
// expand_inputs does), then a list file's (--files-from, "-" = stdin) read line by line while the
// run goes, each line expanded when it is read; only the inputs of `shard` are passed on.
// Problems (missing folder, unreadable list) come in their place as inputs with an error, in
// every shard, and are kept in errors() (those found so far).
class InputStream : public InputSource {
 public:
  InputStream(const std::vector<std::string>& inputs, bool recursive, const std::string& files_from,
              Shard shard = {});
  ~InputStream() override;
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;
  bool next(BatchInput& input) override;
  bool would_block() override;
  const std::vector<std::string>& errors() const { return errors_; }
  int64_t seen() const { return seen_; }  // inputs found so far, all shards
  int64_t kept() const { return kept_; }  // of them, this shard's

 private:
  bool read_line(std::string& line);  // from the list, waiting for it; false at its end
  void take(std::vector<BatchInput>&& found);
  std::vector<BatchInput> ready_;  // expanded, of this shard, not yet handed out
  size_t ready_pos_ = 0;
  std::vector<std::string> errors_;
  bool recursive_;
  Shard shard_;
  int fd_ = -1;  // the list file; -1 when none or done
  bool own_fd_ = false;
  std::string buf_;  // read from fd_, not yet split into lines
  size_t buf_pos_ = 0;
  bool eof_ = false;
  int64_t seen_ = 0, kept_ = 0;
};

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
// The same over inputs that keep coming (InputStream): each is opened when the run reaches it.
BatchSummary run_batch(const PageRecognizer& recognizer, InputSource& inputs,
                       const BatchOptions& options, std::ostream& out);

}  // namespace ocr
