// A cheap look at what kind of image a page (or a line image) is, so `--engines auto` can read it
// with the model trained for such images: a clean scan, a fax, a receipt, a phone photo or a
// screenshot. It reads a few statistics of the input as decoded and what preprocessing measured
// (text height, resolution, a document found on a background); no network runs.
#pragma once
#include <opencv2/core.hpp>
#include <string>

#include "ocr/preprocess/preprocess.h"

namespace ocr {

enum class Scene { Scan, Fax, Receipt, Photo, Screen };

// "scan", "fax", "receipt", "photo", "screen".
const char* scene_name(Scene scene);

// What the classifier looks at (left as they are, nothing measured: a plain scan). Levels are
// 0..255 grey; fractions are of the pixels looked at (a large page is sampled in row bands, so
// the cost stays at a few milliseconds).
struct SceneStats {
  double colour = 0;       // pixels whose channels differ by more than 32 levels (0 for grey input)
  double top_level = 0;    // pixels at the most frequent level (screens: flat fills)
  int fill = 255;          // that level (of the negative, for light text on a dark fill)
  double two_levels = 0;   // pixels at the two most frequent levels (bitonal: faxes, binary scans)
  double near_two = 1;     // pixels within 24 levels of the darkest or the brightest 1 % (bitonal after JPEG or scaling)
  double paper = 255;      // the paper's level (the 90th percentile)
  double ink = 0;          // the ink's level (the 1st percentile)
  double noise = 0;        // mean deviation of paper pixels from their row neighbours' mean (grain, sensor noise)
  double shading = 0;      // range of the paper level over a coarse grid, over the contrast (uneven light)
  double text_px = 0;      // text height in input pixels (preprocessing's, 0 if unknown)
  double aspect = 0;       // height over width of the page, or of the document found in a photo
  bool document = false;   // a document was found on a darker background (find_document)
  bool line_image = false; // the image is a line or two high, not a page
  int rows = 0;            // the image's height
};

// A page's colours kept beside its grey copy for the scene's colour count: every stride-th pixel
// of every stride-th row, stride 1 (the image itself) up to kColourSamplePixels and more above
// (a 12 MP photo's colours are 37 MB; 2 MP of them, 6 MB, count the same fraction of colourful
// pixels but for sampling: the count is a fraction, and the scene's bands sample rows anyway).
inline constexpr double kColourSamplePixels = 2e6;
struct ColourSample {
  cv::Mat bgr;      // CV_8UC3; empty: a grey page
  int stride = 1;
};
ColourSample sample_colours(const cv::Mat& image);

// The statistics of `image` (CV_8UC1 or CV_8UC3 BGR, as decoded) and its preprocessed page. With
// `colours` (for a grey copy of a colour page), the colour fraction is counted on them.
SceneStats measure_scene(const cv::Mat& image, const PreprocessedPage& pre, const ColourSample* colours = nullptr);

// The scene those statistics describe (see scene.cpp for each rule and why).
Scene classify_scene(const SceneStats& stats);

inline Scene classify_scene(const cv::Mat& image, const PreprocessedPage& pre, const ColourSample* colours = nullptr) {
  return classify_scene(measure_scene(image, pre, colours));
}

}  // namespace ocr
