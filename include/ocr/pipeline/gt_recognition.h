// `ocr eval` without --pred: what `ocr recognize` reads in each ground-truth line image, scored
// against the line's truth.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "ocr/eval/dataset.h"
#include "ocr/eval/metrics.h"
#include "ocr/pipeline/page_recognizer.h"

namespace ocr {

struct GtRecognitionOptions {
  // Each image straight to the line reader (grey): no page preprocessing or layout, what training
  // validation sees.
  bool raw = false;
  int threads = 1;  // pages prepared at once (PageRecognizer::recognize_pages)
  // Lines read per group: memory stays bounded on large sets while the reader still gets batches
  // to sort by width and spread over the threads.
  size_t chunk = 64;
};

// Reads the pairs' images (GtImageReader) a chunk at a time, reads each chunk with pages, as
// pages of a batch run (raw: with its line reader, one call per chunk), and adds each line's text
// to acc against the pair's truth, named pair.name(), in the pairs' order. An image that cannot
// be read, or a page that fails, goes into problems (and the log) and its line is left out.
// Returns the lines added.
size_t recognize_gt_pairs(const PageRecognizer& pages, const std::vector<GtPair>& pairs,
                          const GtRecognitionOptions& options, EvalAccumulator& acc,
                          std::vector<std::string>& problems);

}  // namespace ocr
