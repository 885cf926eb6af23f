#include "ocr/ctc/ctc_loss.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "ocr/core/error.h"

namespace ocr {

// The lattice sums are exact products and sums of probabilities, but they span far more than a
// double's range (p(labels) ~ e^-20000 for a long, badly fitting line). Log-space keeps the range
// at the price of an exp/log per cell; rescaling each frame to sum 1 (Rabiner) is fast but flushes
// cells that are tiny now and dominant later, which gave a visibly wrong loss on such lines.
// Here every cell carries its own binary exponent: value = mantissa · 2^exponent, mantissa in
// [0.5, 1) (or 0), exponent an integer held in a double. Adding aligns exponents by exact powers
// of two and multiplying adds them, so each cell keeps full double precision at any magnitude and
// the recursion needs no transcendental function; only the emissions (one exp per used class and
// frame) do. Sums still accumulate in double whatever Scalar is.

namespace {

// Exponent of an exact zero: below any real exponent, and any sum with it stays far below.
constexpr double kZeroExp = -1e300;
// Floor for input log-probs: a class at -inf becomes a huge finite penalty (so never inf/NaN),
// small enough in magnitude that exponent arithmetic stays exact (|n| < 2^21 per frame).
constexpr double kLogFloor = -1e5;
// ln 2 split so that n · kLn2Hi is exact for |n| < 2^21 (Cody-Waite reduction).
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kLog2e = 1.44269504088896340736;
constexpr double kLn2 = 0.69314718055994530942;

inline double bits_to_double(uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}
inline uint64_t double_to_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

// 2^d for an integer-valued d <= 0; 0 below 2^-1022, where a term is negligible next to the
// mantissa of at least 0.5 it is added to. (Ternaries rather than std::max, and masks rather
// than branches below, so that GCC vectorises the loops.)
inline double pow2_nonpositive(double d) {
  const int64_t k = static_cast<int64_t>(d < -1023.0 ? -1023.0 : d) + 1023;  // 0 encodes +0.0
  return bits_to_double(static_cast<uint64_t>(k) << 52);
}

// Splits v · 2^e, v >= 0 and never subnormal here, into a mantissa in [0.5, 1) and an exponent;
// v = 0 gives mantissa 0 and exponent kZeroExp.
inline void normalize(double v, double e, double* m, double* x) {
  const uint64_t b = double_to_bits(v);
  const double k = static_cast<double>(static_cast<int64_t>((b >> 52) & 0x7FF) - 1022);
  const uint64_t nonzero = 0 - static_cast<uint64_t>(b != 0);
  *m = bits_to_double(((b & 0x800FFFFFFFFFFFFFull) | (1022ull << 52)) & nonzero);
  *x = e + k + static_cast<double>(b == 0) * kZeroExp;
}

inline double max3(double a, double b, double c) {
  const double ab = a > b ? a : b;
  return ab > c ? ab : c;
}

// out[s] = (m0[s]·2^x0[s] + m1[s]·2^x1[s] + m2[s]·2^(x2[s] + skip[s])) · em[s]·2^ex[s] for s in
// [0, n): one lattice step over a band. The backward step passes shifted pointers.
void lattice_step(int n, const double* __restrict m0, const double* __restrict x0,
                  const double* __restrict m1, const double* __restrict x1,
                  const double* __restrict m2, const double* __restrict x2,
                  const double* __restrict skip, const double* __restrict em,
                  const double* __restrict ex, double* __restrict om, double* __restrict ox) {
  for (int s = 0; s < n; ++s) {
    const double y2 = x2[s] + skip[s];
    const double top = max3(x0[s], x1[s], y2);
    const double v = (m0[s] * pow2_nonpositive(x0[s] - top) + m1[s] * pow2_nonpositive(x1[s] - top) +
                      m2[s] * pow2_nonpositive(y2 - top)) *
                     em[s];
    normalize(v, top + ex[s], &om[s], &ox[s]);
  }
}

// out[s] = m[s]·2^x[s] · em[s]·2^ex[s].
void emit_step(int n, const double* __restrict m, const double* __restrict x,
               const double* __restrict em, const double* __restrict ex, double* __restrict om,
               double* __restrict ox) {
  for (int s = 0; s < n; ++s) normalize(m[s] * em[s], x[s] + ex[s], &om[s], &ox[s]);
}

// Per-thread buffers: training calls this once per line, so it must not allocate each time.
// Buffers only grow.
struct Workspace {
  std::vector<int> cls;           // class of each lattice state: blank, l1, blank, ..., blank
  std::vector<int> row;           // row of the state's class in the emission table
  std::vector<int> classes;       // distinct classes used, blank first
  std::vector<int> row_of_class;  // class → row, -1 if unused
  std::vector<double> skip;       // 0 if state s may be entered from s-2, kZeroExp if not; at s+2
  std::vector<double> log_emit;   // used classes × T log-probs, then their exp's reduced argument
  std::vector<double> em, ex;     // used classes × T emissions: mantissa, exponent
  std::vector<double> am, ax;     // alpha, (S + 2) × T, two leading zero pads per column
  std::vector<double> bm, bx;     // beta of one frame, S + 2 (two trailing zero pads)
  std::vector<double> pm, px;     // beta_{t+1} · emission_{t+1}, S + 2
  std::vector<double> sm, sx;     // emissions of the band's states, (S + 2) × T, gathered once
  std::vector<double> ones, zeros;  // unit emission for the backward sum
  std::vector<double> occ;        // occupancy of the band at one frame
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

void build_lattice(const std::vector<int>& labels, Index K, Workspace& ws) {
  const int L = static_cast<int>(labels.size()), S = 2 * L + 1;
  ws.cls.assign(S, 0);
  for (int i = 0; i < L; ++i) ws.cls[2 * i + 1] = labels[i];
  ws.classes.assign(1, 0);
  ws.row_of_class.assign(K, -1);
  ws.row_of_class[0] = 0;
  for (int c : labels)
    if (ws.row_of_class[c] < 0) {
      ws.row_of_class[c] = static_cast<int>(ws.classes.size());
      ws.classes.push_back(c);
    }
  ws.row.resize(S);
  for (int s = 0; s < S; ++s) ws.row[s] = ws.row_of_class[ws.cls[s]];
  // Blanks and repeated labels are never entered from two states back.
  ws.skip.assign(S + 4, kZeroExp);
  for (int s = 3; s < S; s += 2)
    if (ws.cls[s] != ws.cls[s - 2]) ws.skip[s + 2] = 0.0;
}

// The emissions of the used classes as mantissa · 2^exponent: log p = n ln 2 + r with n an
// integer, so p = exp(r) · 2^n. A NaN is a plain Error, not a ShapeError: callers skip lines that
// do not fit, but a NaN means the network diverged and must not pass for a line that is too narrow.
void build_emissions(const Matrix& log_probs, Workspace& ws) {
  const Index U = static_cast<Index>(ws.classes.size()), T = log_probs.cols();
  const size_t n = static_cast<size_t>(U * T);
  ensure(ws.log_emit, n);
  ensure(ws.em, n);
  ensure(ws.ex, n);
  for (Index t = 0; t < T; ++t)
    for (Index u = 0; u < U; ++u) {
      const double v = static_cast<double>(log_probs(ws.classes[u], t));
      if (std::isnan(v))
        throw Error("ctc_loss: log_probs is NaN at class " + std::to_string(ws.classes[u]) +
                    ", frame " + std::to_string(t));
      const double l = std::max(v, kLogFloor);
      const double k = std::floor(l * kLog2e);
      ws.ex[t * U + u] = k;
      ws.log_emit[t * U + u] = (l - k * kLn2Hi) - k * kLn2Lo;
    }
  Eigen::Map<Eigen::ArrayXd> r(ws.log_emit.data(), static_cast<Index>(n));
  Eigen::Map<Eigen::ArrayXd>(ws.em.data(), static_cast<Index>(n)) = r.exp();
  for (size_t i = 0; i < n; ++i) normalize(ws.em[i], ws.ex[i], &ws.em[i], &ws.ex[i]);
}

}  // namespace

int ctc_min_frames(const std::vector<int>& labels) {
  int n = static_cast<int>(labels.size());
  for (size_t i = 1; i < labels.size(); ++i)
    if (labels[i] == labels[i - 1]) ++n;
  return n;
}

double ctc_loss(const Matrix& log_probs, const std::vector<int>& labels, Matrix* grad) {
  validate(log_probs, labels);
  const int T = static_cast<int>(log_probs.cols());
  if (T == 0) {  // only reachable with no labels: the empty alignment has p = 1
    if (grad) grad->setZero(log_probs.rows(), 0);
    return 0.0;
  }
  Workspace& ws = workspace();
  build_lattice(labels, log_probs.rows(), ws);
  build_emissions(log_probs, ws);
  const int S = static_cast<int>(ws.cls.size()), P = S + 2;
  const int U = static_cast<int>(ws.classes.size());
  const int* row = ws.row.data();
  const double* skip = ws.skip.data() + 2;
  ensure(ws.am, static_cast<size_t>(P) * T);
  ensure(ws.ax, static_cast<size_t>(P) * T);
  ensure(ws.sm, static_cast<size_t>(P) * T);
  ensure(ws.sx, static_cast<size_t>(P) * T);
  // The emissions of the band's states at frame t, gathered by the forward pass into contiguous
  // arrays for the vectorised steps (index s - lo), and reused by the backward pass.
  auto state_emissions = [&](int t, double** m, double** x) {
    *m = ws.sm.data() + static_cast<size_t>(t) * P;
    *x = ws.sx.data() + static_cast<size_t>(t) * P;
  };

  // Forward: alpha_t(s) = (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [skip] alpha_{t-1}(s-2)) · p_t(s).
  for (int t = 0; t < T; ++t) {
    double* m = ws.am.data() + static_cast<size_t>(t) * P + 2;
    double* x = ws.ax.data() + static_cast<size_t>(t) * P + 2;
    std::fill(m - 2, m + S, 0.0);
    std::fill(x - 2, x + S, kZeroExp);
    const int lo = band_lo(S, T, t), hi = band_hi(S, t), n = hi - lo + 1;
    double *sm, *sx;
    state_emissions(t, &sm, &sx);
    const double* em = ws.em.data() + static_cast<size_t>(t) * U;
    const double* ex = ws.ex.data() + static_cast<size_t>(t) * U;
    for (int s = lo; s <= hi; ++s) {
      sm[s - lo] = em[row[s]];
      sx[s - lo] = ex[row[s]];
    }
    if (t == 0) {
      std::copy(sm, sm + n, m + lo);
      std::copy(sx, sx + n, x + lo);
      continue;
    }
    const double* qm = m - P;  // previous column
    const double* qx = x - P;
    lattice_step(n, qm + lo, qx + lo, qm + lo - 1, qx + lo - 1, qm + lo - 2, qx + lo - 2,
                 skip + lo, sm, sx, m + lo, x + lo);
  }
  const double* fm = ws.am.data() + static_cast<size_t>(T - 1) * P + 2;
  const double* fx = ws.ax.data() + static_cast<size_t>(T - 1) * P + 2;
  // Ends in the last blank or the last label (fm[-1] is a zero pad when there are no labels).
  const double top = std::max(fx[S - 1], fx[S - 2]);
  const double end =
      fm[S - 1] * pow2_nonpositive(fx[S - 1] - top) + fm[S - 2] * pow2_nonpositive(fx[S - 2] - top);
  const double log_p = std::log(end) + top * kLn2;
  if (!grad) return -log_p;

  // Backward: beta_t(s) = sum over successors s' of beta_{t+1}(s') · p_{t+1}(s'). The occupancy
  // at frame t is alpha_t · beta_t normalised over the states at t, which sums to one exactly.
  ensure(ws.bm, P);
  ensure(ws.bx, P);
  ensure(ws.pm, P);
  ensure(ws.px, P);
  ensure(ws.occ, P);
  ws.ones.assign(P, 1.0);
  ws.zeros.assign(P, 0.0);
  double *bm = ws.bm.data(), *bx = ws.bx.data(), *pm = ws.pm.data(), *px = ws.px.data();
  grad->setZero(log_probs.rows(), T);
  for (int t = T - 1; t >= 0; --t) {
    const int lo = band_lo(S, T, t), hi = band_hi(S, t), n = hi - lo + 1;
    if (t == T - 1) {
      std::fill(bm, bm + P, 0.0);
      std::fill(bx, bx + P, kZeroExp);
      bm[S - 1] = 0.5;  // 1 = 0.5 · 2^1
      bx[S - 1] = 1;
      if (S >= 2) {
        bm[S - 2] = 0.5;
        bx[S - 2] = 1;
      }
    } else {
      const int lo1 = band_lo(S, T, t + 1), hi1 = band_hi(S, t + 1);
      std::fill(pm, pm + P, 0.0);
      std::fill(px, px + P, kZeroExp);
      double *sm, *sx;
      state_emissions(t + 1, &sm, &sx);
      emit_step(hi1 - lo1 + 1, bm + lo1, bx + lo1, sm, sx, pm + lo1, px + lo1);
      std::fill(bm, bm + P, 0.0);
      std::fill(bx, bx + P, kZeroExp);
      lattice_step(n, pm + lo, px + lo, pm + lo + 1, px + lo + 1, pm + lo + 2, px + lo + 2,
                   skip + lo + 2, ws.ones.data(), ws.zeros.data(), bm + lo, bx + lo);
    }
    const double* am = ws.am.data() + static_cast<size_t>(t) * P + 2 + lo;
    const double* ax = ws.ax.data() + static_cast<size_t>(t) * P + 2 + lo;
    const double* b_m = bm + lo;
    const double* b_x = bx + lo;
    double* occ = ws.occ.data();
    Eigen::Map<Eigen::ArrayXd> e(occ, n);
    e = Eigen::Map<const Eigen::ArrayXd>(ax, n) + Eigen::Map<const Eigen::ArrayXd>(b_x, n);
    const double top_t = e.maxCoeff();
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      occ[i] = am[i] * b_m[i] * pow2_nonpositive(occ[i] - top_t);
      sum += occ[i];
    }
    // Blank states (even s) all feed one entry: summed apart, so that the label states' scatter
    // has no chain of read-modify-writes on the same address.
    const double inv = 1.0 / sum;
    double blank = 0;
    for (int i = lo % 2; i < n; i += 2) blank += occ[i];
    Scalar* g = grad->data() + static_cast<Index>(t) * grad->rows();
    g[0] = static_cast<Scalar>(-blank * inv);
    for (int i = 1 - lo % 2; i < n; i += 2) g[ws.cls[lo + i]] -= static_cast<Scalar>(occ[i] * inv);
  }
  return -log_p;
}

}  // namespace ocr
