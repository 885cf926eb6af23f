// Evaluating existing predictions, and the CER / WER report `ocr eval` prints.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "ocr/eval/dataset.h"
#include "ocr/eval/metrics.h"

namespace ocr {

// --pred mode: compares each pair's ground truth with its prediction in pred_dir (see
// find_prediction). A missing or unreadable prediction is described in *problems and the line
// skipped (an empty prediction is a valid, all-deleted reading). Returns the lines added to acc.
size_t evaluate_predictions(const std::vector<GtPair>& pairs, const std::string& pred_dir,
                            EvalAccumulator& acc, std::vector<std::string>* problems);

struct ReportOptions {
  size_t worst = 10;       // lines listed, worst first
  size_t confusions = 20;  // confusion table rows, most frequent first
};

// Human-readable report: normalisation, line counts, CER, WER, worst lines, confusions.
std::string format_report(const EvalAccumulator& acc, size_t skipped, const ReportOptions& options);
// The same as one JSON object (rates as fractions), plus the problems met.
std::string format_report_json(const EvalAccumulator& acc, const std::vector<std::string>& problems,
                               const ReportOptions& options);

}  // namespace ocr
