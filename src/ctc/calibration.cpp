#include "ocr/ctc/calibration.h"

#include <algorithm>
#include <cmath>

namespace ocr {

float sample_confidence(const CalibrationSample& s, const Calibration& c) {
  float conf = 1.f;
  for (const auto& f : s.chars) conf = std::min(conf, calibrated_confidence(f, c.scale, c.peak, c.bias));
  return conf;
}

namespace {
// Penalised negative log-likelihood of the map w on the samples.
double loss(const std::vector<CalibrationSample>& samples, const double w[3], double lambda) {
  double l = 0.5 * lambda * ((w[0] - 1) * (w[0] - 1) + w[1] * w[1] + w[2] * w[2]);
  for (const auto& s : samples) {
    if (s.chars.empty()) continue;
    double lo = 1e300;
    for (const auto& f : s.chars) lo = std::min(lo, w[0] * f.beam_logit + w[1] * f.peak_logit + w[2]);
    // log(1 + e^-z) for right items, log(1 + e^z) for wrong ones, computed stably.
    double z = s.correct ? -lo : lo;
    l += z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
  }
  return l;
}
}  // namespace

Calibration fit_calibration(const std::vector<CalibrationSample>& samples) {
  // Features of each item's weakest character under the current map; re-chosen each step since
  // the weakest character can change with the parameters.
  double w[3] = {1, 0, 0};  // scale, peak, bias
  const double lambda = 1.0;
  for (int it = 0; it < 100; ++it) {
    double g[3] = {lambda * (w[0] - 1), lambda * w[1], lambda * w[2]};
    double H[3][3] = {{lambda, 0, 0}, {0, lambda, 0}, {0, 0, lambda}};
    for (const auto& s : samples) {
      if (s.chars.empty()) continue;
      const ConfidenceFeatures* weakest = &s.chars[0];
      double lo = 1e300;
      for (const auto& f : s.chars) {
        double z = w[0] * f.beam_logit + w[1] * f.peak_logit + w[2];
        if (z < lo) lo = z, weakest = &f;
      }
      double x[3] = {weakest->beam_logit, weakest->peak_logit, 1.0};
      double p = 1 / (1 + std::exp(-lo));
      double r = p - (s.correct ? 1 : 0), v = p * (1 - p);
      for (int a = 0; a < 3; ++a) {
        g[a] += r * x[a];
        for (int b = 0; b < 3; ++b) H[a][b] += v * x[a] * x[b];
      }
    }
    // Solve H·d = g (3×3, symmetric positive definite) by Cramer's rule.
    auto det3 = [](double m[3][3]) {
      return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
             m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    };
    double D = det3(H);
    if (std::abs(D) < 1e-300) break;
    double d[3];
    for (int k = 0; k < 3; ++k) {
      double M[3][3];
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) M[a][b] = b == k ? g[a] : H[a][b];
      d[k] = det3(M) / D;
    }
    // Backtracking: the weakest-character choice makes the loss only piecewise smooth.
    const double before = loss(samples, w, lambda);
    double t = 1, step = 0;
    for (; t > 1e-4; t *= 0.5) {
      double trial[3] = {w[0] - t * d[0], w[1] - t * d[1], w[2] - t * d[2]};
      if (loss(samples, trial, lambda) <= before) {
        for (int k = 0; k < 3; ++k) step += std::abs(trial[k] - w[k]), w[k] = trial[k];
        break;
      }
    }
    if (t <= 1e-4 || step < 1e-8) break;
  }
  return Calibration{static_cast<float>(w[0]), static_cast<float>(w[1]), static_cast<float>(w[2])};
}

std::vector<ReliabilityBin> reliability(const std::vector<CalibrationSample>& samples, const Calibration& c,
                                        int bins, double* ece) {
  std::vector<ReliabilityBin> b(static_cast<size_t>(std::max(1, bins)));
  for (size_t k = 0; k < b.size(); ++k) b[k].lo = double(k) / b.size(), b[k].hi = double(k + 1) / b.size();
  for (const auto& s : samples) {
    double p = sample_confidence(s, c);
    size_t k = std::min(b.size() - 1, static_cast<size_t>(p * b.size()));
    b[k].reported += p;
    b[k].observed += s.correct;
    ++b[k].count;
  }
  double e = 0;
  std::vector<ReliabilityBin> out;
  for (auto& bin : b) {
    if (!bin.count) continue;
    bin.reported /= bin.count;
    bin.observed /= bin.count;
    e += std::abs(bin.reported - bin.observed) * bin.count / samples.size();
    out.push_back(bin);
  }
  if (ece) *ece = e;
  return out;
}

}  // namespace ocr
