#include "ocr/ctc/beam_decoder.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/greedy_decoder.h"

namespace ocr {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline float lse(float a, float b) {
  if (a < b) std::swap(a, b);
  if (b == kNegInf) return a;
  return a + std::log1p(std::exp(b - a));
}

struct Node {
  int32_t parent;
  int32_t label;  // 0 for the root
  int32_t first_child = -1, next_sibling = -1;
  int32_t stamp = -1;     // frame whose next-step accumulators (nb, nnb) are live
  int32_t lex_state = 0;
  LmState lm_state = 0;
  float lm = 0;           // α·ln P_lm + β·length − lexicon penalties
  float pb = kNegInf, pnb = kNegInf;    // at the current frame
  float nb = kNegInf, nnb = kNegInf;    // being accumulated for the next frame
};

// Reused per thread so the hot loop does not allocate once the buffers have grown.
struct Workspace {
  std::vector<Node> nodes;
  std::vector<int32_t> beam, next;
  std::vector<std::pair<float, int>> cand;
  std::vector<float> score;
};

}  // namespace

std::vector<uint8_t> label_mask(const Alphabet& alphabet, const std::u32string& allow_chars,
                                const std::u32string& deny_chars) {
  std::vector<uint8_t> mask(alphabet.size(), allow_chars.empty() ? 1 : 0);
  mask[0] = 1;
  for (char32_t c : allow_chars) {
    int l = alphabet.label(c);
    if (l > 0) mask[l] = 1;
  }
  for (char32_t c : deny_chars) {
    int l = alphabet.label(c);
    if (l > 0) mask[l] = 0;
  }
  return mask;
}

float word_confidence(const Hypothesis& h, size_t begin, size_t end) {
  float c = 1.f;
  for (size_t i = begin; i < end && i < h.labels.size(); ++i) c = std::min(c, h.labels[i].confidence);
  return c;
}

BeamDecoder::BeamDecoder(const Alphabet& alphabet, BeamOptions options,
                         std::shared_ptr<const LanguageModel> lm, std::shared_ptr<const Lexicon> lexicon)
    : alphabet_(alphabet), options_(std::move(options)), lm_(std::move(lm)), lexicon_(std::move(lexicon)) {
  if (options_.beam_width < 1) throw Error("beam width must be at least 1");
  if (options_.top_k < 1) throw Error("top_k must be at least 1");
  allowed_ = label_mask(alphabet_, options_.allow_chars, options_.deny_chars);
  if (std::count(allowed_.begin() + 1, allowed_.end(), 1) == 0)
    throw Error("the character allow/deny lists leave no character of the model's alphabet");
  word_char_.assign(alphabet_.size(), 0);
  if (lexicon_)
    for (int l = 1; l < alphabet_.size(); ++l) word_char_[l] = lexicon_->is_word_char(alphabet_.symbol(l));
}

namespace {

// Viterbi forced alignment of labels to the frames: per label, its first and last frame.
void align_frames(const Matrix& lp, std::vector<DecodedLabel>& out) {
  const int T = static_cast<int>(lp.cols());
  const int L = static_cast<int>(out.size());
  if (L == 0) return;
  const int S = 2 * L + 1;
  auto ext = [&](int s) { return (s & 1) ? out[s >> 1].label : 0; };
  thread_local std::vector<float> prev, cur;
  thread_local std::vector<uint8_t> back;
  prev.assign(S, kNegInf);
  cur.assign(S, kNegInf);
  back.assign(static_cast<size_t>(T) * S, 0);
  prev[0] = lp(0, 0);
  if (S > 1) prev[1] = lp(ext(1), 0);
  for (int t = 1; t < T; ++t) {
    for (int s = 0; s < S; ++s) {
      float best = prev[s];
      uint8_t from = 0;
      if (s >= 1 && prev[s - 1] > best) best = prev[s - 1], from = 1;
      if (s >= 2 && (s & 1) && ext(s) != ext(s - 2) && prev[s - 2] > best) best = prev[s - 2], from = 2;
      cur[s] = best + lp(ext(s), t);
      back[static_cast<size_t>(t) * S + s] = from;
    }
    std::swap(prev, cur);
  }
  int s = (S >= 2 && prev[S - 2] > prev[S - 1]) ? S - 2 : S - 1;
  if (prev[s] == kNegInf || T < L) {
    // No valid alignment (too few frames): spread the labels evenly.
    for (int i = 0; i < L; ++i) {
      out[i].first_frame = std::min(T - 1, i * T / L);
      out[i].last_frame = std::max(out[i].first_frame, std::min(T - 1, (i + 1) * T / L - 1));
    }
    return;
  }
  for (auto& l : out) l.first_frame = -1;
  for (int t = T - 1; t >= 0; --t) {
    if (s & 1) {
      auto& l = out[s >> 1];
      if (l.first_frame < 0) l.last_frame = t;
      l.first_frame = t;
    }
    if (t > 0) s -= back[static_cast<size_t>(t) * S + s];
  }
}

// Marks the positions of `best` that `other` agrees on: aligned (edit distance) to an equal
// label, with no other character inserted next to them.
void agreement(const std::vector<int>& best, const std::vector<int>& other, int space_label,
               std::vector<uint8_t>& ok) {
  const size_t n = best.size(), m = other.size();
  thread_local std::vector<int> dp;
  dp.assign((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> int& { return dp[i * (m + 1) + j]; };
  for (size_t i = 0; i <= n; ++i) at(i, 0) = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) at(0, j) = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j)
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (best[i - 1] != other[j - 1])});
  ok.assign(n, 0);
  std::vector<uint8_t> inserted_before(n + 1, 0);  // a non-space label inserted before best[i]
  size_t i = n, j = m;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && best[i - 1] == other[j - 1] && at(i, j) == at(i - 1, j - 1)) {
      ok[i - 1] = 1;
      --i, --j;
    } else if (i > 0 && j > 0 && at(i, j) == at(i - 1, j - 1) + 1) {
      --i, --j;
    } else if (j > 0 && at(i, j) == at(i, j - 1) + 1) {
      if (other[j - 1] != space_label) inserted_before[i] = 1;
      --j;
    } else {
      --i;
    }
  }
  for (size_t k = 0; k <= n; ++k)
    if (inserted_before[k]) {
      if (k > 0) ok[k - 1] = 0;
      if (k < n) ok[k] = 0;
    }
}

}  // namespace

float calibrated_confidence(const ConfidenceFeatures& f, float scale, float peak, float bias) {
  double z = double(scale) * f.beam_logit + double(peak) * f.peak_logit + bias;
  return static_cast<float>(1 / (1 + std::exp(-z)));
}

namespace {
float clamped_logit(double p) {
  p = std::clamp(p, 1e-4, 1 - 1e-4);
  return static_cast<float>(std::log(p / (1 - p)));
}
}  // namespace

std::vector<Hypothesis> BeamDecoder::decode_beam(const Matrix& lp, std::vector<ConfidenceFeatures>* features) const {
  const int K = static_cast<int>(lp.rows()), T = static_cast<int>(lp.cols());
  if (K != alphabet_.size())
    throw ShapeError("decoder: log-prob matrix has " + std::to_string(K) + " rows, the alphabet " +
                     std::to_string(alphabet_.size()) + " labels");
  thread_local Workspace ws;
  auto& nodes = ws.nodes;
  nodes.clear();
  Node root;
  root.parent = -1;
  root.label = 0;
  root.pb = 0;
  if (lm_) root.lm_state = lm_->start();
  root.lex_state = 0;
  nodes.push_back(root);
  ws.beam.assign(1, 0);
  ws.score.assign(1, 0.f);
  const float blank_skip = std::log(options_.blank_skip);
  const float min_lp = std::log(options_.min_prob);
  const float alpha = options_.alpha, beta = options_.beta;
  const int W = options_.beam_width;
  const int space_label = alphabet_.label(U' ');

  auto child = [&](int32_t p, int label) -> int32_t {
    for (int32_t c = nodes[p].first_child; c >= 0; c = nodes[c].next_sibling)
      if (nodes[c].label == label) return c;
    Node n;
    n.parent = p;
    n.label = label;
    n.next_sibling = nodes[p].first_child;
    n.lm = nodes[p].lm + beta;
    n.lm_state = nodes[p].lm_state;
    n.lex_state = nodes[p].lex_state;
    const char32_t ch = alphabet_.symbol(label);
    if (lm_) n.lm += alpha * lm_->score(n.lm_state, ch);
    if (lexicon_) {
      if (word_char_[label]) {
        n.lex_state = lexicon_->next(n.lex_state, ch);
      } else {
        if (lexicon_->out_of_lexicon(n.lex_state)) n.lm -= options_.oov_penalty;
        n.lex_state = lexicon_->root();
      }
    }
    int32_t id = static_cast<int32_t>(nodes.size());
    nodes.push_back(n);
    nodes[p].first_child = id;
    return id;
  };

  for (int t = 0; t < T; ++t) {
    const Scalar* col = lp.data() + static_cast<Index>(t) * K;
    const float lp_blank = static_cast<float>(col[0]);
    ws.cand.clear();
    if (lp_blank < blank_skip) {
      // Candidates: best labels until top_k or cum_prob, never below min_prob.
      for (int k = 1; k < K; ++k)
        if (allowed_[k] && col[k] >= min_lp) ws.cand.emplace_back(static_cast<float>(col[k]), k);
      size_t keep = std::min<size_t>(ws.cand.size(), options_.top_k);
      std::partial_sort(ws.cand.begin(), ws.cand.begin() + keep, ws.cand.end(),
                        [](const auto& a, const auto& b) { return a.first > b.first; });
      ws.cand.resize(keep);
      float mass = std::exp(lp_blank);
      for (size_t i = 0; i < ws.cand.size(); ++i) {
        mass += std::exp(ws.cand[i].first);
        if (mass >= options_.cum_prob) {
          ws.cand.resize(i + 1);
          break;
        }
      }
    }
    ws.next.clear();
    auto touch = [&](int32_t n) {
      if (nodes[n].stamp != t) {
        nodes[n].stamp = t;
        nodes[n].nb = nodes[n].nnb = kNegInf;
        ws.next.push_back(n);
      }
    };
    // Bound for the cheap threshold: no extension can beat best prefix + best label.
    float floor = kNegInf;
    if (!ws.cand.empty()) {
      float best = kNegInf;
      for (int32_t p : ws.beam) best = std::max(best, ws.score[p]);
      floor = best + ws.cand[0].first - options_.prune_delta;
    }
    for (int32_t p : ws.beam) {
      touch(p);
      Node& np = nodes[p];
      const float total = lse(np.pb, np.pnb);
      np.nb = lse(np.nb, total + lp_blank);
      if (np.label > 0) np.nnb = lse(np.nnb, np.pnb + static_cast<float>(col[np.label]));
      const float base = total + np.lm;
      for (const auto& [lpc, c] : ws.cand) {
        if (base + lpc < floor) break;  // candidates are sorted: the rest are lower still
        int32_t ch = child(p, c);  // may grow the arena: no references across this
        touch(ch);
        const Node& q = nodes[p];
        float from = c == q.label ? q.pb : lse(q.pb, q.pnb);  // a repeat needs a blank between
        nodes[ch].nnb = lse(nodes[ch].nnb, from + lpc);
      }
    }
    ws.score.resize(nodes.size());
    for (int32_t n : ws.next) {
      Node& x = nodes[n];
      x.pb = x.nb;
      x.pnb = x.nnb;
      ws.score[n] = lse(x.pb, x.pnb) + x.lm;
    }
    if (static_cast<int>(ws.next.size()) > W) {
      std::nth_element(ws.next.begin(), ws.next.begin() + W, ws.next.end(),
                       [&](int32_t a, int32_t b) { return ws.score[a] > ws.score[b]; });
      ws.next.resize(W);
    }
    std::swap(ws.beam, ws.next);
  }

  // Final scores: end of line for the LM and the lexicon.
  std::vector<std::pair<double, int32_t>> fin;
  for (int32_t n : ws.beam) {
    const Node& x = nodes[n];
    double s = lse(x.pb, x.pnb) + x.lm;
    if (lm_) s += alpha * lm_->score_end(x.lm_state);
    if (lexicon_ && lexicon_->out_of_lexicon(x.lex_state)) s -= options_.oov_penalty;
    if (s > -std::numeric_limits<double>::infinity()) fin.emplace_back(s, n);
  }
  std::sort(fin.begin(), fin.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Hypothesis> out;
  for (const auto& [s, n] : fin) {
    Hypothesis h;
    h.log_prob = s;
    for (int32_t v = n; v > 0; v = nodes[v].parent) {
      DecodedLabel d;
      d.label = nodes[v].label;
      h.labels.push_back(d);
    }
    std::reverse(h.labels.begin(), h.labels.end());
    out.push_back(std::move(h));
  }
  if (out.empty()) {
    out.emplace_back();
    out.back().log_prob = -std::numeric_limits<double>::infinity();
    return out;
  }
  if (T > 0) align_frames(lp, out[0].labels);

  // Confidences: beam posterior mass agreeing with each character of the winner.
  const double top = out[0].log_prob;
  double z = 0;
  std::vector<double> w(out.size());
  for (size_t i = 0; i < out.size(); ++i) z += (w[i] = std::exp(out[i].log_prob - top));
  const std::vector<int> best = out[0].label_ids();
  std::vector<double> post(best.size(), w[0] / z);
  std::vector<uint8_t> ok;
  for (size_t j = 1; j < out.size(); ++j) {
    if (w[j] / z < 1e-6) continue;
    agreement(best, out[j].label_ids(), space_label, ok);
    for (size_t i = 0; i < best.size(); ++i)
      if (ok[i]) post[i] += w[j] / z;
  }
  if (features) features->clear();
  for (size_t i = 0; i < best.size(); ++i) {
    DecodedLabel& d = out[0].labels[i];
    Scalar peak = -std::numeric_limits<Scalar>::infinity();
    for (int t = d.first_frame; t <= d.last_frame && t < T; ++t) peak = std::max(peak, lp(d.label, t));
    ConfidenceFeatures f{clamped_logit(post[i]), clamped_logit(std::exp(double(peak)))};
    d.confidence = calibrated_confidence(f, options_.conf_scale, options_.conf_peak, options_.conf_bias);
    if (features) features->push_back(f);
  }
  return out;
}

Hypothesis BeamDecoder::decode(const Matrix& log_probs) const {
  auto beam = decode_beam(log_probs);
  return std::move(beam.front());
}

MaskedDecoder::MaskedDecoder(std::shared_ptr<const Decoder> inner, const Alphabet& alphabet,
                             const std::u32string& allow_chars, const std::u32string& deny_chars)
    : inner_(std::move(inner)) {
  auto mask = label_mask(alphabet, allow_chars, deny_chars);
  for (size_t l = 1; l < mask.size(); ++l)
    if (!mask[l]) masked_.push_back(static_cast<int>(l));
  if (masked_.size() + 1 == mask.size())
    throw Error("the character allow/deny lists leave no character of the model's alphabet");
}

Hypothesis MaskedDecoder::decode(const Matrix& log_probs) const {
  Matrix m = log_probs;
  for (int l : masked_)
    if (l < m.rows()) m.row(l).setConstant(-std::numeric_limits<Scalar>::infinity());
  return inner_->decode(m);
}

namespace {
float extra_or(const std::map<std::string, std::string>& extra, const char* key, float fallback) {
  auto it = extra.find(key);
  if (it == extra.end()) return fallback;
  char* end = nullptr;
  float v = std::strtof(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || !std::isfinite(v)) {
    log::warn("model metadata {}='{}' is not a number; using {}", key, it->second, fallback);
    return fallback;
  }
  return v;
}
}  // namespace

std::shared_ptr<const Decoder> make_decoder(const DecoderOptions& o, const Alphabet& alphabet,
                                            const std::map<std::string, std::string>& extra,
                                            DecoderFiles* shared_files) {
  std::u32string allow = utf8_decode(o.allow_chars), deny = utf8_decode(o.deny_chars);
  if (o.kind == "greedy") {
    if (allow.empty() && deny.empty()) return std::make_shared<GreedyDecoder>();
    auto mask = label_mask(alphabet, allow, deny);
    if (std::count(mask.begin() + 1, mask.end(), 1) == 0)
      throw Error("the character allow/deny lists leave no character of the model's alphabet");
    return std::make_shared<GreedyDecoder>(std::vector<bool>(mask.begin(), mask.end()));
  }
  if (o.kind != "beam") throw Error("unknown decoder '" + o.kind + "' (greedy or beam)");
  BeamOptions b;
  b.beam_width = o.beam_width;
  b.alpha = o.alpha ? *o.alpha : extra_or(extra, "lm_alpha", kDefaultLmAlpha);
  b.beta = o.beta ? *o.beta : extra_or(extra, "lm_beta", kDefaultLmBeta);
  b.oov_penalty = o.oov_penalty ? *o.oov_penalty : extra_or(extra, "lm_oov_penalty", kDefaultOovPenalty);
  b.conf_scale = extra_or(extra, "conf_scale", 1.f);
  b.conf_peak = extra_or(extra, "conf_peak", 0.f);
  b.conf_bias = extra_or(extra, "conf_bias", 0.f);
  b.allow_chars = allow;
  b.deny_chars = deny;
  DecoderFiles own;
  DecoderFiles& files = shared_files ? *shared_files : own;
  std::shared_ptr<const LanguageModel> lm;
  if (!o.lm_path.empty() && o.lm_path != "none") {
    if (!files.lm || files.lm_path != o.lm_path) files.lm = load_language_model(o.lm_path), files.lm_path = o.lm_path;
    lm = files.lm;
  }
  if (!lm) b.beta = o.beta ? *o.beta : 0.f;  // the bonus only offsets LM cost
  std::shared_ptr<const Lexicon> lex;
  // A penalty of 0 (what the tuner may choose) makes the word list a no-op: not even loaded.
  if (!o.lexicon.empty() && o.lexicon != "none" && b.oov_penalty > 0) {
    if (!files.lexicon || files.lexicon_path != o.lexicon)
      files.lexicon = std::make_shared<Lexicon>(Lexicon::load(o.lexicon)), files.lexicon_path = o.lexicon;
    lex = files.lexicon;
  }
  return std::make_shared<BeamDecoder>(alphabet, b, lm, lex);
}

}  // namespace ocr
