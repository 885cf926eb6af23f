#include "ocr/pipeline/batch.h"

#include <omp.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <opencv2/core.hpp>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"
#include "ocr/image/codecs.h"
#include "ocr/image/opencv_threads.h"
#include "ocr/pipeline/shard.h"
#include <opencv2/imgproc.hpp>

namespace fs = std::filesystem;

namespace ocr {

namespace {

bool safe_relative(const fs::path& p) {
  if (p.is_absolute()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

std::string strip_extension(const std::string& rel) {
  fs::path p(rel);
  if (!p.has_extension()) return rel;
  return (p.parent_path() / p.stem()).string();
}

// What could not be found or read while expanding the inputs takes its place among them.
void problem(std::vector<BatchInput>& out, const std::string& input, const std::string& message) {
  BatchInput b;
  b.path = input;
  b.error = input + ": " + message;
  out.push_back(std::move(b));
}

void add_folder(const fs::path& dir, bool recursive, std::vector<BatchInput>& out) {
  std::vector<fs::path> files;
  std::error_code ec;
  int subfolders = 0;
  auto visit = [&](const fs::directory_entry& e) {
    std::error_code ec2;
    if (e.is_regular_file(ec2) && has_image_extension(e.path().string())) files.push_back(e.path());
  };
  if (recursive) {
    fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
    if (ec) { problem(out, dir.string(), "cannot read folder: " + ec.message()); return; }
    for (; it != end; it.increment(ec)) {
      if (ec) { problem(out, it->path().string(), "cannot read folder: " + ec.message()); ec.clear(); continue; }
      // Unreadable subfolders are reported and skipped, not fatal.
      if (it->is_directory(ec) && ::access(it->path().c_str(), R_OK | X_OK) != 0) {
        problem(out, it->path().string(), std::string("cannot read folder: ") + std::strerror(EACCES));
        it.disable_recursion_pending();
        continue;
      }
      visit(*it);
    }
  } else {
    fs::directory_iterator it(dir, ec), end;
    if (ec) { problem(out, dir.string(), "cannot read folder: " + ec.message()); return; }
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      std::error_code ec2;
      subfolders += it->is_directory(ec2);
      visit(*it);
    }
  }
  // Not an error (nothing failed), but a silent empty run would leave the user guessing.
  if (files.empty())
    log::warn("{}: no images in this folder{}", dir.string(),
              subfolders > 0 ? " (its subfolders are read with -r)" : "");
  std::sort(files.begin(), files.end());
  for (const auto& f : files) out.push_back({f.string(), fs::relative(f, dir).string()});
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// The paths a shell pattern names, sorted: each component with a wildcard is matched
// (fnmatch, a leading '.' only by a '.' written out) against the entries of the folders reached
// so far; components without one are taken as written. Folder listings never hold "." and "..",
// so `.*` cannot climb the tree as glibc's glob(3) lets it (found by fuzzing: a list line
// `.*/.*/.*/*` read the parent folders, past the timeout); shells skip them too (bash's
// globskipdots, zsh). At most kMaxPatternMatches paths are kept; *truncated says so.
constexpr size_t kMaxPatternMatches = 1000000;

std::vector<std::string> expand_pattern(const std::string& pattern, bool* truncated) {
  *truncated = false;
  std::vector<std::string> parts;
  for (size_t start = 0; start <= pattern.size();) {
    const size_t slash = std::min(pattern.find('/', start), pattern.size());
    if (slash > start) parts.push_back(pattern.substr(start, slash - start));  // "a//b" is "a/b"
    start = slash + 1;
  }
  const bool absolute = !pattern.empty() && pattern[0] == '/';
  std::vector<std::string> paths = {absolute ? "/" : ""};
  std::error_code ec;
  for (size_t k = 0; k < parts.size() && !paths.empty(); ++k) {
    const std::string& part = parts[k];
    const bool last = k + 1 == parts.size();
    std::vector<std::string> next;
    for (const std::string& base : paths) {
      const std::string prefix = base.empty() || base.back() == '/' ? base : base + "/";
      if (!has_wildcard(part)) {
        const std::string p = prefix + part;
        if (last ? fs::exists(p, ec) : fs::is_directory(p, ec)) next.push_back(p);
        continue;
      }
      fs::directory_iterator it(base.empty() ? fs::path(".") : fs::path(base), fs::directory_options::skip_permission_denied, ec);
      for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (::fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
        if (!last && !it->is_directory(ec)) continue;
        next.push_back(prefix + name);
        if (next.size() >= kMaxPatternMatches) break;
      }
      ec.clear();
      if (next.size() >= kMaxPatternMatches) {
        *truncated = true;
        break;
      }
    }
    paths = std::move(next);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// The lists being read, outermost first, and how many list files one input has opened: a list
// that names itself is a cycle, and lists naming lists several times each multiply (a 70-byte
// list naming itself three times, eight deep, read 3^8 lists), so both are bounded.
struct ListTrail {
  std::vector<std::string> open;
  int read = 0;
};
constexpr int kMaxListDepth = 8;
constexpr int kMaxListsRead = 1000;

void add_path(const std::string& s, bool recursive, std::vector<BatchInput>& out, ListTrail& trail);

// One path per line ("-" = stdin); blank lines and '#' comments skipped.
void add_list(const std::string& list, bool recursive, std::vector<BatchInput>& out, ListTrail& trail) {
  std::error_code ec;
  const std::string key = list == "-" ? list : fs::weakly_canonical(fs::path(list), ec).string();
  if (std::find(trail.open.begin(), trail.open.end(), key) != trail.open.end()) {
    problem(out, list, "this list names itself, directly or through another list");
    return;
  }
  if (int(trail.open.size()) >= kMaxListDepth) {
    problem(out, list, "lists nested more than " + std::to_string(kMaxListDepth) + " deep");
    return;
  }
  if (++trail.read > kMaxListsRead) {
    if (trail.read == kMaxListsRead + 1)  // once: the rest are left out silently
      problem(out, list, "more than " + std::to_string(kMaxListsRead) + " lists read for one input; the rest are left out");
    return;
  }
  trail.open.push_back(key);
  struct Pop {
    ListTrail& t;
    ~Pop() { t.open.pop_back(); }
  } pop{trail};
  std::ifstream file;
  std::istream* in = &std::cin;
  if (list != "-") {
    file.open(list);
    if (!file) {
      problem(out, list, std::string("cannot open list: ") + std::strerror(errno));
      return;
    }
    in = &file;
  }
  std::string line;
  while (std::getline(*in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    add_path(line, recursive, out, trail);
  }
}

void add_path(const std::string& s, bool recursive, std::vector<BatchInput>& out, ListTrail& trail) {
  if (s == "-") { out.push_back({"-", "stdin"}); return; }
  std::error_code ec;
  fs::path p(s);
  if (fs::is_directory(p, ec)) {
    add_folder(p, recursive, out);
    return;
  }
  const bool exists = fs::exists(p, ec);
  // @LIST as Tesseract and many tools take it; a file really named "@x" still wins. Lists inside
  // lists are read too (see ListTrail for the bounds).
  if (!exists && s.size() > 1 && s[0] == '@') {
    add_list(s.substr(1), recursive, out, trail);
    return;
  }
  // A quoted pattern is expanded here: a folder of 100 000 scans overflows the shell's argv.
  if (!exists && has_wildcard(s)) {
    bool truncated = false;
    const std::vector<std::string> matches = expand_pattern(s, &truncated);
    if (matches.empty()) problem(out, s, "no file matches this pattern");
    if (truncated)
      problem(out, s, "more than " + std::to_string(kMaxPatternMatches) + " paths match this pattern; the rest are left out");
    // Folders among the matches contribute their images.
    for (const std::string& m : matches)
      if (fs::is_directory(m, ec) || has_image_extension(m)) add_path(m, recursive, out, trail);
    return;
  }
  // Missing files stay in the list: they fail (and are reported) in order, like other bad input.
  fs::path rel = p.lexically_normal();
  out.push_back({s, safe_relative(rel) ? rel.string() : p.filename().string()});
}

class Progress {
 public:
  Progress(int total, bool enabled) : total_(total), enabled_(enabled), start_(clock::now()) {}
  void update(int done, int64_t lines, int total) {
    if (!enabled_) return;
    total_ = total;  // a streamed list grows while the run goes
    double t = std::chrono::duration<double>(clock::now() - start_).count();
    double rate = t > 0 ? lines / t : 0;
    double eta = done > 0 ? t / done * (total_ - done) : 0;
    int width = 30, filled = total_ > 0 ? width * done / total_ : width;
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r[%s] %d/%d  %.1f lines/s  ETA %s   ", bar.c_str(), done, total_, rate,
                 format_time(eta).c_str());
    std::fflush(stderr);
  }
  void finish() {
    if (enabled_) std::fprintf(stderr, "\n");
  }
  static std::string format_time(double s) {
    char buf[32];
    int v = static_cast<int>(s);
    std::snprintf(buf, sizeof buf, "%d:%02d:%02d", v / 3600, v / 60 % 60, v % 60);
    return buf;
  }

 private:
  using clock = std::chrono::steady_clock;
  int total_;
  bool enabled_;
  clock::time_point start_;
};

// One input in flight: its open file and the pages read so far.
struct InputState {
  std::optional<ImageFile> file;
  std::vector<PageResult> pages;
  std::string error;
  int pages_left = 0;
};

}  // namespace

InputStream::InputStream(const std::vector<std::string>& inputs, bool recursive,
                         const std::string& files_from, Shard shard)
    : recursive_(recursive), shard_(shard) {
  std::vector<BatchInput> found;
  for (const auto& s : inputs) {
    ListTrail trail;
    add_path(s, recursive, found, trail);
  }
  take(std::move(found));
  if (files_from == "-") {
    fd_ = STDIN_FILENO;
  } else if (!files_from.empty()) {
    fd_ = ::open(files_from.c_str(), O_RDONLY | O_CLOEXEC);
    own_fd_ = fd_ >= 0;
    if (fd_ < 0) {
      std::vector<BatchInput> unreadable;
      problem(unreadable, files_from, std::string("cannot open list: ") + std::strerror(errno));
      take(std::move(unreadable));
    }
  }
}

InputStream::~InputStream() {
  if (own_fd_) ::close(fd_);
}

void InputStream::take(std::vector<BatchInput>&& found) {
  for (auto& in : found) {
    // Every shard reports a pattern, list or folder it could not expand: each job's log must
    // show that its command named something that is not there.
    if (!in.error.empty()) {
      errors_.push_back(in.error);
      ready_.push_back(std::move(in));
      continue;
    }
    ++seen_;
    if (shard_of(in, shard_.count) == shard_.index) {
      ready_.push_back(std::move(in));
      ++kept_;
    }
  }
}

bool InputStream::read_line(std::string& line) {
  // read(2), not std::cin: what is buffered must be visible to would_block().
  for (;;) {
    const size_t nl = buf_.find('\n', buf_pos_);
    if (nl != std::string::npos) {
      line.assign(buf_, buf_pos_, nl - buf_pos_);
      buf_pos_ = nl + 1;
      if (buf_pos_ > 65536) {
        buf_.erase(0, buf_pos_);
        buf_pos_ = 0;
      }
      return true;
    }
    if (eof_ || fd_ < 0) {
      if (buf_pos_ >= buf_.size()) return false;
      line.assign(buf_, buf_pos_, std::string::npos);  // a last line without its newline
      buf_pos_ = buf_.size();
      return true;
    }
    char chunk[65536];
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buf_.append(chunk, static_cast<size_t>(n));
    } else if (n == 0) {
      eof_ = true;
    } else if (errno != EINTR) {
      std::vector<BatchInput> unreadable;
      problem(unreadable, "--files-from", std::string("read failed: ") + std::strerror(errno));
      take(std::move(unreadable));
      eof_ = true;
    }
  }
}

bool InputStream::next(BatchInput& input) {
  while (ready_pos_ >= ready_.size()) {
    ready_.clear();
    ready_pos_ = 0;
    std::string line;
    if (!read_line(line)) {
      if (ready_.empty()) return false;
      break;  // a failed read queued its problem
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<BatchInput> found;
    ListTrail trail;
    add_path(line, recursive_, found, trail);
    take(std::move(found));
  }
  input = std::move(ready_[ready_pos_++]);
  return true;
}

bool InputStream::would_block() {
  if (ready_pos_ < ready_.size() || fd_ < 0 || eof_) return false;
  if (buf_.find('\n', buf_pos_) != std::string::npos) return false;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

namespace {

class VectorSource : public InputSource {
 public:
  explicit VectorSource(const std::vector<BatchInput>& v) : v_(v) {}
  bool next(BatchInput& input) override {
    if (i_ >= v_.size()) return false;
    input = v_[i_++];
    return true;
  }

 private:
  const std::vector<BatchInput>& v_;
  size_t i_ = 0;
};

}  // namespace

std::vector<BatchInput> expand_inputs(const std::vector<std::string>& inputs, bool recursive,
                                      const std::string& files_from,
                                      std::vector<std::string>& errors) {
  std::vector<BatchInput> found, out;
  for (const auto& s : inputs) {
    ListTrail trail;
    add_path(s, recursive, found, trail);
  }
  if (!files_from.empty()) {
    ListTrail trail;
    add_list(files_from, recursive, found, trail);
  }
  for (auto& in : found) {
    if (in.error.empty()) out.push_back(std::move(in));
    else errors.push_back(std::move(in.error));
  }
  return out;
}

std::string output_path(const std::string& dir, const BatchInput& input, OutputFormat format,
                        const std::string& suffix) {
  return (fs::path(dir) / (strip_extension(input.relative) + (suffix.empty() ? format_extension(format) : suffix)))
      .string();
}

std::string output_file_for(const std::string& file, OutputFormat format, bool several) {
  if (!several) return file;
  std::string base = file;
  for (const char* ext : {".page.xml", ".txt", ".jsonl", ".json", ".hocr", ".tsv", ".xml", ".pdf"}) {
    std::string e = ext;
    if (base.size() > e.size() && base.compare(base.size() - e.size(), e.size(), e) == 0) {
      base.resize(base.size() - e.size());
      break;
    }
  }
  return base + format_extension(format);
}

void write_file_atomic(const std::string& path, const std::string& content) {
  fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) throw IoError(p.parent_path().string() + ": cannot create folder: " + ec.message());
  }
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw IoError(path + ": cannot write: " + std::strerror(errno));
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.flush();
    if (!f) {
      f.close();
      std::remove(tmp.c_str());
      throw IoError(path + ": write failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw IoError(path + ": cannot rename into place: " + std::strerror(err));
  }
}

// The page image as a PDF embeds it: JPEG inputs stay JPEG (re-encoded at quality 90: their
// pixels were lossy already), anything else keeps its exact pixels (grey, or colour as RGB).
std::shared_ptr<const PageImageData> keep_page_image(const cv::Mat& image, bool from_jpeg) {
  auto d = std::make_shared<PageImageData>();
  d->width = image.cols;
  d->height = image.rows;
  d->channels = image.channels() == 3 ? 3 : 1;
  if (from_jpeg) {
    d->jpeg = true;
    d->bytes = encode_jpeg(image, 90);
  } else {
    cv::Mat px = image;
    if (image.channels() == 3) cv::cvtColor(image, px, cv::COLOR_BGR2RGB);
    if (!px.isContinuous()) px = px.clone();
    d->bytes.assign(px.datastart, px.dataend);
  }
  return d;
}

BatchSummary run_batch(const PageRecognizer& recognizer, const std::vector<BatchInput>& inputs,
                       const BatchOptions& opt, std::ostream& out) {
  VectorSource source(inputs);
  return run_batch(recognizer, source, opt, out);
}

BatchSummary run_batch(const PageRecognizer& recognizer, InputSource& source, const BatchOptions& opt,
                       std::ostream& out) {
  auto t0 = std::chrono::steady_clock::now();
  BatchSummary sum;
  std::vector<BatchInput> inputs;  // taken from `source` so far
  const bool to_dir = !opt.output_dir.empty();
  const bool several = opt.formats.size() > 1;
  if (!to_dir && opt.output_file.empty() && several)
    throw Error("several formats need -o FILE or --output-dir DIR");
  const int jobs = opt.jobs > 0 ? opt.jobs : thread_count();
  // -j 1 means one core: OpenCV's own pool must not spread a page's filters over more.
  const OpenCvSingleThread one_core(jobs == 1);
  bool tty = opt.progress == 1 || (opt.progress < 0 && ::isatty(STDERR_FILENO));
  Progress progress(0, tty);

  std::vector<PageResult> combined;  // for stdout / -o: one document
  bool keep_images = false;
  for (auto f : opt.formats) keep_images |= format_needs_image(f);
  bool tsv_header_done = false;
  bool txt_first = true;
  std::deque<InputState> state;  // grows with `inputs`; a deque never moves what it holds

  // JSON Lines on stdout is a stream of records: each input's as soon as it is done, failures too.
  const bool jsonl_out = !to_dir && opt.output_file.empty() && opt.formats[0] == OutputFormat::Jsonl;
  auto fail = [&](size_t i, const std::string& msg) {
    ++sum.failed;
    sum.errors.push_back(msg);
    log::error("{}", msg);
    if (jsonl_out) out << jsonl_error_record(inputs[i].path, msg) << std::flush;
    state[i] = InputState();
  };

  // Emits one finished input: its own files, or its part of the stdout / -o document.
  auto emit = [&](size_t i) {
    auto& st = state[i];
    // Counted before the pages are written: a combined document takes them away.
    for (const auto& p : st.pages)
      for (const auto& b : p.blocks)
        for (const auto& par : b.paragraphs) sum.lines += static_cast<int64_t>(par.lines.size());
    if (to_dir) {
      for (auto f : opt.formats) {
        std::string path = output_path(opt.output_dir, inputs[i], f, opt.suffix);
        if (f == OutputFormat::Page && st.pages.size() > 1) {
          // PAGE holds one page per file: later pages get _pN before the extension.
          for (size_t p = 0; p < st.pages.size(); ++p) {
            const std::string ext = opt.suffix.empty() ? format_extension(f) : opt.suffix;
            std::string pp = p == 0 ? path
                                    : path.substr(0, path.size() - ext.size()) + "_p" + std::to_string(p + 1) + ext;
            write_file_atomic(pp, write_page_xml(st.pages, opt.writer, p));
          }
        } else {
          write_file_atomic(path, write_document(f, st.pages, opt.writer));
        }
      }
    } else if (opt.output_file.empty() && opt.formats[0] == OutputFormat::Txt) {
      // Text streams as inputs finish; pages are separated by form feeds like Tesseract's.
      std::string t = write_txt(st.pages);
      if (!txt_first) out << '\f';
      out << t << std::flush;
      txt_first = false;
    } else if (jsonl_out) {
      std::string t;
      for (const auto& p : st.pages) t += jsonl_page_record(p, st.pages.size() > 1 || p.page_index > 0);
      out << t << std::flush;
    } else if (opt.output_file.empty() && opt.formats[0] == OutputFormat::Tsv) {
      std::string t = write_tsv(st.pages);
      if (tsv_header_done) t = t.substr(t.find('\n') + 1);
      tsv_header_done = true;
      out << t << std::flush;
    } else {
      for (auto& p : st.pages) combined.push_back(std::move(p));
    }
    ++sum.done;
    state[i] = InputState();
  };

  struct Unit {
    size_t input;
    int page;
  };
  size_t next = 0;
  bool stop = false;
  int finished = 0;
  auto more = [&] {
    if (next < inputs.size()) return true;
    BatchInput in;
    if (!source.next(in)) return false;
    inputs.push_back(std::move(in));
    state.emplace_back();
    return true;
  };
  while (!stop && more()) {
    // Open inputs until there is a slice of pages to prepare in parallel, or until the next
    // path has yet to arrive (a list on a pipe): then the pages at hand go first.
    std::vector<Unit> units;
    while (!stop && static_cast<int>(units.size()) < jobs && (units.empty() || !source.would_block()) && more()) {
      size_t i = next++;
      if (!inputs[i].error.empty()) {  // a pattern, list or folder that could not be expanded
        fail(i, inputs[i].error);
        ++finished;
        if (opt.fail_fast) stop = true;
        continue;
      }
      if (to_dir && !opt.force) {
        bool all = true;
        for (auto f : opt.formats) all = all && fs::exists(output_path(opt.output_dir, inputs[i], f, opt.suffix));
        if (all) {
          ++sum.skipped;
          ++finished;
          log::debug("{}: outputs exist, skipped (--force to redo)", inputs[i].path);
          continue;
        }
      }
      try {
        state[i].file = ImageFile::open(inputs[i].path, opt.limits, opt.pages);
        if (state[i].file->pages() == 0) {  // --skip-text left nothing to read
          log::info("{}: every page already has text, skipped (--skip-text)", inputs[i].path);
          ++sum.skipped;
          ++finished;
          state[i] = InputState();
          continue;
        }
        state[i].pages_left = state[i].file->pages();
        for (int p = 0; p < state[i].file->pages(); ++p) units.push_back({i, p});
      } catch (const std::exception& e) {
        fail(i, e.what());
        ++finished;
        if (opt.fail_fast) stop = true;
      }
    }
    // A long multi-page file is taken a slice at a time so its pages never sit in memory at once.
    for (size_t s = 0; s < units.size(); s += static_cast<size_t>(jobs)) {
      size_t e = std::min(units.size(), s + static_cast<size_t>(jobs));
      int n = static_cast<int>(e - s);
      // The slice's pages are decoded and prepared in parallel and their lines read together.
      std::vector<std::shared_ptr<const PageImageData>> kept(static_cast<size_t>(n));
      std::vector<PageOutcome> outcomes = recognizer.recognize_pages(
          n,
          [&](int k) -> std::optional<PageSource> {
            const Unit& u = units[s + static_cast<size_t>(k)];
            if (!state[u.input].error.empty() || !state[u.input].file) return std::nullopt;
            PageImage img = state[u.input].file->page(u.page);
            if (keep_images)
              kept[size_t(k)] = keep_page_image(img.image, state[u.input].file->info().format == "jpeg");
            return PageSource{img.image, inputs[u.input].path, img.page_index, img.dpi};
          },
          jobs);
      for (int k = 0; k < n; ++k) {
        const Unit& u = units[s + static_cast<size_t>(k)];
        auto& st = state[u.input];
        PageOutcome& o = outcomes[static_cast<size_t>(k)];
        if (o.result) {
          o.result->image = std::move(kept[size_t(k)]);
          ++sum.pages;
          if (!o.result->empty_reason.empty())
            log::warn("{}{}: no text: {}", o.result->source,
                      o.result->page_index > 0 ? " page " + std::to_string(o.result->page_index + 1) : std::string(),
                      o.result->empty_reason);
          if (st.error.empty()) st.pages.push_back(std::move(*o.result));
        } else if (st.file && st.error.empty() && !o.error.empty()) {
          st.error = o.error;
        }
        if (st.file && --st.pages_left == 0) {
          ++finished;
          if (!st.error.empty()) {
            fail(u.input, st.error);
            if (opt.fail_fast) stop = true;
          } else {
            try {
              std::sort(st.pages.begin(), st.pages.end(),
                        [](const PageResult& a, const PageResult& b) { return a.page_index < b.page_index; });
              emit(u.input);
            } catch (const std::exception& ex) {
              fail(u.input, ex.what());
              if (opt.fail_fast) stop = true;
            }
          }
        }
      }
      progress.update(finished, sum.lines, static_cast<int>(inputs.size()));
      if (stop) break;
    }
  }
  progress.finish();

  if (!to_dir) {
    if (!opt.output_file.empty()) {
      for (auto f : opt.formats)
        write_file_atomic(output_file_for(opt.output_file, f, several), write_document(f, combined, opt.writer));
    } else if (opt.formats[0] != OutputFormat::Txt && opt.formats[0] != OutputFormat::Tsv && !jsonl_out) {
      if (opt.formats[0] == OutputFormat::Page && combined.size() > 1)
        log::warn("PAGE XML holds one page; writing the first of {} (use --output-dir)", combined.size());
      if (!(opt.formats[0] == OutputFormat::Page && combined.empty()))
        out << write_document(opt.formats[0], combined, opt.writer) << std::flush;
    }
  }
  sum.inputs = static_cast<int>(inputs.size());
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace ocr
