// Training data of the text-line detector: synthetic pages (synth/page_generator.h) go through
// the very preprocessing `ocr recognize` applies, are scaled as the detector scales a page at
// run time (detector_scale), and are cut into tiles with their line-core targets at map
// resolution.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ocr/core/rng.h"
#include "ocr/synth/page_generator.h"

namespace ocr {

// A page as the detector sees it.
struct DetectorPage {
  cv::Mat working;  // CV_8UC1 preprocessed page (as PreprocessedPage::gray)
  cv::Mat core;     // CV_8UC1 255/0, the lines' cores in working coordinates
  double text_height = 0;       // the preprocessing's x-height estimate of the working page
  double true_text_height = 0;  // the median x-height of the page's lines, working px
  std::string kind;
};

// Preprocesses a synthetic page as recognition does and carries its core along.
DetectorPage prepare_detector_page(const synth::SyntheticPage& page);

// A network input and its target: input CV_8UC1 (h × w, multiples of divisor), target CV_8UC1
// with 1 for core and 0 elsewhere at 1/divisor of that size. A map pixel is core when at least
// half of the input pixels it covers are.
struct DetectorSample {
  cv::Mat input;
  cv::Mat target;
};

// The page scaled for the network (detector_scale of its text height times `jitter`), padded
// with paper to multiples of divisor, and its target. text_height: the page's x-height the scale
// is computed from (the preprocessing's estimate, as the detector's first pass sees a page, or
// the true one, as its second pass does); 0 takes the estimate.
DetectorSample scale_detector_page(const DetectorPage& page, double model_text_height, double jitter,
                                   int divisor, double text_height = 0);

// `count` tiles of tile × tile input px (tile a multiple of divisor); about half are centred on a
// random line-core pixel so that thin lines are not rare in training, the rest anywhere.
// Pages smaller than a tile are padded with paper.
std::vector<DetectorSample> cut_tiles(const DetectorSample& page, int tile, int count, int divisor, Rng& rng);

// Renders, preprocesses and tiles pages on threads of its own (each with its own generator,
// seeded from config.lines.seed and its index): rendering a page costs more than training on
// its tiles. Each page is scaled twice and gives tiles_per_scale tiles per scale. Tiles come in
// the order they were made (the same sequence for a seed with one thread); the trainer mixes
// pages in its batches.
class DetectorTileLoader {
 public:
  DetectorTileLoader(const synth::PageGeneratorConfig& config, double model_text_height, int tile,
                     int tiles_per_scale, int divisor, int threads = 1, size_t capacity = 512);
  ~DetectorTileLoader();
  DetectorSample next();  // throws Error when the generator failed
  int64_t pages() const { return pages_; }

 private:
  void run(int index);
  synth::PageGeneratorConfig config_;
  double text_height_;
  int tile_, per_scale_, divisor_;
  size_t capacity_;
  std::deque<DetectorSample> queue_;
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> pages_{0};
  std::string error_;
  std::vector<std::thread> threads_;
};

}  // namespace ocr
