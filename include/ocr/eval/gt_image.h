// The image of a ground-truth line as training, `ocr eval` and `ocr lm` read it: the line image
// file, or for a PAGE/ALTO line the region of the page image its outline covers.
#pragma once
#include <string>

#include "ocr/eval/dataset.h"
#include "ocr/image/image_io.h"

namespace ocr {

// Keeps the last page image decoded, so the forty lines of one page (consecutive in
// find_gt_pairs' order) decode it once.
class GtImageReader {
 public:
  explicit GtImageReader(ImageLimits limits = {}) : limits_(limits) {}
  // A line image file as it is; an XML line cropped to its outline's bounding box, with the
  // pixels outside a polygon outline set to the crop's median (the paper), so neighbouring lines'
  // ascenders and descenders do not leak in. Throws Error naming pair.name().
  PageImage read(const GtPair& pair);

 private:
  ImageLimits limits_;
  std::string cached_path_;
  PageImage cached_;
};

// The crop itself (exposed for tests): region in pixels.
cv::Mat crop_line_region(const cv::Mat& page, const std::vector<std::array<double, 2>>& region);

}  // namespace ocr
