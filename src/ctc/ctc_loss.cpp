#include "ocr/ctc/ctc_loss.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ocr/core/error.h"

namespace ocr {

namespace {

using ArrayMap = Eigen::Map<Eigen::ArrayXd>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXd>;

// log(0) stand-in. A finite value (rather than -inf) keeps max / subtract / exp free of NaN in the
// vectorised log-sum-exp; anything near it contributes exp(-1e300) = 0 exactly.
constexpr double kLogZero = -1e300;
// Floor for input log-probs: a class masked to -inf stays far above kLogZero, so the loss of an
// impossible target is huge but finite and the lattice arithmetic stays exact.
constexpr double kLogFloor = -1e30;

// Per-thread buffers: training calls this once per line, so it must not allocate each time.
// Buffers only grow.
struct Workspace {
  std::vector<int> cls;        // class of each lattice state: blank, l1, blank, l2, ..., blank
  std::vector<double> skip;    // 0 if state s may be entered from s-2, kLogZero otherwise
  std::vector<double> alpha;   // (S + 2) × T log alpha, two leading kLogZero pads per column
  std::vector<double> beta;    // two columns of log beta, S + 2 each (trailing pads)
  std::vector<double> emit;    // emission log-probs of the band's states at one frame
  std::vector<double> tmp;     // max of the log-sum-exp operands / occupancy logs
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

template <typename V>
void ensure(V& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

void validate(const Matrix& log_probs, const std::vector<int>& labels) {
  const Index K = log_probs.rows(), T = log_probs.cols();
  if (K < 1) throw ShapeError("ctc_loss: log_probs has no classes (0 rows)");
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 1 || labels[i] >= K)
      throw ShapeError("ctc_loss: label " + std::to_string(labels[i]) + " at position " +
                       std::to_string(i) + " is outside 1.." + std::to_string(K - 1) +
                       " (log_probs has " + std::to_string(K) + " classes, 0 is blank)");
  const int need = ctc_min_frames(labels);
  if (need > T)
    throw ShapeError("ctc_loss: " + std::to_string(labels.size()) + " labels need at least " +
                     std::to_string(need) + " frames (repeats need a blank between them), got " +
                     std::to_string(T));
}

// States that can be occupied at frame t: reachable from the start (s <= 2t + 1) and still able to
// reach one of the two final states by frame T-1 (a frame advances at most two states).
inline int band_lo(int S, int T, int t) { return std::max(0, S - 2 - 2 * (T - 1 - t)); }
inline int band_hi(int S, int t) { return std::min(S - 1, 2 * t + 1); }

// Gathers log p(class of state s, frame t) for s in [lo, lo + n) into out, with -inf floored. A
// NaN is a plain Error, not a ShapeError: callers skip lines that do not fit, but a NaN means the
// network diverged and must not pass for a line that is too narrow.
void gather_emissions(const Matrix& log_probs, const std::vector<int>& cls, int t, int lo, int n,
                      double* out) {
  const Scalar* col = log_probs.data() + static_cast<Index>(t) * log_probs.rows();
  for (int i = 0; i < n; ++i) {
    const double v = static_cast<double>(col[cls[lo + i]]);
    if (std::isnan(v))
      throw Error("ctc_loss: log_probs is NaN at class " + std::to_string(cls[lo + i]) +
                       ", frame " + std::to_string(t));
    out[i] = std::max(v, kLogFloor);
  }
}

// out = log(exp(a) + exp(b) + exp(c)) element-wise, in blocks of n, using m as scratch.
template <typename A, typename B, typename C>
void log_sum_exp3(const A& a, const B& b, const C& c, double* m_buf, ArrayMap out) {
  ArrayMap m(m_buf, out.size());
  m = a.max(b).max(c);
  out = m + ((a - m).exp() + (b - m).exp() + (c - m).exp()).log();
}

}  // namespace

int ctc_min_frames(const std::vector<int>& labels) {
  int n = static_cast<int>(labels.size());
  for (size_t i = 1; i < labels.size(); ++i)
    if (labels[i] == labels[i - 1]) ++n;
  return n;
}

// Log-space forward-backward over the lattice l' = (blank, l1, blank, ..., lL, blank), one frame
// (column) at a time with vectorised log-sum-exp over the band of live states. Sums are in double
// whatever Scalar is.
double ctc_loss(const Matrix& log_probs, const std::vector<int>& labels, Matrix* grad) {
  validate(log_probs, labels);
  const int T = static_cast<int>(log_probs.cols());
  if (T == 0) {  // only reachable with no labels: the empty alignment has p = 1
    if (grad) grad->setZero(log_probs.rows(), 0);
    return 0.0;
  }
  Workspace& ws = workspace();
  const int L = static_cast<int>(labels.size()), S = 2 * L + 1, P = S + 2;
  ws.cls.assign(S, 0);
  for (int i = 0; i < L; ++i) ws.cls[2 * i + 1] = labels[i];
  // skip is indexed s + 2 so that state -2, -1 (the pads) exist; repeats and blanks never skip.
  ws.skip.assign(S + 4, kLogZero);
  for (int s = 3; s < S; s += 2)
    if (ws.cls[s] != ws.cls[s - 2]) ws.skip[s + 2] = 0.0;
  ensure(ws.alpha, static_cast<size_t>(P) * T);
  ensure(ws.emit, P);
  ensure(ws.tmp, P);
  const double* skip = ws.skip.data() + 2;

  for (int t = 0; t < T; ++t) {
    double* a = ws.alpha.data() + static_cast<size_t>(t) * P + 2;
    std::fill(a - 2, a + S, kLogZero);
    const int lo = band_lo(S, T, t), hi = band_hi(S, t), n = hi - lo + 1;
    gather_emissions(log_probs, ws.cls, t, lo, n, ws.emit.data());
    ArrayMap out(a + lo, n);
    const ConstArrayMap e(ws.emit.data(), n);
    if (t == 0) {
      out = e;
    } else {
      const double* p = a - P;  // previous column
      log_sum_exp3(ConstArrayMap(p + lo, n), ConstArrayMap(p + lo - 1, n),
                   ConstArrayMap(p + lo - 2, n) + ConstArrayMap(skip + lo, n), ws.tmp.data(), out);
      out += e;
    }
  }
  const double* last = ws.alpha.data() + static_cast<size_t>(T - 1) * P + 2;
  double log_p = last[S - 1];
  if (S >= 2) {
    const double hi = std::max(last[S - 1], last[S - 2]);
    log_p = hi + std::log(std::exp(last[S - 1] - hi) + std::exp(last[S - 2] - hi));
  }
  if (!grad) return -log_p;

  // Backward, two columns of beta (beta_t(s): log p of frames t+1.. given state s at t). The
  // occupancy at frame t is alpha_t·beta_t normalised over the states at t, which sums to one
  // exactly even where rounding would make exp(alpha + beta - log_p) drift.
  ensure(ws.beta, 2 * static_cast<size_t>(P));
  double* b = ws.beta.data();
  double* bn = b + P;
  grad->setZero(log_probs.rows(), T);
  for (int t = T - 1; t >= 0; --t) {
    const int lo = band_lo(S, T, t), hi = band_hi(S, t), n = hi - lo + 1;
    std::swap(b, bn);  // bn: beta_{t+1} plus its emission at t+1 (see below)
    std::fill(b, b + P, kLogZero);
    if (t == T - 1) {
      b[S - 1] = 0;
      if (S >= 2) b[S - 2] = 0;
    } else {
      log_sum_exp3(ConstArrayMap(bn + lo, n), ConstArrayMap(bn + lo + 1, n),
                   ConstArrayMap(bn + lo + 2, n) + ConstArrayMap(skip + lo + 2, n), ws.tmp.data(),
                   ArrayMap(b + lo, n));
    }
    const double* a = ws.alpha.data() + static_cast<size_t>(t) * P + 2;
    ArrayMap occ(ws.tmp.data(), n);
    occ = ConstArrayMap(a + lo, n) + ConstArrayMap(b + lo, n);
    const double mx = occ.maxCoeff();
    occ = (occ - mx).exp();
    occ /= occ.sum();
    Scalar* g = grad->data() + static_cast<Index>(t) * grad->rows();
    for (int i = 0; i < n; ++i) g[ws.cls[lo + i]] -= static_cast<Scalar>(occ[i]);
    // Fold the emission at t into beta for the step to t-1.
    if (t > 0) {
      gather_emissions(log_probs, ws.cls, t, lo, n, ws.emit.data());
      ArrayMap(b + lo, n) += ConstArrayMap(ws.emit.data(), n);
    }
  }
  return -log_p;
}

}  // namespace ocr
