#include "ocr/ctc/calibration.h"

#include <algorithm>
#include <cmath>

#include "ocr/core/error.h"

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

namespace {

// Which items of a are matched (equal and aligned) by an optimal alignment to b; ties on the way
// back prefer a match, then a substitution, then skipping an item of a.
template <typename T>
std::vector<uint8_t> matched(const std::vector<T>& a, const std::vector<T>& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<int> dp((n + 1) * (m + 1));
  auto at = [&](size_t i, size_t j) -> int& { return dp[i * (m + 1) + j]; };
  for (size_t i = 0; i <= n; ++i) at(i, 0) = int(i);
  for (size_t j = 0; j <= m; ++j) at(0, j) = int(j);
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j)
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] != b[j - 1])});
  std::vector<uint8_t> ok(n, 0);
  size_t i = n, j = m;
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1] && at(i, j) == at(i - 1, j - 1)) ok[i - 1] = 1, --i, --j;
    else if (at(i, j) == at(i - 1, j - 1) + 1) --i, --j;
    else if (at(i, j) == at(i - 1, j) + 1) --i;
    else --j;
  }
  return ok;
}

std::vector<std::u32string> space_separated(const std::u32string& s) {
  std::vector<std::u32string> out;
  std::u32string w;
  for (char32_t c : s) {
    if (c != U' ') {
      w.push_back(c);
    } else if (!w.empty()) {
      out.push_back(w);
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

}  // namespace

void add_line_samples(const std::u32string& text, const std::vector<ConfidenceFeatures>& features,
                      const std::u32string& truth, std::vector<CalibrationSample>& words,
                      std::vector<CalibrationSample>& chars) {
  if (features.size() < text.size())
    throw Error("add_line_samples: " + std::to_string(features.size()) + " features for " +
                std::to_string(text.size()) + " characters");
  const auto char_ok = matched(std::vector<char32_t>(text.begin(), text.end()),
                               std::vector<char32_t>(truth.begin(), truth.end()));
  for (size_t k = 0; k < text.size(); ++k)
    if (text[k] != U' ') chars.push_back({{features[k]}, char_ok[k] != 0});
  std::vector<std::u32string> text_words;
  std::vector<CalibrationSample> items;
  size_t start = 0;
  for (size_t k = 0; k <= text.size(); ++k)
    if (k == text.size() || text[k] == U' ') {
      if (k > start) {
        text_words.push_back(text.substr(start, k - start));
        items.push_back({std::vector<ConfidenceFeatures>(features.begin() + start, features.begin() + k), false});
      }
      start = k + 1;
    }
  const auto word_ok = matched(text_words, space_separated(truth));
  for (size_t k = 0; k < items.size(); ++k) {
    items[k].correct = word_ok[k] != 0;
    words.push_back(std::move(items[k]));
  }
}

ReliabilityTable reliability_table(const std::vector<CalibrationSample>& samples, const Calibration& c, int bins) {
  ReliabilityTable t;
  t.items = samples.size();
  t.bins = reliability(samples, c, bins, &t.ece);
  return t;
}

CalibrationCheck fit_and_check_calibration(const std::vector<CalibrationSample>& words,
                                           const std::vector<CalibrationSample>& chars, int bins) {
  if (words.empty()) throw Error("no words decoded");
  std::vector<CalibrationSample> fit, held;
  for (size_t i = 0; i < words.size(); ++i) (i % 2 ? held : fit).push_back(words[i]);
  CalibrationCheck r;
  r.calibration = fit_calibration(fit);
  r.fitted_words = fit.size();
  r.raw_words = reliability_table(held, Calibration{}, bins);
  r.words = reliability_table(held, r.calibration, bins);
  r.chars = reliability_table(chars, r.calibration, bins);
  return r;
}

}  // namespace ocr
