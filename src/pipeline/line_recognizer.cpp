#include "ocr/pipeline/line_recognizer.h"

#include <omp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <numeric>

#include "ocr/core/error.h"
#include "ocr/core/threads.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/greedy_decoder.h"
#include "ocr/model/model.h"
#include "ocr/nn/network.h"
#include "ocr/pipeline/network_input.h"
#include "ocr/pipeline/posterior_fusion.h"
#include "ocr/segment/line_normalizer.h"

namespace ocr {

// Networks hold per-call buffers, so each concurrent batch borrows its own copy.
struct LineRecognizer::NetworkPool {
  std::mutex mutex;
  std::vector<std::unique_ptr<Network>> free;
};

namespace {

std::string symbol_name(const Alphabet& a, int label) {
  return label < a.size() ? "'" + utf8_encode(a.symbol(label)) + "'" : "none";
}

// Throws Error unless `other` reads with the same labels, line height and frame rate as `first`.
void check_fusable(const Model& first, const Model& other, size_t index) {
  const std::string which = "model " + std::to_string(index + 1) + " cannot be fused with model 1: ";
  if (other.is_detector()) throw Error(which + "it is a text-line detector, not a recognizer");
  const Alphabet &a = first.alphabet(), &b = other.alphabet();
  if (a.chars() != b.chars()) {
    int label = 1;
    while (label < a.size() && label < b.size() && a.symbol(label) == b.symbol(label)) ++label;
    throw Error(which + "the alphabets differ (" + std::to_string(a.size() - 1) + " against " +
                std::to_string(b.size() - 1) + " symbols; label " + std::to_string(label) + " is " +
                symbol_name(a, label) + " against " + symbol_name(b, label) + ")");
  }
  if (first.input_height() != other.input_height())
    throw Error(which + "the input heights differ (" + std::to_string(first.input_height()) + " against " +
                std::to_string(other.input_height()) + " px)");
  const int da = first.network().width_divisor(), db = other.network().width_divisor();
  if (da != db)
    throw Error(which + "the frame rates differ (a frame per " + std::to_string(da) + " against " +
                std::to_string(db) + " px of width)");
}

}  // namespace

LineRecognizer::LineRecognizer(std::vector<std::shared_ptr<const Model>> models,
                               std::shared_ptr<const Decoder> decoder, RecognizerOptions options)
    : models_(std::move(models)), decoder_(std::move(decoder)), options_(options) {
  if (models_.empty()) throw Error("a line recognizer needs at least one model");
  for (size_t i = 0; i < models_.size(); ++i) {
    if (!models_[i]) throw Error("model " + std::to_string(i + 1) + " is missing");
    if (i > 0) check_fusable(*models_.front(), *models_[i], i);
    pools_.push_back(std::make_unique<NetworkPool>());
  }
  if (!decoder_) decoder_ = std::make_shared<GreedyDecoder>();
  if (options_.batch_size < 1) options_.batch_size = 1;
}

LineRecognizer::LineRecognizer(std::shared_ptr<const Model> model, std::shared_ptr<const Decoder> decoder,
                               RecognizerOptions options)
    : LineRecognizer(std::vector<std::shared_ptr<const Model>>{std::move(model)}, std::move(decoder), options) {}

LineRecognizer::~LineRecognizer() = default;

bool implausible_reading(const std::u32string& text, int width, int height) {
  size_t glyphs = 0;
  bool two_in_a_row = false;
  bool prev_alnum = false;
  for (char32_t c : text) {
    if (c == U' ') {
      prev_alnum = false;
      continue;
    }
    ++glyphs;
    // Letters and digits: ASCII ones, and the Latin letters with accents beyond (U+00C0 on, but
    // not the × and ÷ signs).
    const bool alnum = (c < 128 && std::isalnum(static_cast<int>(c))) || (c >= 0xC0 && c != 0xD7 && c != 0xF7 && c < 0x2000);
    two_in_a_row = two_in_a_row || (alnum && prev_alnum);
    prev_alnum = alnum;
  }
  if (glyphs < 3) return false;  // a lone mark, a digit, a short word: nothing to judge
  if (!two_in_a_row) return true;
  return height > 0 && double(glyphs) > 8.0 * width / height + 4;
}

RecognizedLine LineRecognizer::recognize(const cv::Mat& line) const {
  return recognize(std::vector<cv::Mat>{line}).front();
}

std::vector<Matrix> LineRecognizer::log_probs(const std::vector<cv::Mat>& lines) const {
  LineNormalization norm;
  norm.height = model().input_height();
  const int n = int(lines.size());
  std::vector<MatrixF> inputs(static_cast<size_t>(n));
  std::vector<std::string> errors(static_cast<size_t>(n));
#pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < n; ++i) {
    try {
      inputs[size_t(i)] = normalize_line(lines[size_t(i)], norm);
    } catch (const Error& e) {
      errors[size_t(i)] = e.what();
    }
  }
  for (int i = 0; i < n; ++i)
    if (!errors[size_t(i)].empty())
      throw ShapeError("line " + std::to_string(i) + ": " + errors[size_t(i)]);

  // Similar widths share a batch, so little is spent on padding.
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return inputs[size_t(a)].cols() < inputs[size_t(b)].cols(); });
  // At least one batch per thread while there are lines: two lines on two cores run as two
  // batches of one, not one batch on one core (the LSTM steps do not spread over threads).
  const int threads = options_.threads > 0 ? options_.threads : thread_count();
  const int batch_count = std::max((n + options_.batch_size - 1) / options_.batch_size, std::min(n, threads));
  const int per_batch = batch_count > 0 ? (n + batch_count - 1) / batch_count : 1;
  std::vector<std::vector<int>> batches;
  for (int i = 0; i < n; i += per_batch)
    batches.emplace_back(order.begin() + i, order.begin() + std::min(n, i + per_batch));

  std::vector<Matrix> result(static_cast<size_t>(n));
  // Each model reads the batch with a network borrowed from its own pool; the lines' outputs are
  // fused as soon as every model has read them.
  auto run_batch = [&](const std::vector<int>& ids) {
    std::vector<const MatrixF*> imgs;
    for (int id : ids) imgs.push_back(&inputs[size_t(id)]);
    const Activations input = make_network_input(imgs);
    std::vector<std::vector<Matrix>> per_line(ids.size());
    for (size_t m = 0; m < models_.size(); ++m) {
      NetworkPool& pool = *pools_[m];
      std::unique_ptr<Network> net;
      {
        std::lock_guard<std::mutex> lock(pool.mutex);
        if (!pool.free.empty()) {
          net = std::move(pool.free.back());
          pool.free.pop_back();
        }
      }
      if (!net) net = models_[m]->instantiate_for_inference();
      const Activations& out = net->forward(input, Mode::Infer);
      for (size_t k = 0; k < ids.size(); ++k) per_line[k].push_back(sequence_of(out, int(k)));
      std::lock_guard<std::mutex> lock(pool.mutex);
      pool.free.push_back(std::move(net));
    }
    for (size_t k = 0; k < ids.size(); ++k)
      result[size_t(ids[k])] =
          per_line[k].size() == 1 ? std::move(per_line[k].front()) : fuse_log_posteriors(per_line[k]);
  };
  if (int(batches.size()) >= 2 && threads > 1) {
    // Whole batches per thread: the math inside runs single-threaded (no nested pools).
    // An exception must not leave the parallel region: the first is kept and thrown after it.
    std::exception_ptr failure;
    std::mutex failure_mutex;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int b = 0; b < int(batches.size()); ++b) {
      try {
        run_batch(batches[size_t(b)]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);
  } else {
    for (const auto& b : batches) run_batch(b);  // one batch: the GEMMs use all cores
  }
  return result;
}

std::vector<RecognizedLine> LineRecognizer::recognize(const std::vector<cv::Mat>& lines) const {
  std::vector<Matrix> probs = log_probs(lines);
  LineNormalization norm;
  norm.height = model().input_height();
  const int divisor = model().network().width_divisor();
  std::vector<RecognizedLine> out(lines.size());
  const int threads = options_.threads > 0 ? options_.threads : thread_count();
  // Decoders are immutable: lines decode in parallel.
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1 && lines.size() > 1)
  for (size_t i = 0; i < lines.size(); ++i) {
    Hypothesis hyp = decoder_->decode(probs[i]);
    RecognizedLine& line = out[i];
    const double h = lines[i].rows;
    const double scale = h / norm.height;  // input px → line image px
    const int pad = line_side_padding(norm);
    double conf_sum = 0;
    for (const auto& d : hyp.labels) {
      RecognizedChar c;
      c.text = utf8_encode(model().alphabet().symbol(d.label));
      double x0 = (d.first_frame * divisor - pad) * scale;
      double x1 = ((d.last_frame + 1) * divisor - pad) * scale;
      c.x0 = std::clamp(int(std::floor(x0)), 0, lines[i].cols);
      c.x1 = std::clamp(int(std::ceil(x1)), c.x0, lines[i].cols);
      c.confidence = d.confidence;
      conf_sum += d.confidence;
      line.text += c.text;
      line.chars.push_back(std::move(c));
    }
    line.confidence = hyp.labels.empty() ? 1.0f : float(conf_sum / hyp.labels.size());
    if (implausible_reading(utf8_decode(line.text), lines[i].cols, lines[i].rows)) {
      line.implausible = true;
      for (auto& c : line.chars) c.confidence = std::min(c.confidence, kImplausibleConfidence);
      line.confidence = std::min(line.confidence, kImplausibleConfidence);
    }
  }
  return out;
}

}  // namespace ocr
