#include "ocr/pipeline/line_recognizer.h"

#include <omp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <numeric>

#include "ocr/core/error.h"
#include "ocr/core/threads.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/greedy_decoder.h"
#include "ocr/model/model.h"
#include "ocr/nn/network.h"
#include "ocr/pipeline/network_input.h"
#include "ocr/segment/line_normalizer.h"

namespace ocr {

// Networks hold per-call buffers, so each concurrent batch borrows its own copy.
struct LineRecognizer::NetworkPool {
  std::mutex mutex;
  std::vector<std::unique_ptr<Network>> free;
};

LineRecognizer::LineRecognizer(std::shared_ptr<const Model> model,
                               std::shared_ptr<const Decoder> decoder, RecognizerOptions options)
    : model_(std::move(model)), decoder_(std::move(decoder)), options_(options),
      pool_(std::make_unique<NetworkPool>()) {
  if (!decoder_) decoder_ = std::make_shared<GreedyDecoder>();
  if (options_.batch_size < 1) options_.batch_size = 1;
}

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
  norm.height = model_->input_height();
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
  auto run_batch = [&](const std::vector<int>& ids) {
    std::unique_ptr<Network> net;
    {
      std::lock_guard<std::mutex> lock(pool_->mutex);
      if (!pool_->free.empty()) {
        net = std::move(pool_->free.back());
        pool_->free.pop_back();
      }
    }
    if (!net) net = model_->instantiate_for_inference();
    std::vector<const MatrixF*> imgs;
    for (int id : ids) imgs.push_back(&inputs[size_t(id)]);
    Activations input = make_network_input(imgs);
    const Activations& out = net->forward(input, Mode::Infer);
    for (size_t k = 0; k < ids.size(); ++k) result[size_t(ids[k])] = sequence_of(out, int(k));
    std::lock_guard<std::mutex> lock(pool_->mutex);
    pool_->free.push_back(std::move(net));
  };
  if (int(batches.size()) >= 2 && threads > 1) {
    // Whole batches per thread: the math inside runs single-threaded (no nested pools).
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int b = 0; b < int(batches.size()); ++b) run_batch(batches[size_t(b)]);
  } else {
    for (const auto& b : batches) run_batch(b);  // one batch: the GEMMs use all cores
  }
  return result;
}

std::vector<RecognizedLine> LineRecognizer::recognize(const std::vector<cv::Mat>& lines) const {
  std::vector<Matrix> probs = log_probs(lines);
  LineNormalization norm;
  norm.height = model_->input_height();
  const int divisor = model_->network().width_divisor();
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
      c.text = utf8_encode(model_->alphabet().symbol(d.label));
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
