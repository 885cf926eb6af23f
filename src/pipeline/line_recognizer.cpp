#include "ocr/pipeline/line_recognizer.h"

#include <omp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/threads.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/greedy_decoder.h"
#include "ocr/model/model.h"
#include "ocr/nn/network.h"
#include "ocr/pipeline/hypothesis_voting.h"
#include "ocr/pipeline/network_input.h"
#include "ocr/pipeline/posterior_fusion.h"
#include "ocr/pipeline/reading_consensus.h"
#include "ocr/segment/line_normalizer.h"

namespace ocr {

// Networks hold per-call buffers, so each concurrent batch borrows its own copy.
NetworkPool::NetworkPool(std::shared_ptr<const Model> model) : model_(std::move(model)) {
  if (!model_) throw Error("a network pool needs a model");
}

NetworkPool::~NetworkPool() = default;

std::unique_ptr<Network> NetworkPool::borrow() const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_.empty()) {
      std::unique_ptr<Network> net = std::move(free_.back());
      free_.pop_back();
      return net;
    }
  }
  return model_->instantiate_for_inference();
}

void NetworkPool::give_back(std::unique_ptr<Network> net) const {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(std::move(net));
}

namespace {

std::string symbol_name(const Alphabet& a, int label) {
  return label < a.size() ? "'" + utf8_encode(a.symbol(label)) + "'" : "none";
}

// Why `other` cannot be fused with `first` (fusing needs the same labels, line height and frame
// rate), "" when it can.
std::string fusion_mismatch(const Model& first, const Model& other) {
  if (other.is_detector()) return "it is a text-line detector, not a recognizer";
  const Alphabet &a = first.alphabet(), &b = other.alphabet();
  if (a.chars() != b.chars()) {
    int label = 1;
    while (label < a.size() && label < b.size() && a.symbol(label) == b.symbol(label)) ++label;
    return "the alphabets differ (" + std::to_string(a.size() - 1) + " against " + std::to_string(b.size() - 1) +
           " symbols; label " + std::to_string(label) + " is " + symbol_name(a, label) + " against " +
           symbol_name(b, label) + ")";
  }
  if (first.input_height() != other.input_height())
    return "the input heights differ (" + std::to_string(first.input_height()) + " against " +
           std::to_string(other.input_height()) + " px)";
  const int da = first.network().width_divisor(), db = other.network().width_divisor();
  if (da != db)
    return "the frame rates differ (a frame per " + std::to_string(da) + " against " + std::to_string(db) +
           " px of width)";
  return "";
}

}  // namespace

LineRecognizer::LineRecognizer(std::vector<std::shared_ptr<const Model>> models,
                               std::vector<std::shared_ptr<const Decoder>> decoders, RecognizerOptions options,
                               std::vector<std::shared_ptr<const NetworkPool>> pools)
    : models_(std::move(models)), decoders_(std::move(decoders)), options_(options), pools_(std::move(pools)) {
  if (models_.empty()) throw Error("a line recognizer needs at least one model");
  if (!pools_.empty() && pools_.size() != models_.size())
    throw Error(std::to_string(pools_.size()) + " network pools for " + std::to_string(models_.size()) + " models");
  options_.fusion = resolve_fusion(options_.fusion);
  for (size_t i = 0; i < models_.size(); ++i) {
    if (!models_[i]) throw Error("model " + std::to_string(i + 1) + " is missing");
    if (models_[i]->is_detector())
      throw Error("model " + std::to_string(i + 1) + " is a text-line detector, not a recognizer");
    // A model that reads other labels, another line height or frame rate has posteriors that
    // cannot be averaged with the first's: under Vote and Consensus it gives its own reading.
    const std::string why = i > 0 ? fusion_mismatch(*models_.front(), *models_[i]) : std::string();
    if (!why.empty() && options_.fusion == LineFusion::Posterior)
      throw Error("model " + std::to_string(i + 1) + " cannot be fused with model 1 on their posteriors: " + why +
                  " (--fusion consensus or vote reads them together)");
    posterior_member_.push_back(why.empty());
    if (pools_.size() < models_.size()) pools_.push_back(std::make_shared<NetworkPool>(models_[i]));
    if (!pools_[i] || pools_[i]->model() != models_[i])
      throw Error("the network pool of model " + std::to_string(i + 1) + " is another model's");
  }
  if (decoders_.empty()) decoders_.push_back(nullptr);
  if (decoders_.size() != 1 && decoders_.size() != models_.size())
    throw Error(std::to_string(decoders_.size()) + " decoders for " + std::to_string(models_.size()) +
                " models (one serves all, or one per model)");
  decoders_.resize(models_.size(), decoders_.front());
  for (auto& d : decoders_)
    if (!d) d = std::make_shared<GreedyDecoder>();
  if (options_.batch_size < 1) options_.batch_size = 1;
}

LineRecognizer::LineRecognizer(std::vector<std::shared_ptr<const Model>> models,
                               std::shared_ptr<const Decoder> decoder, RecognizerOptions options)
    : LineRecognizer(std::move(models), std::vector<std::shared_ptr<const Decoder>>{std::move(decoder)}, options) {}

LineRecognizer::LineRecognizer(std::shared_ptr<const Model> model, std::shared_ptr<const Decoder> decoder,
                               RecognizerOptions options)
    : LineRecognizer(std::vector<std::shared_ptr<const Model>>{std::move(model)}, std::move(decoder), options) {}

LineRecognizer::~LineRecognizer() = default;

bool can_fuse(const Model& first, const Model& other, std::string* why) {
  std::string mismatch = fusion_mismatch(first, other);
  if (why) *why = mismatch;
  return mismatch.empty();
}

LineFusion resolve_fusion(LineFusion fusion) {
  return fusion == LineFusion::Auto ? LineFusion::Consensus : fusion;
}

LineFusion parse_fusion(const std::string& name) {
  if (name == "auto") return LineFusion::Auto;
  if (name == "posterior") return LineFusion::Posterior;
  if (name == "vote") return LineFusion::Vote;
  if (name == "consensus") return LineFusion::Consensus;
  throw FormatError("--fusion: '" + name + "' is none of auto, posterior, vote, consensus");
}

namespace {

// Letters and digits: ASCII ones, and the Latin letters with accents beyond (U+00C0 on, but not
// the × and ÷ signs).
bool is_alnum(char32_t c) {
  return (c < 128 && std::isalnum(static_cast<int>(c))) || (c >= 0xC0 && c != 0xD7 && c != 0xF7 && c < 0x2000);
}

// Whether each space-separated word of the text is one letter or digit (with at most a mark
// beside it), flagged per word in `single` when given.
struct Spacing {
  size_t tokens = 0, single_letters = 0, single_strokes = 0;
};
Spacing spacing_of(const std::u32string& text, std::vector<bool>* single = nullptr) {
  // What rulings, borders and textures read as.
  auto is_stroke = [](char32_t c) { return c == U'l' || c == U'i' || c == U'I' || c == U'1' || c == U'j' || c == U't'; };
  Spacing s;
  size_t alnum = 0, length = 0;
  char32_t letter = 0;
  auto close = [&] {
    if (length == 0) return;
    ++s.tokens;
    const bool one = alnum == 1 && length <= 2;
    if (one) ++s.single_letters, s.single_strokes += is_stroke(letter);
    if (single) single->push_back(one);
    alnum = length = 0;
  };
  for (char32_t c : text) {
    if (c == U' ') {
      close();
      continue;
    }
    ++length;
    if (is_alnum(c)) ++alnum, letter = c;
  }
  close();
  return s;
}

// Letter-spaced print (a receipt's `C A R R E F O U R`, a form's `P R E S S  Q U E R Y`): four or
// more lone letters or digits, most of the words, and mostly not strokes.
bool letter_spaced(const Spacing& s) {
  return s.single_letters >= 4 && 3 * s.single_letters >= 2 * s.tokens && 2 * s.single_strokes < s.single_letters;
}

}  // namespace

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
    const bool alnum = is_alnum(c);
    two_in_a_row = two_in_a_row || (alnum && prev_alnum);
    prev_alnum = alnum;
  }
  if (glyphs < 3) return false;  // a lone mark, a digit, a short word: nothing to judge
  const bool spaced = letter_spaced(spacing_of(text));
  if (!two_in_a_row && !spaced) return true;
  return height > 0 && double(glyphs) > 8.0 * width / height + 4;
}

void mark_implausible(RecognizedLine& line) {
  line.implausible = true;
  for (auto& c : line.chars) c.confidence = std::min(c.confidence, kImplausibleConfidence);
  line.confidence = std::min(line.confidence, kImplausibleConfidence);
}

RecognizedLine LineRecognizer::recognize(const cv::Mat& line) const {
  return recognize(std::vector<cv::Mat>{line}).front();
}

std::vector<Matrix> LineRecognizer::log_probs(const std::vector<cv::Mat>& lines) const {
  // The models up to the last that can be fused with the first are read; fused_posteriors keeps
  // those that can (a model of another kind listed between them is read for nothing).
  size_t end_model = 0;
  for (size_t m = 0; m < models_.size(); ++m)
    if (posterior_member_[m]) end_model = m + 1;
  std::vector<std::vector<Matrix>> per_model = model_log_probs(lines, 0, end_model);
  std::vector<Matrix> result(per_model.size());
  for (size_t i = 0; i < per_model.size(); ++i) result[i] = fused_posteriors(per_model[i]);
  return result;
}

std::vector<std::vector<Matrix>> LineRecognizer::model_log_probs(const std::vector<cv::Mat>& lines, size_t first_model,
                                                                 size_t end_model) const {
  const int n = int(lines.size());
  std::vector<std::vector<Matrix>> result(static_cast<size_t>(n), std::vector<Matrix>(end_model - first_model));
  // The lines are normalised once per input height among the models, and each model reads its own.
  std::vector<int> heights;
  for (size_t m = first_model; m < end_model; ++m)
    if (std::find(heights.begin(), heights.end(), models_[m]->input_height()) == heights.end())
      heights.push_back(models_[m]->input_height());
  for (int height : heights) {
    LineNormalization norm;
    norm.height = height;
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

    // Each model of this height reads the batch with a network borrowed from its own pool.
    auto run_batch = [&](const std::vector<int>& ids) {
      std::vector<const MatrixF*> imgs;
      for (int id : ids) imgs.push_back(&inputs[size_t(id)]);
      const Activations input = make_network_input(imgs);
      for (size_t m = first_model; m < end_model; ++m) {
        if (models_[m]->input_height() != height) continue;
        std::unique_ptr<Network> net = pools_[m]->borrow();
        const Activations& out = net->forward(input, Mode::Infer);
        for (size_t k = 0; k < ids.size(); ++k) result[size_t(ids[k])][m - first_model] = sequence_of(out, int(k));
        pools_[m]->give_back(std::move(net));
      }
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
  }
  return result;
}

Matrix LineRecognizer::fused_posteriors(const std::vector<Matrix>& per_model) const {
  std::vector<Matrix> members;
  for (size_t m = 0; m < per_model.size(); ++m)
    if (posterior_member_[m]) members.push_back(per_model[m]);
  return members.size() == 1 ? std::move(members.front()) : fuse_log_posteriors(members);
}

namespace {

// One decoded hypothesis as a line of characters placed on the crop.
RecognizedLine read_hypothesis(const Hypothesis& hyp, const Alphabet& alphabet, const cv::Mat& crop,
                               const LineNormalization& norm, int divisor) {
  RecognizedLine line;
  const double scale = double(crop.rows) / norm.height;  // input px → line image px
  const int pad = line_side_padding(norm);
  double conf_sum = 0;
  for (const auto& d : hyp.labels) {
    RecognizedChar c;
    c.text = utf8_encode(alphabet.symbol(d.label));
    double x0 = (d.first_frame * divisor - pad) * scale;
    double x1 = ((d.last_frame + 1) * divisor - pad) * scale;
    c.x0 = std::clamp(int(std::floor(x0)), 0, crop.cols);
    c.x1 = std::clamp(int(std::ceil(x1)), c.x0, crop.cols);
    c.confidence = d.confidence;
    conf_sum += d.confidence;
    line.text += c.text;
    line.chars.push_back(std::move(c));
  }
  line.confidence = hyp.labels.empty() ? 1.0f : float(conf_sum / hyp.labels.size());
  return line;
}

// Caps an implausible reading's confidences (see implausible_reading).
void judge_plausibility(RecognizedLine& line, const cv::Mat& crop) {
  line.implausible = false;
  if (implausible_reading(utf8_decode(line.text), crop.cols, crop.rows)) mark_implausible(line);
}

// The line stretched to f times its width.
void stretch(const cv::Mat& line, double f, cv::Mat& stretched) {
  cv::resize(line, stretched, cv::Size(std::max(1, int(std::lround(line.cols * f))), line.rows), 0, 0,
             f < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
}

// A reading of the line stretched f times placed back on the line as it came (cols wide).
void map_back(RecognizedLine& r, double f, int cols) {
  for (RecognizedChar& c : r.chars) {
    c.x0 = std::clamp(int(std::lround(c.x0 / f)), 0, cols);
    c.x1 = std::clamp(int(std::lround(c.x1 / f)), c.x0, cols);
  }
}

}  // namespace


void join_letter_spacing(RecognizedLine& line) {
  const std::u32string text = utf8_decode(line.text);
  std::vector<bool> single;
  if (text.size() != line.chars.size() || !letter_spaced(spacing_of(text, &single))) return;
  // The gaps between consecutive words, in crop px, at each space (by its index in chars).
  std::vector<std::pair<size_t, int>> gaps;
  int last_end = -1;
  size_t pending_space = std::string::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == U' ') {
      if (pending_space == std::string::npos) pending_space = i;
      continue;
    }
    if (pending_space != std::string::npos && last_end >= 0) gaps.push_back({pending_space, line.chars[i].x0 - last_end});
    pending_space = std::string::npos;
    last_end = line.chars[i].x1;
  }
  if (gaps.size() < 3) return;
  std::vector<int> widths;
  for (const auto& g : gaps) widths.push_back(g.second);
  std::nth_element(widths.begin(), widths.begin() + long(widths.size() / 2), widths.end());
  const double median = std::max(1, widths[widths.size() / 2]);
  std::vector<bool> drop(text.size(), false);
  for (const auto& [at, width] : gaps)
    if (width < 1.8 * median)
      for (size_t i = at; i < text.size() && text[i] == U' '; ++i) drop[i] = true;
  RecognizedLine joined;
  joined.confidence = line.confidence;
  joined.implausible = line.implausible;
  for (size_t i = 0; i < text.size(); ++i) {
    if (drop[i]) continue;
    joined.text += line.chars[i].text;
    joined.chars.push_back(line.chars[i]);
  }
  line = std::move(joined);
}

std::vector<RecognizedLine> LineRecognizer::recognize(const std::vector<cv::Mat>& lines) const {
  // A page's lines are read at most kLinesPerPass at a time: the network outputs of every line
  // held until the last was decoded were most of a busy page's peak memory (a 6000² page of noise
  // gave 387 "lines": 279 MB of outputs and 192 MB of normalised lines). The passes take the
  // lines in order of their normalised width, so the batches within a pass pad as little as
  // they did over the whole page.
  constexpr size_t kLinesPerPass = 64;
  if (lines.size() > kLinesPerPass) {
    std::vector<size_t> order(lines.size());
    std::iota(order.begin(), order.end(), size_t(0));
    auto width = [&](size_t i) { return lines[i].rows > 0 ? double(lines[i].cols) / lines[i].rows : 0.0; };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return width(a) < width(b); });
    std::vector<RecognizedLine> out(lines.size());
    for (size_t first = 0; first < order.size(); first += kLinesPerPass) {
      const size_t last = std::min(order.size(), first + kLinesPerPass);
      std::vector<cv::Mat> pass;
      for (size_t k = first; k < last; ++k) pass.push_back(lines[order[k]]);
      std::vector<RecognizedLine> read = recognize(pass);
      for (size_t k = first; k < last; ++k) out[order[k]] = std::move(read[k - first]);
    }
    return out;
  }
  const bool gated = models_.size() > 1 && options_.fuse_below <= 1;
  std::vector<RecognizedLine> out;
  if (models_.size() == 1 || (!gated && options_.fusion == LineFusion::Posterior)) {
    out = read_once(lines, 0, models_.size());
    reread_at_other_widths(lines, out, 0, models_.size());
  } else if (!gated) {
    // Every model reads every line, and rereads alone at the other widths the lines it is unsure
    // of; the fusion weighs each model's surest reading (and the posterior fusion's at the lines'
    // own width). Rereading the fusion as a whole instead gave the lines each model alone reads
    // better at another width no say (sixteenth session, --engines all on the five dev line sets:
    // 2 020 -> 2 011 summed edits; both rereadings 2 024).
    std::vector<std::vector<Matrix>> per_model = model_log_probs(lines, 0, models_.size());
    std::vector<std::vector<RecognizedLine>> own(models_.size(), std::vector<RecognizedLine>(lines.size()));
    const int threads = options_.threads > 0 ? options_.threads : thread_count();
    for (size_t m = 0; m < models_.size(); ++m) {
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1 && lines.size() > 1)
      for (size_t i = 0; i < lines.size(); ++i) own[m][i] = own_reading(m, per_model[i][m], lines[i]);
      reread_at_other_widths(lines, own[m], m, m + 1);
    }
    out.resize(lines.size());
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1 && lines.size() > 1)
    for (size_t i = 0; i < lines.size(); ++i) {
      std::vector<RecognizedLine> readings(models_.size());
      for (size_t m = 0; m < models_.size(); ++m) readings[m] = std::move(own[m][i]);
      out[i] = fuse_line(per_model[i], lines[i], std::move(readings));
    }
  } else {
    // A cascade: the first model reads every line, at the other widths too when unsure of it;
    // the others read only the lines it stays unsure of, each at the width its surest reading
    // came from, and their readings are fused with that one. Rereading the whole fusion at each
    // width cost the partners up to four more reads of a line; reading at the first model's
    // width, they cost two and read as well (sixteenth session, --engines auto, the five dev line
    // sets: 2 061 summed edits against 2 064, 2 077 with the partners at the line's own width).
    std::vector<std::vector<Matrix>> first_log_probs;
    out = read_once(lines, 0, 1, &first_log_probs);
    std::vector<double> widths(lines.size(), 1.0);
    reread_at_other_widths(lines, out, 0, 1, &first_log_probs, &widths);
    std::vector<size_t> unsure;
    std::vector<cv::Mat> unsure_lines;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (out[i].confidence >= options_.fuse_below) continue;
      cv::Mat as_read;
      if (widths[i] == 1.0) as_read = lines[i];
      else stretch(lines[i], widths[i], as_read);
      unsure.push_back(i);
      unsure_lines.push_back(as_read);
    }
    if (!unsure.empty()) {
      std::vector<std::vector<Matrix>> others = model_log_probs(unsure_lines, 1, models_.size());
      const int threads = options_.threads > 0 ? options_.threads : thread_count();
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1 && unsure.size() > 1)
      for (size_t k = 0; k < unsure.size(); ++k) {
        const size_t i = unsure[k];
        std::vector<Matrix>& per_model = first_log_probs[i];
        for (Matrix& m : others[k]) per_model.push_back(std::move(m));
        // Fused on the line as the models read it, placed back on the line as it came.
        const double f = widths[i];
        RecognizedLine first = out[i];
        if (f != 1.0) map_back(first, 1 / f, unsure_lines[k].cols);
        out[i] = fuse_line(per_model, unsure_lines[k], {std::move(first)});
        if (f != 1.0) map_back(out[i], f, lines[i].cols);
      }
    }
  }
  for (RecognizedLine& line : out) join_letter_spacing(line);
  return out;
}

void LineRecognizer::reread_at_other_widths(const std::vector<cv::Mat>& lines, std::vector<RecognizedLine>& out,
                                            size_t first_model, size_t end_model,
                                            std::vector<std::vector<Matrix>>* log_probs,
                                            std::vector<double>* widths) const {
  if (options_.reread_below <= 0) return;
  // Unsure lines read again at other widths; the surest reading stays, its characters' extents
  // mapped back to the line as it came. Implausible readings are not tried: noise read at
  // another width must not turn into text.
  std::vector<size_t> unsure;
  for (size_t i = 0; i < out.size(); ++i)
    if (!out[i].implausible && !out[i].text.empty() && out[i].confidence < options_.reread_below &&
        lines[i].cols > 0 && lines[i].rows > 0)
      unsure.push_back(i);
  for (double f : options_.reread_widths) {
    if (unsure.empty()) break;
    std::vector<cv::Mat> stretched(unsure.size());
    for (size_t k = 0; k < unsure.size(); ++k) stretch(lines[unsure[k]], f, stretched[k]);
    std::vector<std::vector<Matrix>> again_log_probs;
    std::vector<RecognizedLine> again =
        read_once(stretched, first_model, end_model, log_probs ? &again_log_probs : nullptr);
    for (size_t k = 0; k < unsure.size(); ++k) {
      RecognizedLine& r = again[k];
      RecognizedLine& kept = out[unsure[k]];
      if (r.implausible || r.text.empty() || r.confidence <= kept.confidence) continue;
      map_back(r, f, lines[unsure[k]].cols);
      kept = std::move(r);
      if (log_probs) (*log_probs)[unsure[k]] = std::move(again_log_probs[k]);
      if (widths) (*widths)[unsure[k]] = f;
    }
    // A line the last width made sure of is not read at the next.
    unsure.erase(std::remove_if(unsure.begin(), unsure.end(),
                                [&](size_t i) { return out[i].confidence >= options_.reread_below; }),
                 unsure.end());
  }
}

std::vector<RecognizedLine> LineRecognizer::read_once(const std::vector<cv::Mat>& lines, size_t first_model,
                                                      size_t end_model,
                                                      std::vector<std::vector<Matrix>>* log_probs) const {
  OCR_CHECK(end_model == first_model + 1 || first_model == 0, "a fusion reads with the models from the first");
  std::vector<std::vector<Matrix>> per_model = model_log_probs(lines, first_model, end_model);
  std::vector<RecognizedLine> out(lines.size());
  const int threads = options_.threads > 0 ? options_.threads : thread_count();
  // Decoders are immutable: lines decode in parallel.
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1 && lines.size() > 1)
  for (size_t i = 0; i < lines.size(); ++i)
    out[i] = end_model == first_model + 1 ? own_reading(first_model, per_model[i].front(), lines[i])
                                          : fuse_line(per_model[i], lines[i], {});
  if (log_probs) *log_probs = std::move(per_model);
  return out;
}

RecognizedLine LineRecognizer::own_reading(size_t model, const Matrix& log_probs, const cv::Mat& line) const {
  const Model& m = *models_[model];
  LineNormalization norm;
  norm.height = m.input_height();
  RecognizedLine r =
      read_hypothesis(decoders_[model]->decode(log_probs), m.alphabet(), line, norm, m.network().width_divisor());
  judge_plausibility(r, line);
  return r;
}

RecognizedLine LineRecognizer::fuse_line(const std::vector<Matrix>& per_model, const cv::Mat& line,
                                         std::vector<RecognizedLine> own) const {
  if (per_model.size() == 1) return own.empty() ? own_reading(0, per_model.front(), line) : std::move(own.front());
  auto fused_reading = [&] {
    LineNormalization norm;
    norm.height = model().input_height();
    RecognizedLine r = read_hypothesis(decoders_.front()->decode(fused_posteriors(per_model)), model().alphabet(),
                                       line, norm, model().network().width_divisor());
    judge_plausibility(r, line);
    return r;
  };
  if (options_.fusion == LineFusion::Posterior) return fused_reading();
  // The models' own readings not given are decoded here.
  for (size_t m = own.size(); m < per_model.size(); ++m) own.push_back(own_reading(m, per_model[m], line));
  if (options_.fusion == LineFusion::Consensus) {
    std::vector<RecognizedLine> readings;
    // With one model alone on its posteriors the fused reading would be its own, counted twice.
    if (std::count(posterior_member_.begin(), posterior_member_.begin() + long(per_model.size()), true) >= 2)
      readings.push_back(fused_reading());
    // With four models or more, their character vote is one more candidate (and voter): it
    // joins what each reads best (sixteenth session, the five dev line sets: --engines all
    // 2 011 -> 2 002 summed edits; --engines auto, three models, 2 030 -> 2 052, so not there).
    if (own.size() >= 4) {
      RecognizedLine voted = vote_readings(own);
      judge_plausibility(voted, line);
      own.push_back(std::move(voted));
    }
    for (RecognizedLine& r : own) readings.push_back(std::move(r));
    const ConsensusChoice choice = consensus_choice(readings);
    RecognizedLine chosen = std::move(readings[choice.index]);
    apply_agreement(chosen, choice.agreement);
    return chosen;
  }
  RecognizedLine voted = vote_readings(own);
  judge_plausibility(voted, line);
  return voted;
}

}  // namespace ocr
