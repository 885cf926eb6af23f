#include "ocr/train/detector_trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/gemm_bf16.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"
#include "ocr/detect/detector.h"
#include "ocr/image/opencv_threads.h"
#include "ocr/model/model.h"
#include "ocr/nn/map_loss.h"
#include "ocr/nn/network.h"
#include "ocr/train/data_parallel.h"
#include "ocr/train/optimizer.h"
#include "ocr/train/schedule.h"

namespace ocr {

namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, double> parse_kinds(const std::string& s) {
  if (s.empty()) return {};
  return synth::parse_weights(s, "--page-kinds");
}

// Targets (CV_8UC1 0/1 at map resolution) as activations shaped like the network's output.
Activations make_targets(const std::vector<const DetectorSample*>& tiles, const Activations& like) {
  Activations t;
  t.reshape_like(like, 1);
  t.data.setZero();
  for (size_t n = 0; n < tiles.size(); ++n) {
    const cv::Mat& m = tiles[n]->target;
    if (m.rows != like.height || m.cols > like.width)
      throw ShapeError("detector target " + std::to_string(m.cols) + "x" + std::to_string(m.rows) +
                       " does not match the network's map " + std::to_string(like.width) + "x" +
                       std::to_string(like.height));
    for (int x = 0; x < m.cols; ++x)
      for (int y = 0; y < m.rows; ++y) t.data(0, t.column(x, int(n), y)) = Scalar(m.at<uint8_t>(y, x));
  }
  return t;
}

std::vector<double> tile_step(Network& net, const std::vector<DetectorSample>& batch, const std::vector<size_t>& ids) {
  std::vector<const DetectorSample*> part;
  std::vector<cv::Mat> inputs;
  for (size_t i : ids) {
    part.push_back(&batch[i]);
    inputs.push_back(batch[i].input);
  }
  const Activations input = make_detector_input(inputs);
  const Activations& out = net.forward(input, Mode::Train);
  const Activations targets = make_targets(part, out);
  Activations dout;
  MapLossResult r = map_loss(out, targets, nullptr, MapLossOptions{}, dout);
  // Each replica's loss is over its share of the batch: weigh its gradient by that share.
  dout.data *= Scalar(double(ids.size()) / double(batch.size()));
  net.backward(dout);
  return std::vector<double>(ids.size(), r.loss);
}

// Validation pages: held-out fonts and a fixed seed, the same in every run.
std::vector<DetectorPage> validation_pages(const DetectorTrainConfig& c) {
  synth::PageGeneratorConfig vc;
  vc.lines.split = "holdout";
  vc.lines.seed = 0x5eed0002;
  vc.kind_weights = parse_kinds(c.page_kinds);
  synth::PageGenerator gen(vc);
  std::vector<DetectorPage> pages;
  for (int i = 0; i < c.val_pages; ++i) pages.push_back(prepare_detector_page(gen.next()));
  return pages;
}

}  // namespace

DetectorScore score_detector(const TextLineDetector& detector, const std::vector<DetectorPage>& pages) {
  DetectorScore s;
  int64_t tp = 0, fp = 0, fn = 0;
  for (const auto& page : pages) {
    // The map of the pass the detector keeps, as recognition reads the page.
    const TextLineDetector::CoreMap map = detector.run(page.working, page.text_height).map;
    cv::Mat predicted = map.prob >= detector.settings().threshold;  // 255 / 0
    cv::Mat truth;
    cv::resize(page.core, truth, map.prob.size(), 0, 0, cv::INTER_AREA);
    truth = truth >= 128;
    tp += cv::countNonZero(predicted & truth);
    fp += cv::countNonZero(predicted & ~truth);
    fn += cv::countNonZero(~predicted & truth);
    // Lines: components of each map, and how much of each lies on the other.
    cv::Mat tl, pl;
    const int nt = cv::connectedComponents(truth, tl, 8, CV_32S);
    const int np = cv::connectedComponents(predicted, pl, 8, CV_32S);
    std::vector<int64_t> t_size(size_t(nt), 0), t_hit(size_t(nt), 0), p_size(size_t(np), 0), p_hit(size_t(np), 0);
    for (int y = 0; y < tl.rows; ++y)
      for (int x = 0; x < tl.cols; ++x) {
        const int a = tl.at<int>(y, x), b = pl.at<int>(y, x);
        if (a) ++t_size[size_t(a)];
        if (b) ++p_size[size_t(b)];
        if (a && b) {
          ++t_hit[size_t(a)];
          ++p_hit[size_t(b)];
        }
      }
    for (int i = 1; i < nt; ++i) {
      ++s.true_lines;
      if (2 * t_hit[size_t(i)] >= t_size[size_t(i)]) ++s.found_lines;
    }
    for (int i = 1; i < np; ++i) {
      ++s.predicted_lines;
      if (2 * p_hit[size_t(i)] < p_size[size_t(i)]) ++s.false_lines;
    }
  }
  s.pixel_precision = tp + fp ? double(tp) / double(tp + fp) : 1;
  s.pixel_recall = tp + fn ? double(tp) / double(tp + fn) : 1;
  const double p = s.pixel_precision, r = s.pixel_recall;
  s.pixel_f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
  return s;
}

DetectorTrainSummary train_detector(const DetectorTrainConfig& c) {
  if (c.out.empty()) throw Error("detector training: no output path");
  if (c.batch < 1 || c.tile < 16) throw Error("detector training: batch must be >= 1 and tile >= 16");
  set_thread_count(c.threads);
  const Precision precision = training_precision(c.precision);
  set_bf16_training(precision == Precision::Bf16);
  log::info("training precision: {}{}", precision_name(precision), c.precision == Precision::Auto ? " (auto)" : "");
  const OpenCvSingleThread openmp_owns_cores;

  std::shared_ptr<Model> model;
  if (!c.init.empty()) {
    model = Model::load(c.init, ModelKind::Detector);
    if (c.text_height > 0) {
      DetectorSettings settings = detector_settings(*model);
      settings.text_height = c.text_height;
      store_detector_settings(*model, settings);
    }
  } else {
    model = std::make_shared<Model>(c.spec, c.tile, c.seed);
    DetectorSettings settings;
    if (c.text_height > 0) settings.text_height = c.text_height;
    store_detector_settings(*model, settings);
  }
  const DetectorSettings settings = detector_settings(*model);
  Network& net = model->network();
  const int divisor = net.width_divisor();
  if (c.tile % divisor) throw Error("detector training: --tile must be a multiple of " + std::to_string(divisor));
  model->metadata().data = "synthetic pages from ocr's page generator" +
                           (c.page_kinds.empty() ? std::string() : " (kinds " + c.page_kinds + ")");
  log::info("detector net: {} ({} parameters, {:.2f} GFLOP per {}x{} tile), text height {} px", model->spec(),
            model->parameter_count(), 2 * net.forward_macs(c.tile) / 1e9, c.tile,
            c.tile, settings.text_height);

  log::info("rendering {} validation pages", c.val_pages);
  const std::vector<DetectorPage> val = validation_pages(c);

  synth::PageGeneratorConfig gen;
  gen.lines.seed = c.seed;
  gen.kind_weights = parse_kinds(c.page_kinds);
  DetectorTileLoader loader(gen, settings.text_height, c.tile, 8, divisor, c.data_threads);

  ParamList params = net.trainable_params();
  Adam adam(params);
  DataParallelStep parallel_step(net, thread_count());
  const int warmup = c.init.empty() ? c.warmup : std::min(c.warmup, 50);
  DetectorTrainSummary summary;
  auto evaluate = [&](const char* what) {
    TextLineDetector detector(model);
    DetectorScore s = score_detector(detector, val);
    log::info("{}: lines F1 {:.2f}% (found {}/{}, {} false of {}), pixels P {:.1f}% R {:.1f}% F1 {:.2f}%", what,
              100 * s.line_f1(), s.found_lines, s.true_lines, s.false_lines, s.predicted_lines,
              100 * s.pixel_precision, 100 * s.pixel_recall, 100 * s.pixel_f1);
    return s;
  };
  if (!c.init.empty() && !val.empty()) {
    summary.best_f1 = evaluate("init model").line_f1();
    model->metadata().validation_cer = 1 - summary.best_f1;
    model->save(c.out);
  }
  const bool tty = ::isatty(2) != 0;
  const auto start = Clock::now();
  double loss_avg = -1;
  std::deque<std::string> kept;
  std::deque<double> recent;  // losses of the last batches
  std::vector<DetectorSample> pool;
  const size_t kPoolTiles = size_t(std::max(64, 4 * c.batch));
  Rng batch_rng(c.seed * 31 + 7);
  for (int64_t it = 0; it < c.iterations; ++it) {
    // A pool of tiles from many pages, drawn from at random: a batch mixes pages.
    while (pool.size() < kPoolTiles) pool.push_back(loader.next());
    std::vector<DetectorSample> batch;
    for (int i = 0; i < c.batch; ++i) {
      const size_t pick = size_t(batch_rng.integer(0, int64_t(pool.size()) - 1));
      batch.push_back(std::move(pool[pick]));
      pool[pick] = std::move(pool.back());
      pool.pop_back();
    }
    std::vector<double> losses = parallel_step.run(
        batch.size(), [&](Network& n, const std::vector<size_t>& ids) { return tile_step(n, batch, ids); });
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    double progress = double(it) / double(c.iterations);
    if (c.time_budget_minutes > 0) progress = std::max(progress, secs / (60 * c.time_budget_minutes));
    const double lr = scheduled_learning_rate(c.lr, c.decay_fraction, it, warmup, progress);
    adam.step(lr);
    double loss = 0;
    for (double l : losses) loss += l;
    loss /= double(losses.size());
    loss_avg = loss_avg < 0 ? loss : 0.98 * loss_avg + 0.02 * loss;
    if (it == 0) summary.first_loss = loss;
    recent.push_back(loss);
    if (recent.size() > 50) recent.pop_front();
    summary.last_loss = 0;
    for (double l : recent) summary.last_loss += l / double(recent.size());
    summary.iterations = it + 1;
    summary.tiles += int64_t(batch.size());
    model->metadata().iterations += 1;
    model->metadata().lines_seen += int64_t(batch.size());
    const double tps = double(summary.tiles) / std::max(1e-9, secs);
    if (tty) {
      std::fprintf(stderr, "\r  iter %lld  loss %.4f  lr %.2e  %.1f tiles/s  %lld pages   ", (long long)(it + 1),
                   loss_avg, lr, tps, (long long)loader.pages());
      std::fflush(stderr);
    } else if ((it + 1) % 100 == 0) {
      log::info("iter {} loss {:.4f} lr {:.2e} {:.1f} tiles/s {} pages", it + 1, loss_avg, lr, tps, loader.pages());
    }
    const bool out_of_time = c.time_budget_minutes > 0 && secs >= 60 * c.time_budget_minutes;
    const bool last = it + 1 == c.iterations || out_of_time;
    if ((it + 1) % c.val_every == 0 || last) {
      if (tty) std::fprintf(stderr, "\n");
      const std::string what = "iter " + std::to_string(it + 1);
      double f1 = -1;
      bool better = val.empty();  // without a validation set every checkpoint is "the best"
      if (!val.empty()) {
        f1 = evaluate(what.c_str()).line_f1();
        better = f1 > summary.best_f1;
        if (better) summary.best_f1 = f1;
      }
      // The latest before the best: a kill between the two writes then leaves a best no newer
      // than the latest a resumed run starts from.
      const double best = model->metadata().validation_cer;
      if (f1 >= 0) model->metadata().validation_cer = 1 - f1;  // the file's one figure: 1 - line F1
      model->save(c.out + ".last");
      if (better) {
        model->save(c.out);
        if (f1 >= 0) log::info("best so far: saved {}", c.out);
      }
      if (c.keep_checkpoints > 0) {
        const std::string path = checkpoint_path(c.out, it + 1, f1 >= 0 ? 1 - f1 : -1, "err");
        model->save(path);
        keep_checkpoint(kept, path, c.keep_checkpoints);
      }
      if (!better) model->metadata().validation_cer = best;
      if (out_of_time) break;
    }
  }
  summary.pages = loader.pages();
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace ocr
