#include "ocr/train/detector_data.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/detect/detector.h"
#include "ocr/image/resample.h"
#include "ocr/preprocess/preprocess.h"

namespace ocr {

DetectorPage prepare_detector_page(const synth::SyntheticPage& page) {
  if (page.image.empty() || page.core.size() != page.image.size())
    throw ShapeError("synthetic page: image and core differ in size");
  PreprocessedPage pre = preprocess(page.image, PreprocessOptions{});
  DetectorPage out;
  out.working = pre.gray;
  out.text_height = pre.text_height;
  out.kind = page.kind;
  std::vector<float> heights;
  for (const auto& l : page.lines) heights.push_back(l.x_height);
  if (!heights.empty()) {
    std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
    out.true_text_height = heights[heights.size() / 2] * pre.scale;
  }
  // to_original maps working to input pixels: exactly what warpAffine's inverse map wants.
  cv::warpAffine(page.core, out.core, pre.to_original, pre.gray.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_CONSTANT, 0);
  cv::threshold(out.core, out.core, 127, 255, cv::THRESH_BINARY);
  return out;
}

DetectorSample scale_detector_page(const DetectorPage& page, double model_text_height, double jitter, int divisor,
                                   double text_height) {
  const double s = detector_scale(text_height > 0 ? text_height : page.text_height, model_text_height) * jitter;
  const cv::Size size(std::max(divisor, int(std::lround(page.working.cols * s))),
                      std::max(divisor, int(std::lround(page.working.rows * s))));
  DetectorSample out;
  cv::Mat core;
  const int interpolation = s < 1 ? cv::INTER_AREA : cv::INTER_LINEAR;
  // The page as the detector shrinks it when reading (core_map).
  if (s < 1) area_resize(page.working, out.input, size);
  else cv::resize(page.working, out.input, size, 0, 0, cv::INTER_LINEAR);
  cv::resize(page.core, core, size, 0, 0, interpolation);
  const int W = (size.width + divisor - 1) / divisor * divisor, H = (size.height + divisor - 1) / divisor * divisor;
  cv::copyMakeBorder(out.input, out.input, 0, H - size.height, 0, W - size.width, cv::BORDER_CONSTANT, 255);
  cv::copyMakeBorder(core, core, 0, H - size.height, 0, W - size.width, cv::BORDER_CONSTANT, 0);
  cv::resize(core, out.target, cv::Size(W / divisor, H / divisor), 0, 0, cv::INTER_AREA);
  cv::threshold(out.target, out.target, 127, 1, cv::THRESH_BINARY);
  return out;
}

std::vector<DetectorSample> cut_tiles(const DetectorSample& page, int tile, int count, int divisor, Rng& rng) {
  if (tile % divisor) throw Error("detector tile size must be a multiple of " + std::to_string(divisor));
  const int mt = tile / divisor;
  // Pad a small page up to a tile with paper (input) and background (target).
  cv::Mat input = page.input, target = page.target;
  if (target.rows < mt || target.cols < mt) {
    const int pr = std::max(0, mt - target.rows), pc = std::max(0, mt - target.cols);
    cv::copyMakeBorder(input, input, 0, pr * divisor, 0, pc * divisor, cv::BORDER_CONSTANT, 255);
    cv::copyMakeBorder(target, target, 0, pr, 0, pc, cv::BORDER_CONSTANT, 0);
  }
  std::vector<cv::Point> core;
  cv::findNonZero(target, core);
  std::vector<DetectorSample> tiles;
  for (int i = 0; i < count; ++i) {
    int cx, cy;  // tile origin, map px
    if (!core.empty() && rng.chance(0.5)) {
      const cv::Point c = core[size_t(rng.integer(0, int64_t(core.size()) - 1))];
      cx = c.x - int(rng.integer(mt / 4, 3 * mt / 4));
      cy = c.y - int(rng.integer(mt / 4, 3 * mt / 4));
    } else {
      cx = int(rng.integer(0, target.cols - mt));
      cy = int(rng.integer(0, target.rows - mt));
    }
    cx = std::clamp(cx, 0, target.cols - mt);
    cy = std::clamp(cy, 0, target.rows - mt);
    DetectorSample t;
    t.input = input(cv::Rect(cx * divisor, cy * divisor, tile, tile)).clone();
    t.target = target(cv::Rect(cx, cy, mt, mt)).clone();
    tiles.push_back(std::move(t));
  }
  return tiles;
}

DetectorTileLoader::DetectorTileLoader(const synth::PageGeneratorConfig& config, double model_text_height, int tile,
                                       int tiles_per_scale, int divisor, int threads, size_t capacity)
    : config_(config), text_height_(model_text_height), tile_(tile), per_scale_(tiles_per_scale), divisor_(divisor),
      capacity_(capacity) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this, i] { run(i); });
}

DetectorTileLoader::~DetectorTileLoader() {
  stop_ = true;
  not_full_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void DetectorTileLoader::run(int index) {
  try {
    synth::PageGeneratorConfig config = config_;
    config.lines.seed = config_.lines.seed + uint64_t(index) * 1000003;
    synth::PageGenerator gen(config);
    Rng rng(config.lines.seed * 7919 + 13);
    while (!stop_) {
      DetectorPage page = prepare_detector_page(gen.next());
      std::vector<DetectorSample> tiles;
      for (int k = 0; k < 2; ++k) {
        // Once at the scale the preprocessing's estimate gives (the detector's first pass, wild
        // estimates included), once at the lines' true x-height (its second pass, at the height
        // the first pass measured), each with jitter.
        const double height = k == 0 ? page.text_height : page.true_text_height;
        DetectorSample scaled =
            scale_detector_page(page, text_height_, std::exp(rng.uniform(-0.25, 0.25)), divisor_, height);
        for (auto& t : cut_tiles(scaled, tile_, per_scale_, divisor_, rng)) tiles.push_back(std::move(t));
      }
      ++pages_;
      for (auto& t : tiles) {
        std::unique_lock<std::mutex> lock(mutex_);
        not_full_.wait(lock, [&] { return stop_ || queue_.size() < capacity_; });
        if (stop_) return;
        queue_.push_back(std::move(t));
        not_empty_.notify_one();
      }
    }
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = e.what();
    not_empty_.notify_all();
  }
}

DetectorSample DetectorTileLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  not_empty_.wait(lock, [&] { return !queue_.empty() || !error_.empty(); });
  if (queue_.empty()) throw Error("detector training pages: " + error_);
  DetectorSample s = std::move(queue_.front());
  queue_.pop_front();
  not_full_.notify_one();
  return s;
}

}  // namespace ocr
