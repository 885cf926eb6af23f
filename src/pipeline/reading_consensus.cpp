#include "ocr/pipeline/reading_consensus.h"

#include <string>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"
#include "ocr/eval/metrics.h"

namespace ocr {

std::vector<double> consensus_risks(const std::vector<RecognizedLine>& readings, const ConsensusOptions& options) {
  std::vector<std::u32string> texts;
  std::vector<double> weight;
  for (const RecognizedLine& r : readings) {
    texts.push_back(utf8_decode(r.text));
    weight.push_back(texts.back().empty() ? options.empty_reading_weight : double(r.confidence));
  }
  std::vector<double> risk(readings.size(), 0.0);
  for (size_t i = 0; i < texts.size(); ++i)
    for (size_t j = i + 1; j < texts.size(); ++j) {
      const double edits = double(edit_distance(texts[i], texts[j]));
      risk[i] += weight[j] * edits;
      risk[j] += weight[i] * edits;
    }
  return risk;
}

size_t consensus_choice(const std::vector<RecognizedLine>& readings, const ConsensusOptions& options) {
  if (readings.empty()) throw Error("consensus_choice: no readings to choose from");
  const std::vector<double> risk = consensus_risks(readings, options);
  size_t best = 0;
  for (size_t i = 1; i < risk.size(); ++i)
    if (risk[i] < risk[best]) best = i;
  return best;
}

}  // namespace ocr
