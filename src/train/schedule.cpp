#include "ocr/train/schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ocr {

double scheduled_learning_rate(double base, double decay_fraction, int64_t it, int warmup, double progress) {
  double lr = base;
  if (it < warmup) lr *= double(it + 1) / warmup;
  const double decay_start = 1 - decay_fraction;
  if (decay_fraction > 0 && progress >= decay_start) {
    const double p = (progress - decay_start) / decay_fraction;
    const double floor = base / 50;
    lr = floor + (base - floor) * 0.5 * (1 + std::cos(M_PI * std::min(1.0, p)));
  }
  return lr;
}

std::string checkpoint_path(const std::string& out, int64_t iteration, double error, const std::string& metric) {
  std::string stem = out;
  const size_t slash = stem.find_last_of('/');
  const size_t dot = stem.rfind('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) stem.resize(dot);
  char tail[96];
  if (error < 0) std::snprintf(tail, sizeof tail, ".it%06lld.ocrm", (long long)iteration);
  else std::snprintf(tail, sizeof tail, ".it%06lld.%s%.3f.ocrm", (long long)iteration, metric.c_str(), 100 * error);
  return stem + tail;
}

void keep_checkpoint(std::deque<std::string>& kept, const std::string& path, int keep) {
  kept.push_back(path);
  while (int(kept.size()) > keep) {
    std::remove(kept.front().c_str());
    kept.pop_front();
  }
}

}  // namespace ocr
