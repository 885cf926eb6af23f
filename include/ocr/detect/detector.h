// The learned text-line detector at run time: a fully convolutional network (a detector .ocrm,
// spec ending in Om1) maps a working page, scaled so its text has the x-height the model was
// trained at, to a line-core probability map; find_lines turns the map into lines.
//
// Training (src/train/detector_trainer.cpp) feeds the network through the same two functions
// below (detector_scale, make_detector_input), so a model sees the pixels it was fitted to.
#pragma once
#include <memory>
#include <opencv2/core.hpp>
#include <vector>

#include "ocr/detect/line_finder.h"
#include "ocr/nn/activations.h"

namespace ocr {

class Model;

// What a detector model stores beside its weights (ModelMetadata::extra, "detector.*").
struct DetectorSettings {
  double text_height = 10;  // x-height, px, the page is scaled to before the network
  float threshold = 0.5f;   // core probability of a line pixel
  float min_score = 0.6f;   // mean core probability of a kept line
};

DetectorSettings detector_settings(const Model& model);
void store_detector_settings(Model& model, const DetectorSettings& settings);

// Factor a page whose text is `page_text_height` px high (PreprocessedPage::text_height) is
// scaled by for the detector; a missing estimate (0) leaves the page as it is. Clamped so a
// wrong estimate cannot blow a page up or shrink it to nothing.
double detector_scale(double page_text_height, double model_text_height);

// Pages (CV_8UC1, dark text on light paper, all the same height) → 1-channel network input, ink
// 1 and paper 0, padded to the widest.
Activations make_detector_input(const std::vector<cv::Mat>& pages);

// The median x-height of the lines; 0 without lines.
double lines_text_height(const std::vector<DetectedLine>& lines);

// Core probability map n of a network output (sigmoid of channel 0), CV_32FC1, height × widths[n].
cv::Mat core_probability(const Activations& logits, int n);

class TextLineDetector {
 public:
  // Throws Error when the model is not a detector.
  explicit TextLineDetector(std::shared_ptr<const Model> model);
  ~TextLineDetector();

  struct CoreMap {
    cv::Mat prob;           // CV_32FC1
    double page_px = 4;     // working-page px per map px
  };
  // The core map of a working page (CV_8UC1, dark on light) whose x-height is page_text_height.
  // The page is read in overlapping horizontal strips, so memory does not grow with its height.
  CoreMap core_map(const cv::Mat& gray, double page_text_height) const;
  struct Detection {
    std::vector<DetectedLine> lines;  // page coordinates, top to bottom
    CoreMap map;                      // the map they were found on
    double text_height = 0;           // the page x-height the map was read for
  };
  // The page is read at the scale page_text_height gives (else at half that scale, when that
  // finds nothing), then, when the lines' own x-height says that scale was off by more than
  // 30 %, again at the scale they give; lines of the first reading that were at their own scale
  // there and that the second has nothing on (print of another size) are kept.
  Detection run(const cv::Mat& gray, double page_text_height) const;
  // run(...).lines (order_lines gives the reading order).
  std::vector<DetectedLine> detect(const cv::Mat& gray, double page_text_height) const {
    return run(gray, page_text_height).lines;
  }

  const DetectorSettings& settings() const { return settings_; }
  const Model& model() const { return *model_; }

 private:
  std::shared_ptr<const Model> model_;
  DetectorSettings settings_;
};

}  // namespace ocr
