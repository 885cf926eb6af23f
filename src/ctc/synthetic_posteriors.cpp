#include "ocr/ctc/synthetic_posteriors.h"

#include <algorithm>
#include <cmath>

#include "ocr/core/utf8.h"

namespace ocr {

Alphabet padded_alphabet(const std::vector<std::string>& texts, int labels) {
  const Alphabet own = Alphabet::from_texts(texts);
  std::u32string chars = own.chars();
  for (char32_t c = 0xC0; static_cast<int>(chars.size()) + 1 < labels && c < 0x3FF; ++c)
    if (!own.contains(c)) chars.push_back(c);
  return Alphabet(chars);
}

Matrix synthetic_posteriors(const std::vector<int>& labels, int K, int min_frames, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<int> frame_label;
  for (size_t i = 0; i < labels.size(); ++i) {
    int run = 1 + static_cast<int>(rng() % 3);
    for (int r = 0; r < run; ++r) frame_label.push_back(labels[i]);
    int gap = (i + 1 < labels.size() && labels[i + 1] == labels[i]) ? 1 : static_cast<int>(rng() % 2);
    for (int g = 0; g < gap; ++g) frame_label.push_back(0);
  }
  int total = std::max<int>(min_frames, static_cast<int>(frame_label.size()));
  int pad = total - static_cast<int>(frame_label.size());
  std::vector<int> fl(pad / 2, 0);
  fl.insert(fl.end(), frame_label.begin(), frame_label.end());
  fl.resize(total, 0);
  Matrix m(K, total);
  for (int t = 0; t < total; ++t) {
    int peak = fl[t];
    double p = peak == 0 ? 0.95 + 0.0499 * u(rng) : 0.3 + 0.65 * u(rng);
    int runner = 1 + static_cast<int>(rng() % (K - 1));
    double rest = 1 - p;
    std::vector<double> col(K, rest * 0.2 / (K - 2));
    col[runner] += rest * 0.8;
    if (peak != 0) col[0] += rest * 0.3, col[runner] -= rest * 0.3;
    col[peak] = p;
    double s = 0;
    for (double v : col) s += v;
    for (int k = 0; k < K; ++k) m(k, t) = static_cast<Scalar>(std::log(col[k] / s));
  }
  return m;
}

SyntheticLines synthetic_lines(const std::vector<std::string>& texts, const Alphabet& alphabet, int frames,
                               int max_lines, uint32_t seed) {
  std::mt19937 rng(seed);
  SyntheticLines out;
  const size_t max_chars = static_cast<size_t>(std::max(0, frames)) * 2 / 5;
  for (const auto& t : texts) {
    if (static_cast<int>(out.log_probs.size()) >= max_lines) break;
    std::u32string u = utf8_decode(t);
    if (u.size() > max_chars) u.resize(max_chars);
    while (!u.empty() && u.back() == U' ') u.pop_back();
    if (u.empty()) continue;
    out.truths.push_back(u);
    out.log_probs.push_back(synthetic_posteriors(alphabet.encode(utf8_encode(u)), alphabet.size(), frames, rng));
  }
  return out;
}

}  // namespace ocr
