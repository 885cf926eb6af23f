// Reading order of detected lines: recursive X-Y cut on the lines' core bands. A vertical gap
// that no line crosses separates columns when both sides hold several lines and they are not
// rows of a form or table (a label and its value, an item and its price on one baseline); article
// columns whose rows happen to align are still columns when both sides are blocks of full lines
// over 20 x-heights wide (narrower aligned columns are read as rows). Otherwise the widest
// horizontal gap is cut. A part with no column split anywhere in it
// (a single column, a form, a table, a receipt) is one block read row by row, each row left to
// right.
#pragma once
#include <vector>

#include "ocr/detect/line_finder.h"

namespace ocr {

// Blocks in reading order, each the indices into `lines` of its lines in reading order. Every
// index appears exactly once. groups (empty, or one per line: -1 none, else a region's id) keeps
// the lines of a region together: a region alone on one side of a gap is a column of its own.
std::vector<std::vector<int>> order_lines(const std::vector<DetectedLine>& lines,
                                          const std::vector<int>& groups = {});

}  // namespace ocr
