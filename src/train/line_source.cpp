#include "ocr/train/line_source.h"

#include <algorithm>
#include <cstring>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/ctc/ctc_loss.h"
#include "ocr/eval/dataset.h"
#include "ocr/eval/gt_image.h"
#include "ocr/image/image_io.h"
#include "ocr/pipeline/page_recognizer.h"
#include "ocr/train/augment.h"

namespace ocr {

cv::Mat read_training_line(const std::string& path) { return read_training_line(read_file_bytes(path), path); }

cv::Mat read_training_line(std::vector<uint8_t> bytes, const std::string& path) {
  ImageFile file = ImageFile::from_bytes(std::move(bytes), path);
  PageImage page = file.page(0);
  cv::Mat line = prepare_line_image(page.image, {}, page.dpi);
  if (line.empty()) throw FormatError(path + ": no text line found");
  return line;
}

cv::Mat read_training_line(const GtPair& pair, GtImageReader& reader) {
  if (!pair.is_region()) return read_training_line(pair.image);
  PageImage page = reader.read(pair);
  cv::Mat line = prepare_line_image(page.image, {}, page.dpi);
  if (line.empty()) throw FormatError(pair.name() + ": no text line found");
  return line;
}

FileLineSource::FileLineSource(const std::string& dir_or_list, uint64_t seed) : seed_(seed) {
  std::vector<std::string> problems;
  std::vector<GtPair> pairs = find_gt_pairs(dir_or_list, &problems);
  for (const auto& p : problems) log::warn("{}", p);
  skipped_ = int(problems.size());
  GtImageReader reader;
  for (const auto& p : pairs) {
    try {
      samples_.push_back({read_training_line(p, reader), p.text, p.name()});
    } catch (const Error& e) {
      log::warn("{}, skipped", e.what());
      ++skipped_;
    }
  }
  if (samples_.empty())
    throw IoError(dir_or_list + ": no usable line images with ground truth");
  // The held-out lines are the first of a seeded shuffle.
  order_.resize(samples_.size());
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  Rng rng(seed_);
  std::shuffle(order_.begin(), order_.end(), rng.engine());
  describe_ = dir_or_list + " (" + std::to_string(samples_.size()) + " lines)";
}

std::vector<LineSample> FileLineSource::hold_out(size_t n) {
  if (n + 1 > samples_.size())
    throw Error("cannot hold out " + std::to_string(n) + " of " + std::to_string(samples_.size()) +
                " lines for validation");
  // order_ is already a seeded shuffle: its first n entries are the held-out lines.
  std::vector<bool> held(samples_.size(), false);
  for (size_t i = 0; i < n; ++i) held[order_[i]] = true;
  std::vector<LineSample> out, kept;
  for (size_t i = 0; i < samples_.size(); ++i) (held[i] ? out : kept).push_back(std::move(samples_[i]));
  samples_ = std::move(kept);
  order_epoch_ = UINT64_MAX;
  describe_ += ", " + std::to_string(n) + " held out";
  return out;
}

LineSample FileLineSource::at(uint64_t index) {
  const uint64_t n = samples_.size(), epoch = index / n;
  if (epoch != order_epoch_) {
    order_.resize(samples_.size());
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    Rng rng(stream_seed(seed_, epoch));
    std::shuffle(order_.begin(), order_.end(), rng.engine());
    order_epoch_ = epoch;
  }
  LineSample s = samples_[order_[index % n]];
  if (augment_) {
    // Its own stream, apart from the epochs' shuffles.
    Rng rng(stream_seed(~seed_, index));
    s.image = augment_line(s.image, rng);
  }
  return s;
}

bool prepare_line(const LineSample& s, const Alphabet& alphabet, const LineNormalization& norm,
                  int divisor, PreparedLine& out, std::string* why) {
  try {
    out.labels = alphabet.encode(s.text);
  } catch (const FormatError& e) {
    if (why) *why = e.what();
    return false;
  }
  if (s.image.empty()) {
    if (why) *why = "empty image";
    return false;
  }
  out.input = normalize_line(s.image, norm);
  const int frames = int(out.input.cols()) / divisor;
  if (frames < ctc_min_frames(out.labels)) {
    if (why)
      *why = "line too narrow for its text (" + std::to_string(frames) + " frames for " +
             std::to_string(out.labels.size()) + " characters)";
    return false;
  }
  out.text = s.text;
  out.origin = s.origin;
  return true;
}

std::vector<char> pack_line(const PreparedLine& line) {
  const uint64_t head[6] = {uint64_t(line.input.rows()), uint64_t(line.input.cols()), line.labels.size(),
                            line.text.size(), line.origin.size(), line.index};
  std::vector<char> out;
  auto put = [&](const void* p, size_t n) { out.insert(out.end(), static_cast<const char*>(p), static_cast<const char*>(p) + n); };
  put(head, sizeof head);
  put(line.input.data(), size_t(line.input.size()) * sizeof(float));
  put(line.labels.data(), line.labels.size() * sizeof(int));
  put(line.text.data(), line.text.size());
  put(line.origin.data(), line.origin.size());
  return out;
}

PreparedLine unpack_line(const std::vector<char>& bytes) {
  uint64_t head[6];
  if (bytes.size() < sizeof head) throw Error("a packed line: too short");
  std::memcpy(head, bytes.data(), sizeof head);
  const uint64_t rows = head[0], cols = head[1], labels = head[2], text = head[3], origin = head[4];
  // Each count bounded before any product of them can overflow.
  if (rows > (1u << 16) || cols > (1u << 24) || labels > (1u << 24) || text > (1u << 24) || origin > (1u << 24) ||
      bytes.size() != sizeof head + rows * cols * sizeof(float) + labels * sizeof(int) + text + origin)
    throw Error("a packed line: sizes do not match its " + std::to_string(bytes.size()) + " bytes");
  PreparedLine line;
  size_t at = sizeof head;
  auto get = [&](void* p, size_t n) {
    if (n) std::memcpy(p, bytes.data() + at, n);
    at += n;
  };
  line.input.resize(Index(rows), Index(cols));
  get(line.input.data(), rows * cols * sizeof(float));
  line.labels.resize(labels);
  get(line.labels.data(), labels * sizeof(int));
  line.text.resize(text);
  get(line.text.data(), text);
  line.origin.resize(origin);
  get(line.origin.data(), origin);
  line.index = head[5];
  return line;
}

PrefetchingLoader::PrefetchingLoader(std::unique_ptr<LineSource> source, const Alphabet& alphabet,
                                     LineNormalization norm, int width_divisor, size_t capacity,
                                     StreamShard shard)
    : source_(std::move(source)), alphabet_(alphabet), norm_(norm), divisor_(width_divisor),
      capacity_(capacity), shard_(shard) {
  if (shard_.count < 1 || shard_.rank < 0 || shard_.rank >= shard_.count)
    throw Error("bad stream shard " + std::to_string(shard_.rank) + " of " + std::to_string(shard_.count));
  thread_ = std::thread([this] { run(); });
}

PrefetchingLoader::~PrefetchingLoader() {
  stop_ = true;
  not_full_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PrefetchingLoader::run() {
  int64_t warned = 0;
  // Two passes, so random variation (augmentation) gets a second chance on borderline lines.
  const size_t n = source_->count();
  const int64_t max_in_a_row = n ? int64_t(2 * n) : 1000;
  int64_t in_a_row = 0;
  try {
    for (uint64_t index = uint64_t(shard_.rank); !stop_; index += uint64_t(shard_.count)) {
      LineSample s = source_->at(index);
      PreparedLine p;
      std::string why;
      if (!prepare_line(s, alphabet_, norm_, divisor_, p, &why)) {
        ++skipped_;
        if (warned++ < 20) log::warn("{}: {}, skipped", s.origin, why);
        if (++in_a_row >= max_in_a_row)
          throw Error("no usable training lines in " + source_->describe() + ": the last " + std::to_string(in_a_row) +
                      " were all skipped (e.g. " + s.origin + ": " + why + ")");
        p = PreparedLine{};
        p.usable = false;
      } else {
        in_a_row = 0;
      }
      p.index = index;
      std::unique_lock<std::mutex> lock(mutex_);
      not_full_.wait(lock, [&] { return stop_ || queue_.size() < capacity_; });
      if (stop_) break;
      queue_.push_back(std::move(p));
      not_empty_.notify_one();
    }
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = e.what();
    not_empty_.notify_all();
  }
}

PreparedLine PrefetchingLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  not_empty_.wait(lock, [&] { return !queue_.empty() || !error_.empty(); });
  if (queue_.empty()) throw Error("training data: " + error_);
  PreparedLine p = std::move(queue_.front());
  queue_.pop_front();
  not_full_.notify_one();
  return p;
}

}  // namespace ocr
