// Generated data sets on disk (`ocr synth`): line pairs and labelled pages written to a folder,
// and the statistics of a folder of real line images to compare them with.
#pragma once
#include <string>
#include <vector>

#include "ocr/synth/line_generator.h"
#include "ocr/synth/line_stats.h"
#include "ocr/synth/page_generator.h"

namespace ocr::synth {

// The file stem of item i (1-based) of count: zero-padded to six digits, or more for larger sets,
// so the names sort in order.
std::string item_stem(long i, long count);

// Writes count lines of gen as DIR/STEM.png + DIR/STEM.gt.txt (the text and a line break),
// creating dir. Each file appears whole (written aside, then renamed). Throws IoError.
void write_line_set(LineGenerator& gen, const std::string& dir, long count);

// Writes count pages of gen as DIR/STEM.png (the page), DIR/STEM.core.png (the detector's target)
// and DIR/STEM.xml (PAGE labels), creating dir. Throws IoError.
void write_page_set(PageGenerator& gen, const std::string& dir, long count);

// The measurable line images (.png, .jpg, .tif) directly in dir, in name order; images with too
// little ink are left out. Throws IoError when dir is not a folder, or an image cannot be read.
std::vector<LineStats> measure_line_folder(const std::string& dir);

}  // namespace ocr::synth
