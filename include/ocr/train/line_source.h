// Where training lines come from: labelled files on disk or the synthetic generator, prepared
// (normalised, encoded) in a background thread so training never waits for data.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ocr/core/rng.h"
#include "ocr/ctc/alphabet.h"
#include "ocr/eval/gt_image.h"
#include "ocr/image/line_sample.h"
#include "ocr/segment/line_normalizer.h"

namespace ocr {

class LineSource {
 public:
  virtual ~LineSource() = default;
  // Never runs dry: file sources start a new shuffled epoch.
  virtual LineSample next() = 0;
  virtual std::string describe() const = 0;
  // Lines in one pass (an epoch), 0 for an endless source.
  virtual size_t count() const { return 0; }
};

// A labelled line image read the way `ocr recognize --layout line` prepares one
// (prepare_line_image). Throws Error naming the file: unreadable, or no text line found.
cv::Mat read_training_line(const std::string& path);
// The same from the file's bytes, already read.
cv::Mat read_training_line(std::vector<uint8_t> bytes, const std::string& path);
// A ground-truth pair's line: its image file, or its region of a page image (PAGE/ALTO).
cv::Mat read_training_line(const GtPair& pair, GtImageReader& reader);

// Line images with STEM.gt.txt beside them (a folder or a list file), loaded once into memory
// and prepared the way `ocr recognize --layout line` prepares a line image (prepare_line_image),
// so a model trained or fine-tuned on them is fitted to the pixels it will read.
class FileLineSource : public LineSource {
 public:
  // Bad entries (missing/empty ground truth, unreadable image) are logged with their path and
  // counted in skipped(). Throws IoError if nothing usable remains.
  FileLineSource(const std::string& dir_or_list, uint64_t seed);
  LineSample next() override;
  std::string describe() const override { return describe_; }
  size_t count() const override { return samples_.size(); }
  const std::vector<LineSample>& samples() const { return samples_; }
  // When on, next() returns a randomly perturbed copy of each line (augment_line).
  void set_augment(bool on) { augment_ = on; }
  // Takes n lines (a seeded random choice) out of the training pool and returns them, for
  // validation when no separate set is given. Throws Error if fewer than n + 1 would remain.
  std::vector<LineSample> hold_out(size_t n);
  int skipped() const { return skipped_; }

 private:
  std::vector<LineSample> samples_;
  std::vector<size_t> order_;
  size_t cursor_ = 0;
  bool augment_ = false;
  Rng rng_;
  int skipped_ = 0;
  std::string describe_;
};

// A line ready for the network.
struct PreparedLine {
  MatrixF input;            // normalised, height × width
  std::vector<int> labels;  // CTC labels
  std::string text, origin;
};

// Pulls from a source in a background thread, normalises and encodes, and keeps a bounded
// queue full. Lines whose text has characters outside the alphabet, or that are too narrow for
// their text, are skipped and counted. When every line of two passes over a source (or 1 000 in
// a row of an endless one) is skipped, next() throws "no usable training lines" instead of
// waiting for ever.
class PrefetchingLoader {
 public:
  PrefetchingLoader(std::unique_ptr<LineSource> source, const Alphabet& alphabet,
                    LineNormalization norm, int width_divisor, size_t capacity = 256);
  ~PrefetchingLoader();
  PreparedLine next();
  int64_t skipped() const { return skipped_.load(); }
  std::string describe() const { return source_->describe(); }

 private:
  void run();
  std::unique_ptr<LineSource> source_;
  Alphabet alphabet_;
  LineNormalization norm_;
  int divisor_;
  size_t capacity_;
  std::deque<PreparedLine> queue_;
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> skipped_{0};
  std::string error_;
  std::thread thread_;
};

// Prepares one line; returns false (with the reason) if it cannot be trained on.
bool prepare_line(const LineSample& s, const Alphabet& alphabet, const LineNormalization& norm,
                  int width_divisor, PreparedLine& out, std::string* why);

}  // namespace ocr
