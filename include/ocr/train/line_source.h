// Where training lines come from: labelled files on disk or the synthetic generator, prepared
// (normalised, encoded) in a background thread so training never waits for data.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
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

// An endless seeded stream of training lines, drawn by index: line i is the same whoever draws it
// and whatever was drawn before, so each rank of an MPI run draws (renders, augments) only its
// own share of the one stream that a single process would train on.
class LineSource {
 public:
  virtual ~LineSource() = default;
  // Line `index` of the stream; file sources go through their lines in a new seeded order each
  // epoch (pass).
  virtual LineSample at(uint64_t index) = 0;
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
  LineSample at(uint64_t index) override;
  std::string describe() const override { return describe_; }
  size_t count() const override { return samples_.size(); }
  const std::vector<LineSample>& samples() const { return samples_; }
  // When on, at() returns a randomly perturbed copy of each line (augment_line).
  void set_augment(bool on) { augment_ = on; }
  // Takes n lines (a seeded random choice) out of the training pool and returns them, for
  // validation when no separate set is given. Throws Error if fewer than n + 1 would remain.
  std::vector<LineSample> hold_out(size_t n);
  int skipped() const { return skipped_; }

 private:
  std::vector<LineSample> samples_;
  std::vector<size_t> order_;  // the order of epoch order_epoch_
  uint64_t order_epoch_ = UINT64_MAX;
  bool augment_ = false;
  uint64_t seed_;
  int skipped_ = 0;
  std::string describe_;
};

// A line ready for the network.
struct PreparedLine {
  MatrixF input;            // normalised, height × width
  std::vector<int> labels;  // CTC labels
  std::string text, origin;
  uint64_t index = 0;       // in the source's stream
  bool usable = true;       // false: skipped (too narrow, characters outside the alphabet); no input
};

// A prepared line as bytes and back, to hand it to another rank of an MPI run (native byte
// order: the ranks of one run share it). unpack_line throws Error on bytes that do not hold one.
std::vector<char> pack_line(const PreparedLine& line);
PreparedLine unpack_line(const std::vector<char>& bytes);

// Which lines of a stream one process draws: indices rank, rank + count, rank + 2 count, ...
struct StreamShard {
  int rank = 0, count = 1;
};

// Draws a shard of a source's stream in a background thread, in index order, normalises and
// encodes, and keeps a bounded queue full. Every index of the shard comes out: a line whose text
// has characters outside the alphabet, or that is too narrow for its text, comes out marked not
// usable (so all ranks agree on which lines a stretch of the stream holds) and is counted. When
// every line of two passes over a source (or 1 000 in a row of an endless one) is skipped, next()
// throws "no usable training lines" instead of waiting for ever.
class PrefetchingLoader {
 public:
  PrefetchingLoader(std::unique_ptr<LineSource> source, const Alphabet& alphabet,
                    LineNormalization norm, int width_divisor, size_t capacity = 256,
                    StreamShard shard = {});
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
  StreamShard shard_;
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
