#include "ocr/pipeline/reading_consensus.h"

#include <algorithm>
#include <string>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"
#include "ocr/eval/metrics.h"

namespace ocr {

namespace {

// Each reading's text as code points and its weight.
struct Weighed {
  std::vector<std::u32string> texts;
  std::vector<double> weight;
};

Weighed weigh(const std::vector<RecognizedLine>& readings, const ConsensusOptions& options) {
  Weighed w;
  for (const RecognizedLine& r : readings) {
    w.texts.push_back(utf8_decode(r.text));
    w.weight.push_back(w.texts.back().empty() ? options.empty_reading_weight : double(r.confidence));
  }
  return w;
}

// Edits between every two readings.
std::vector<std::vector<double>> pairwise_edits(const std::vector<std::u32string>& texts) {
  std::vector<std::vector<double>> edits(texts.size(), std::vector<double>(texts.size(), 0.0));
  for (size_t i = 0; i < texts.size(); ++i)
    for (size_t j = i + 1; j < texts.size(); ++j) edits[i][j] = edits[j][i] = double(edit_distance(texts[i], texts[j]));
  return edits;
}

std::vector<double> risks(const Weighed& w, const std::vector<std::vector<double>>& edits) {
  std::vector<double> risk(w.texts.size(), 0.0);
  for (size_t i = 0; i < risk.size(); ++i)
    for (size_t j = 0; j < risk.size(); ++j) risk[i] += w.weight[j] * edits[i][j];
  return risk;
}

}  // namespace

std::vector<double> consensus_risks(const std::vector<RecognizedLine>& readings, const ConsensusOptions& options) {
  const Weighed w = weigh(readings, options);
  return risks(w, pairwise_edits(w.texts));
}

ConsensusChoice consensus_choice(const std::vector<RecognizedLine>& readings, const ConsensusOptions& options) {
  if (readings.empty()) throw Error("consensus_choice: no readings to choose from");
  const Weighed w = weigh(readings, options);
  const std::vector<std::vector<double>> edits = pairwise_edits(w.texts);
  const std::vector<double> risk = risks(w, edits);
  ConsensusChoice choice;
  for (size_t i = 1; i < risk.size(); ++i)
    if (risk[i] < risk[choice.index]) choice.index = i;
  double weight = 0, disagreement = 0;
  for (size_t j = 0; j < readings.size(); ++j) {
    if (j == choice.index) continue;
    const double longer = double(std::max(w.texts[j].size(), w.texts[choice.index].size()));
    weight += w.weight[j];
    disagreement += w.weight[j] * (longer > 0 ? edits[choice.index][j] / longer : 0.0);
  }
  if (weight > 0) choice.agreement = 1.0 - disagreement / weight;
  return choice;
}

void apply_agreement(RecognizedLine& reading, double agreement) {
  const float a = float(std::clamp(agreement, 0.0, 1.0));
  for (RecognizedChar& c : reading.chars) c.confidence *= a;
  reading.confidence *= a;
  if (agreement < kNoConsensusAgreement && !reading.text.empty()) mark_implausible(reading);
}

}  // namespace ocr
