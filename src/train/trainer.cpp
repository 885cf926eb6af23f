#include "ocr/train/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <sstream>
#include <tuple>
#include <type_traits>

#include "ocr/core/gemm_bf16.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/ctc_loss.h"
#include "ocr/eval/metrics.h"
#include "ocr/image/opencv_threads.h"
#include "ocr/nn/network.h"
#include "ocr/pipeline/line_recognizer.h"
#include "ocr/pipeline/network_input.h"
#include "ocr/synth/line_generator.h"
#include "ocr/train/communicator.h"
#include "ocr/train/data_parallel.h"
#include "ocr/train/line_source.h"
#include "ocr/train/optimizer.h"
#include "ocr/train/schedule.h"

namespace ocr {

namespace {

constexpr size_t kMinLinesForHoldout = 40;  // fewer: every line is needed for training

using Clock = std::chrono::steady_clock;

class SynthLineSource : public LineSource {
 public:
  SynthLineSource(const synth::GeneratorConfig& cfg, const std::string& what)
      : gen_(cfg), what_(what + "; " + gen_.describe_mix()) {}
  LineSample at(uint64_t index) override { return gen_.at(index); }
  std::string describe() const override { return what_; }
  const std::u32string& alphabet() const { return gen_.alphabet(); }

 private:
  synth::LineGenerator gen_;
  std::string what_;
};

std::map<std::string, double> parse_profiles(const std::string& s) {
  std::map<std::string, double> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos) throw FormatError("--synth-profiles: expected NAME=WEIGHT, got '" + item + "'");
    out[item.substr(0, eq)] = std::atof(item.c_str() + eq + 1);
  }
  return out;
}

struct Validation {
  double cer = 1;
  int64_t edits = 0, chars = 0;
};

Validation validate(const std::shared_ptr<Model>& model, const std::vector<LineSample>& lines) {
  LineRecognizer rec(model);
  std::vector<cv::Mat> images;
  for (const auto& l : lines) images.push_back(l.image);
  auto results = rec.recognize(images);
  Validation v;
  for (size_t i = 0; i < lines.size(); ++i) {
    v.edits += edit_distance(utf8_decode(lines[i].text), utf8_decode(results[i].text));
    v.chars += int64_t(utf8_decode(lines[i].text).size());
  }
  v.cer = v.chars ? double(v.edits) / double(v.chars) : 0;
  return v;
}

bool stderr_is_terminal() { return ::isatty(2) != 0; }

// Keeps the ranks of an MPI run in step. After each rank's backward, one all-reduce of one
// contiguous float buffer sums the gradients of the trainable parameters; the same buffer
// averages the batch-norm running statistics (each rank updated them from its own lines) and
// carries the loss sum and rank 0's clock, so that every rank sees the same learning rate and
// the same end of a time budget. Every rank then takes the same Adam step, so the weights stay
// equal without being sent. Batch norm in training mode normalises with each rank's own batch
// statistics (not synchronised, as with data-parallel threads), so a net with Bn trained on 2
// ranks × batch b is close to, not equal to, 1 rank × batch 2b; without Bn they are equal up to
// float summation order.
class RankSync {
 public:
  RankSync(Communicator& comm, Network& net) : comm_(comm), net_(net) {
    for (const Param& p : net.params())
      if (!p.trainable()) stats_.push_back(p);
  }
  // Returns the loss sum over all ranks and rank 0's elapsed seconds.
  std::pair<double, double> reduce(const ParamList& trainable, double loss_sum, double elapsed) {
    if (comm_.size() == 1) return {loss_sum, elapsed};
    size_grads(trainable);
    buffer_.clear();
    // (trainable_params() lists batch-norm statistics too, without gradients: they come below)
    for (const Param& p : trainable)
      if (p.trainable()) append(*p.grad);
    for (const Param& p : stats_) append(*p.value);
    buffer_.push_back(float(loss_sum));
    buffer_.push_back(comm_.rank() == 0 ? float(elapsed) : 0.f);
    comm_.allreduce_sum(buffer_.data(), buffer_.size());
    size_t at = 0;
    for (const Param& p : trainable)
      if (p.trainable()) take(*p.grad, at, 1);
    for (const Param& p : stats_) take(*p.value, at, 1.f / float(comm_.size()));
    return {double(buffer_[at]), double(buffer_[at + 1])};
  }
  // Rank 0's weights and statistics to every rank: at the start (--init read by all, but a
  // fresh net must not depend on every rank drawing the same numbers) and at each validation.
  void broadcast_weights() {
    if (comm_.size() == 1) return;
    for (const Param& p : net_.params()) comm_.broadcast(p.value->data(), size_t(p.value->size()) * sizeof(Scalar), 0);
  }
  // Rank 0's decision (stop or not) to every rank.
  bool broadcast_flag(bool flag) {
    if (comm_.size() == 1) return flag;
    char f = flag ? 1 : 0;
    comm_.broadcast(&f, 1, 0);
    return f != 0;
  }

 private:
  void append(const Matrix& m) { buffer_.insert(buffer_.end(), m.data(), m.data() + m.size()); }
  void take(Matrix& m, size_t& at, float scale) {
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = buffer_[at + size_t(i)] * scale;
    at += size_t(m.size());
  }
  Communicator& comm_;
  Network& net_;
  ParamList stats_;
  std::vector<float> buffer_;
};

// The lines of the coming steps, shared out among the ranks. Lines are drawn a few global
// batches at a time (a stretch of the stream) and sorted by width, so a batch pads little; each
// step takes a random batch-sized slice of the sorted stretch (batch order is shuffled, content
// is not). Every rank knows every line's width (one all-reduce per stretch), so all ranks cut the
// same slices: the global batch is the one a single process would train on. Each rank trains on
// exactly --batch lines of it: its own, as far as they go (the stream is dealt out by index,
// before widths are known, so a slice holds more of one rank's lines than of another's), and
// lines handed over by the ranks that drew more than their share.
class LinePool {
 public:
  LinePool(PrefetchingLoader& loader, Communicator& comm, size_t global_batch, uint64_t seed)
      : loader_(loader), comm_(comm), global_batch_(global_batch), rng_(seed * 31 + 7) {}

  int64_t lines_drawn() const { return lines_drawn_; }
  int64_t lines_handed_over() const { return lines_handed_over_; }

  // This rank's lines of the next global batch, widest first.
  std::vector<PreparedLine> next_batch() {
    while (sorted_.size() < global_batch_) draw_stretch();
    const size_t batches = sorted_.size() / global_batch_;
    const size_t pick = size_t(rng_.integer(0, int64_t(batches) - 1));
    const auto first = sorted_.begin() + std::ptrdiff_t(pick * global_batch_);
    const std::vector<Entry> slice(first, first + std::ptrdiff_t(global_batch_));
    sorted_.erase(first, first + std::ptrdiff_t(global_batch_));

    // Who trains on which line: every rank works out the same plan. Each keeps its own lines up
    // to its share; the others go, in slice order, to the ranks still short of theirs.
    const int ranks = comm_.size(), rank = comm_.rank();
    const size_t share = global_batch_ / size_t(ranks);
    std::vector<int> target(slice.size(), -1);
    std::vector<size_t> filled(size_t(ranks), 0);
    for (size_t j = 0; j < slice.size(); ++j)
      if (filled[size_t(slice[j].owner)] < share) {
        target[j] = slice[j].owner;
        ++filled[size_t(slice[j].owner)];
      }
    for (size_t j = 0, r = 0; j < slice.size(); ++j)
      if (target[j] < 0) {
        while (filled[r] == share) ++r;
        target[j] = int(r);
        ++filled[r];
      }
    // Hand-overs in slice order, each rank walking the same list: the earliest pending one always
    // has both its ranks at it, so no cycle of waiting sends can form.
    std::vector<PreparedLine> batch;
    for (size_t j = 0; j < slice.size(); ++j) {
      const uint64_t index = slice[j].index;
      if (slice[j].owner == rank && target[j] == rank) {
        batch.push_back(take(index));
      } else if (slice[j].owner == rank) {
        const std::vector<char> bytes = pack_line(take(index));
        const uint64_t size = bytes.size();
        comm_.send(&size, sizeof size, target[j]);
        comm_.send(bytes.data(), bytes.size(), target[j]);
        ++lines_handed_over_;
      } else if (target[j] == rank) {
        uint64_t size = 0;
        comm_.receive(&size, sizeof size, slice[j].owner);
        if (size > kMaxLineBytes) throw Error("training data: a line of " + std::to_string(size) + " bytes from rank " +
                                              std::to_string(slice[j].owner));
        std::vector<char> bytes(size);
        comm_.receive(bytes.data(), bytes.size(), slice[j].owner);
        batch.push_back(unpack_line(bytes));
      }
    }
    return batch;
  }

 private:
  struct Entry {
    uint64_t index;
    int width;
    int owner;  // the rank that drew it
  };

  PreparedLine take(uint64_t index) {
    auto it = mine_.find(index);
    if (it == mine_.end()) throw Error("training data: line " + std::to_string(index) + " is not here");
    PreparedLine line = std::move(it->second);
    mine_.erase(it);
    return line;
  }

  void draw_stretch() {
    const size_t n = global_batch_ * kStretchBatches;
    const int ranks = comm_.size(), rank = comm_.rank();
    // Widths of the stretch's lines by position, 0 for a line no rank can train on; each rank
    // fills in its own, and the sum over ranks holds them all.
    std::vector<float> widths(n, 0.f);
    for (size_t i = size_t(rank); i < n; i += size_t(ranks)) {
      PreparedLine line = loader_.next();
      ++lines_drawn_;
      if (line.index != next_index_ + i)
        throw Error("training data: line " + std::to_string(line.index) + " arrived where " +
                    std::to_string(next_index_ + i) + " was due");
      if (!line.usable) continue;
      widths[i] = float(line.input.cols());
      mine_.emplace(line.index, std::move(line));
    }
    if (ranks > 1) comm_.allreduce_sum(widths.data(), widths.size());
    for (size_t i = 0; i < n; ++i)
      if (widths[i] > 0) sorted_.push_back({next_index_ + i, int(widths[i]), int(i % size_t(ranks))});
    next_index_ += n;
    std::stable_sort(sorted_.begin(), sorted_.end(), [](const Entry& a, const Entry& b) {
      return a.width != b.width ? a.width > b.width : a.index < b.index;
    });
  }

  static constexpr size_t kStretchBatches = 4;
  static constexpr uint64_t kMaxLineBytes = uint64_t(1) << 30;
  PrefetchingLoader& loader_;
  Communicator& comm_;
  size_t global_batch_;
  Rng rng_;
  uint64_t next_index_ = 0;
  int64_t lines_drawn_ = 0, lines_handed_over_ = 0;
  std::vector<Entry> sorted_;
  std::map<uint64_t, PreparedLine> mine_;
};

TrainSummary train_on(const TrainConfig& c, Communicator& comm);

}  // namespace

TrainSummary train(const TrainConfig& c) {
  Communicator& comm = world_communicator();
  if (comm.size() == 1) return train_on(c, comm);
  // Rank 0 alone reports progress and writes files; the others say only what goes wrong.
  if (comm.rank() != 0) spdlog::set_level(spdlog::level::err);
  try {
    return train_on(c, comm);
  } catch (const std::exception& e) {
    // The other ranks wait in a collective this one will never reach: end them all.
    log::error("rank {} of {}: {}", comm.rank(), comm.size(), e.what());
    comm.abort(1);
  }
  return {};  // not reached (GCC does not see [[noreturn]] through a virtual call)
}

namespace {

TrainSummary train_on(const TrainConfig& c, Communicator& comm) {
  static_assert(std::is_same_v<Scalar, float>, "the all-reduce buffer is float");
  const int ranks = comm.size();
  const bool rank0 = comm.rank() == 0;
  int threads = c.threads;
  if (threads <= 0 && ranks > 1) {
    // All cores per rank would oversubscribe a machine running several ranks.
    const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (local && std::atoi(local) > 1) threads = std::max(1, default_thread_count() / std::atoi(local));
  }
  set_thread_count(threads);
  const Precision precision = training_precision(c.precision);
  set_bf16_training(precision == Precision::Bf16);
  log::info("training precision: {}{}", precision_name(precision), c.precision == Precision::Auto ? " (auto)" : "");
  // OpenMP owns the cores: OpenCV's own pool, used by the data thread (rendering, degrading,
  // preparing lines), would oversubscribe them.
  const OpenCvSingleThread openmp_owns_cores;
  const bool synthetic = c.train == "synth";
  synth::GeneratorConfig gen_cfg;
  gen_cfg.seed = c.seed;
  gen_cfg.profile_weights = parse_profiles(c.synth_profiles);
  gen_cfg.hand_share = c.synth_hand_share;

  // Training data and the alphabet it implies.
  std::vector<LineSample> val;
  std::unique_ptr<LineSource> source;
  Alphabet data_alphabet;
  if (synthetic) {
    auto s = std::make_unique<SynthLineSource>(gen_cfg, "synthetic lines (seed " + std::to_string(c.seed) + ")");
    data_alphabet = Alphabet(s->alphabet());
    source = std::move(s);
  } else {
    auto s = std::make_unique<FileLineSource>(c.train, c.seed);
    std::vector<std::string> texts;
    for (const auto& l : s->samples()) texts.push_back(l.text);
    data_alphabet = Alphabet::from_texts(texts);
    if (s->skipped()) log::warn("{} training entries skipped", s->skipped());
    if (c.val.empty()) {
      // No validation set given: hold out 5 % of the lines (at most 500), so "best" means
      // something; too few lines to spare any and the last model is kept instead.
      const size_t n = s->samples().size();
      if (n >= kMinLinesForHoldout) {
        val = s->hold_out(std::min<size_t>(500, std::max<size_t>(2, n / 20)));
        log::info("validation: {} of {} lines held out of training (--val to choose a set)", val.size(), n);
      } else {
        log::warn("validation: none (only {} lines; --val to give a set): the last model is kept", n);
      }
    }
    const bool augment = c.augment < 0 ? c.init.empty() : c.augment > 0;
    s->set_augment(augment);
    if (augment) log::info("training lines are randomly varied (--no-augment to turn off)");
    source = std::move(s);
  }

  // Validation lines (rank 0 alone validates).
  if (!rank0) {
  } else if (!c.val.empty()) {
    FileLineSource vs(c.val, c.seed);
    val = vs.samples();
  } else if (synthetic) {
    synth::GeneratorConfig vcfg = gen_cfg;
    vcfg.split = "holdout";
    vcfg.seed = 0x5eed0001;  // fixed: the same validation lines in every run
    synth::LineGenerator vgen(vcfg);
    for (int i = 0; i < c.val_lines; ++i) val.push_back(vgen.next());
  }

  // The model: fresh, or from --init with the alphabet extended by new characters.
  std::shared_ptr<Model> model;
  if (!c.init.empty()) {
    model = Model::load(c.init);
    // Training changes the weights: a note that they are an average of checkpoints no longer
    // holds. (Decoder and calibration settings stay as a start; `ocr lm tune`/`calibrate` refit them.)
    model->metadata().extra.erase("averaged_checkpoints");
    int added = Alphabet(model->alphabet()).extend(data_alphabet);
    if (added > 0) {
      log::info("extending the alphabet of {} by {} characters", c.init, added);
      model->extend_alphabet(data_alphabet, c.seed);
    }
  } else {
    model = std::make_shared<Model>(c.spec, data_alphabet, c.input_height, c.seed);
  }
  // What the weights were trained on last: the caller's note, then what the source says it drew
  // (the synthetic mix, or the list and its size), so the note cannot disagree with the run.
  model->metadata().data = c.data_description.empty() ? source->describe() : c.data_description + "; " + source->describe();
  Network& net = model->network();
  log::info("net: {} ({} parameters, {:.2f} GFLOP per 400-px line), alphabet {} characters",
            model->spec(), model->parameter_count(), 2 * net.forward_macs(400) / 1e9,
            model->alphabet().size() - 1);
  // --batch is per rank: the global batch is batch × ranks. Rank r draws lines r, r + ranks, ...
  // of the one seeded stream (LineSource::at), and trains on those of its own that fall in a
  // step's batch (LinePool).
  const int global_batch = c.batch * ranks;
  if (ranks > 1)
    log::info("MPI: {} ranks × batch {} = {} lines per step; threads per rank: {}", ranks, c.batch,
              global_batch, thread_count());

  LineNormalization norm;
  norm.height = model->input_height();
  const int divisor = net.width_divisor();
  PrefetchingLoader loader(std::move(source), model->alphabet(), norm, divisor,
                           size_t(std::max(64, c.batch * 8)), StreamShard{comm.rank(), ranks});

  if (c.freeze_backbone) {
    net.freeze_backbone();
    Index all = count_trainable(net.params()), trained = count_trainable(net.trainable_params());
    log::info("backbone frozen (the layers up to Col): training {} of {} parameters", trained, all);
  }
  ParamList params = net.trainable_params();
  Adam adam(params);
  DataParallelStep parallel_step(net, thread_count());
  RankSync sync(comm, net);
  sync.broadcast_weights();
  const int warmup = c.init.empty() ? c.warmup : std::min(c.warmup, 50);
  TrainSummary summary;
  summary.best_cer = model->metadata().validation_cer;
  if (rank0 && !c.init.empty() && !val.empty()) {
    // The CER stored in the init model was measured on whatever validation set it last saw (an
    // older generator, someone else's lines): measure it on this run's, so "best" means better
    // than the starting point here, and the output exists even if nothing beats it.
    Validation v = validate(model, val);
    log::info("init model: validation CER {:.3f}% ({} edits / {} chars) on this run's set", 100 * v.cer,
              v.edits, v.chars);
    summary.best_cer = v.cer;
    model->metadata().validation_cer = v.cer;
    model->save(c.out);
  }
  int validations_without_gain = 0;
  const bool tty = stderr_is_terminal();
  const auto start = Clock::now();
  double loss_avg = -1;
  const std::string last_path = c.out + ".last";
  std::deque<std::string> kept;  // checkpoint files of the last validations, oldest first
  double checkpoint_cer = -1;
  double reduce_seconds = 0;  // in the all-reduce, for the log of an MPI run

  LinePool pool(loader, comm, size_t(global_batch), c.seed);

  for (int64_t it = 0; it < c.iterations; ++it) {
    std::vector<PreparedLine> batch = pool.next_batch();

    const int N = global_batch;
    std::vector<double> losses = parallel_step.run(batch, double(N));
    double loss = 0;
    for (double l : losses) loss += l;
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const auto reduce_start = Clock::now();
    std::tie(loss, elapsed) = sync.reduce(params, loss, elapsed);
    reduce_seconds += std::chrono::duration<double>(Clock::now() - reduce_start).count();
    double progress = double(it) / double(c.iterations);
    if (c.time_budget_minutes > 0) progress = std::max(progress, elapsed / (60 * c.time_budget_minutes));
    const double lr = scheduled_learning_rate(c.lr, c.decay_fraction, it, warmup, progress);
    adam.step(lr);
    loss /= N;
    loss_avg = loss_avg < 0 ? loss : 0.98 * loss_avg + 0.02 * loss;
    summary.iterations = it + 1;
    summary.lines += N;
    model->metadata().iterations += 1;
    model->metadata().lines_seen += N;

    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const double lps = summary.lines / std::max(1e-9, secs);
    double eta = double(c.iterations - it - 1) * N / std::max(1e-9, lps);
    if (c.time_budget_minutes > 0) eta = std::min(eta, 60 * c.time_budget_minutes - secs);
    if (!rank0) {
    } else if (tty) {
      std::fprintf(stderr, "\r  iter %lld/%lld  loss %.3f  lr %.2e  %.1f lines/s  ETA %dm%02ds   ",
                   (long long)(it + 1), (long long)c.iterations, loss_avg, lr, lps,
                   int(eta) / 60, int(eta) % 60);
      std::fflush(stderr);
    } else if ((it + 1) % 100 == 0) {
      log::info("iter {}/{} loss {:.3f} lr {:.2e} {:.1f} lines/s ETA {:.0f}s", it + 1,
                c.iterations, loss_avg, lr, lps, eta);
    }

    // Over MPI every rank must reach the same decision: rank 0's clock, from the all-reduce.
    const bool out_of_time =
        c.time_budget_minutes > 0 && (ranks > 1 ? elapsed : secs) >= 60 * c.time_budget_minutes;
    const bool last = it + 1 == c.iterations || out_of_time;
    if (((it + 1) % c.val_every == 0 || last) && !rank0) {
      sync.broadcast_weights();
      if (out_of_time || sync.broadcast_flag(false)) break;
    } else if ((it + 1) % c.val_every == 0 || last) {
      sync.broadcast_weights();
      if (tty) std::fprintf(stderr, "\n");
      bool better = val.empty();  // without a validation set every checkpoint is "the best"
      if (!val.empty()) {
        Validation v = validate(model, val);
        checkpoint_cer = v.cer;
        better = summary.best_cer < 0 || v.cer < summary.best_cer;
        log::info("iter {}: validation CER {:.3f}% ({} edits / {} chars){}", it + 1, 100 * v.cer,
                  v.edits, v.chars, better ? ", best so far" : "");
        if (better) {
          summary.best_cer = v.cer;
          validations_without_gain = 0;
        } else {
          ++validations_without_gain;
        }
      }
      // The latest before the best: a kill between the two writes then leaves a best no newer
      // than the latest a resumed run starts from, never the other way round.
      model->metadata().validation_cer = summary.best_cer;
      model->save(last_path);
      if (better) model->save(c.out);
      if (c.keep_checkpoints > 0) {
        model->metadata().validation_cer = checkpoint_cer;
        const std::string path = checkpoint_path(c.out, it + 1, checkpoint_cer);
        model->save(path);
        keep_checkpoint(kept, path, c.keep_checkpoints);
        model->metadata().validation_cer = summary.best_cer;
      }
      if (out_of_time) break;
      const bool stop = c.patience > 0 && validations_without_gain >= c.patience;
      if (sync.broadcast_flag(stop)) {
        log::info("no improvement in {} validations: stopping early", c.patience);
        summary.stopped_early = true;
        break;
      }
    }
  }
  if (ranks > 1 && summary.iterations > 0)
    log::info("MPI: all-reduce {:.2f} ms per step on rank 0 (copies, waiting for the slowest rank "
              "and the transfer of {} floats)", 1e3 * reduce_seconds / double(summary.iterations),
              count_trainable(params));
  if (ranks > 1 && summary.iterations > 0)
    log::info("MPI: rank 0 handed {:.1f} of its lines per step to other ranks (to even out the batch)",
              double(pool.lines_handed_over()) / double(summary.iterations));
  summary.skipped = loader.skipped();
  summary.lines_drawn = pool.lines_drawn();
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace

}  // namespace ocr
