#include "ocr/pipeline/hypothesis_voting.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace ocr {

namespace {

constexpr double kPositionWeight = 0.1;  // per mean character width of distance
constexpr double kPositionCap = 0.4;     // below one edit: position only breaks ties

double center(const RecognizedChar& c) { return 0.5 * (c.x0 + c.x1); }
bool has_extent(const RecognizedChar& c) { return c.x1 > c.x0; }

}  // namespace

std::vector<size_t> alignment_order(const std::vector<RecognizedLine>& readings) {
  std::vector<size_t> order(readings.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const bool ea = readings[a].chars.empty(), eb = readings[b].chars.empty();
    if (ea != eb) return eb;
    return readings[a].confidence > readings[b].confidence;
  });
  return order;
}

std::vector<AlignedSlot> align_readings(const std::vector<RecognizedLine>& readings) {
  const size_t n = readings.size();
  std::vector<AlignedSlot> slots;
  double width_sum = 0;
  size_t width_count = 0;
  for (const auto& r : readings)
    for (const auto& c : r.chars)
      if (has_extent(c)) {
        width_sum += c.x1 - c.x0;
        ++width_count;
      }
  const double char_width = width_count ? width_sum / double(width_count) : 0;

  std::vector<size_t> aligned;  // readings in the network so far
  for (size_t ri : alignment_order(readings)) {
    const auto& chars = readings[ri].chars;
    const size_t m = chars.size(), k = slots.size();
    if (aligned.empty()) {
      for (size_t i = 0; i < m; ++i) {
        AlignedSlot s;
        s.chars.assign(n, -1);
        s.chars[ri] = int(i);
        slots.push_back(std::move(s));
      }
      aligned.push_back(ri);
      continue;
    }
    const double members = double(aligned.size());
    // Per slot: the share of gaps, and the mean centre of its characters that have extents.
    std::vector<double> gap_cost(k), slot_center(k, 0);
    std::vector<bool> slot_has_center(k, false);
    for (size_t j = 0; j < k; ++j) {
      size_t gaps = 0, centers = 0;
      double sum = 0;
      for (size_t a : aligned) {
        const int ci = slots[j].chars[a];
        if (ci < 0) {
          ++gaps;
        } else if (has_extent(readings[a].chars[size_t(ci)])) {
          sum += center(readings[a].chars[size_t(ci)]);
          ++centers;
        }
      }
      gap_cost[j] = 1.0 - double(gaps) / members;
      if (centers) {
        slot_center[j] = sum / double(centers);
        slot_has_center[j] = true;
      }
    }
    auto sub_cost = [&](size_t i, size_t j) {
      size_t same = 0;
      for (size_t a : aligned) {
        const int ci = slots[j].chars[a];
        if (ci >= 0 && readings[a].chars[size_t(ci)].text == chars[i].text) ++same;
      }
      double cost = 1.0 - double(same) / members;
      if (char_width > 0 && slot_has_center[j] && has_extent(chars[i]))
        cost += std::min(kPositionCap, kPositionWeight * std::abs(center(chars[i]) - slot_center[j]) / char_width);
      return cost;
    };

    // Edit distance of the reading's characters (rows) against the slots (columns).
    enum Step : unsigned char { kMatch, kSkipSlot, kNewSlot };
    const size_t cols = k + 1;
    std::vector<double> cost((m + 1) * cols);
    std::vector<unsigned char> step((m + 1) * cols, kMatch);
    cost[0] = 0;
    for (size_t j = 1; j <= k; ++j) {
      cost[j] = cost[j - 1] + gap_cost[j - 1];
      step[j] = kSkipSlot;
    }
    for (size_t i = 1; i <= m; ++i) {
      cost[i * cols] = cost[(i - 1) * cols] + 1.0;
      step[i * cols] = kNewSlot;
      for (size_t j = 1; j <= k; ++j) {
        double best = cost[(i - 1) * cols + j - 1] + sub_cost(i - 1, j - 1);
        unsigned char how = kMatch;
        const double skip = cost[i * cols + j - 1] + gap_cost[j - 1];
        if (skip < best) best = skip, how = kSkipSlot;
        const double open = cost[(i - 1) * cols + j] + 1.0;
        if (open < best) best = open, how = kNewSlot;
        cost[i * cols + j] = best;
        step[i * cols + j] = how;
      }
    }
    std::vector<AlignedSlot> merged;
    merged.reserve(k + m);
    size_t i = m, j = k;
    while (i > 0 || j > 0) {
      const unsigned char how = step[i * cols + j];
      if (how == kMatch) {
        AlignedSlot s = std::move(slots[j - 1]);
        s.chars[ri] = int(i - 1);
        merged.push_back(std::move(s));
        --i, --j;
      } else if (how == kSkipSlot) {
        merged.push_back(std::move(slots[j - 1]));
        --j;
      } else {
        AlignedSlot s;
        s.chars.assign(n, -1);
        s.chars[ri] = int(i - 1);
        merged.push_back(std::move(s));
        --i;
      }
    }
    std::reverse(merged.begin(), merged.end());
    slots = std::move(merged);
    aligned.push_back(ri);
  }
  return slots;
}

RecognizedLine vote_readings(const std::vector<RecognizedLine>& readings, const VotingOptions& options) {
  RecognizedLine out;
  out.confidence = 1.0f;
  if (readings.empty()) return out;
  if (readings.size() == 1) return readings.front();
  const size_t n = readings.size();
  const std::vector<AlignedSlot> slots = align_readings(readings);
  const std::vector<size_t> order = alignment_order(readings);
  const size_t k = slots.size();

  // What each reading votes in each slot: its character's confidence, or for a gap its line
  // confidence (the mean of its characters').
  std::vector<std::vector<float>> vote(n, std::vector<float>(k, 0.f));
  for (size_t r = 0; r < n; ++r) {
    const auto& chars = readings[r].chars;
    const float gap = chars.empty() ? options.empty_gap_confidence : readings[r].confidence;
    for (size_t j = 0; j < k; ++j) {
      const int ci = slots[j].chars[r];
      vote[r][j] = ci >= 0 ? chars[size_t(ci)].confidence : gap;
    }
  }

  struct Candidate {
    const std::string* text;  // null: a gap
    double score;
  };
  double conf_sum = 0;
  for (size_t j = 0; j < k; ++j) {
    std::vector<Candidate> candidates;
    auto text_of = [&](size_t r) -> const std::string* {
      const int ci = slots[j].chars[r];
      return ci < 0 ? nullptr : &readings[r].chars[size_t(ci)].text;
    };
    auto same = [](const std::string* a, const std::string* b) { return a == b || (a && b && *a == *b); };
    for (size_t r : order) {
      const std::string* t = text_of(r);
      auto it = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) { return same(c.text, t); });
      if (it == candidates.end()) {
        candidates.push_back({t, vote[r][j]});
      } else {
        it->score += vote[r][j];
      }
    }
    size_t win = 0;
    for (size_t c = 1; c < candidates.size(); ++c)
      if (candidates[c].score > candidates[win].score) win = c;
    const std::string* winner = candidates[win].text;
    if (!winner) continue;

    double prob = 0;
    const RecognizedChar* extent = nullptr;
    for (size_t r : order) {
      const float v = std::clamp(vote[r][j], 0.f, 1.f);
      if (same(text_of(r), winner)) {
        prob += v;
        const RecognizedChar& c = readings[r].chars[size_t(slots[j].chars[r])];
        if (!extent || c.confidence > extent->confidence) extent = &c;
      } else {
        prob += 1.0 - v;
      }
    }
    RecognizedChar c = *extent;
    c.confidence = float(prob / double(n));
    conf_sum += c.confidence;
    out.text += c.text;
    out.chars.push_back(std::move(c));
  }
  out.confidence = out.chars.empty() ? 1.0f : float(conf_sum / double(out.chars.size()));
  return out;
}

}  // namespace ocr
