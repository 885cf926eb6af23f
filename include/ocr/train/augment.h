// Random perturbations of a labelled line image for training on a user's own lines: the crop,
// width, tilt, blur, contrast and noise of real scans vary more than a few hundred lines show,
// and a model fine-tuned on them without this memorises their pixels.
#pragma once
#include <opencv2/core.hpp>

#include "ocr/core/rng.h"

namespace ocr {

// gray: 8-bit, dark text on light paper. Returns a new image; the text (and so its label) is
// unchanged: margins are cropped only outside the ink.
cv::Mat augment_line(const cv::Mat& gray, Rng& rng);

}  // namespace ocr
