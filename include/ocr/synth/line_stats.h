// Measurements that compare synthetic line images with real ones (ocr synth --stats), and the
// stroke-width measure the generator's ink-spread step aims at. Both sides use these functions, so
// the generator is tuned against exactly what the check reports.
#pragma once
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace ocr::synth {

// Boundary length of the ink (mask != 0) in pixels: 4-neighbour ink/background edges times π/4,
// which is unbiased for curves at random orientations.
double ink_perimeter(const cv::Mat& mask);

struct LineStats {
  double height = 0;        // image rows
  double x_height = 0;      // rows of the densest band of the horizontal ink profile
  double stroke_width = 0;  // 2 · ink area / ink perimeter
  double stroke_ratio = 0;  // stroke_width / x_height
  double roughness = 0;     // perimeter / perimeter after smoothing the ink at σ = x_height/20
  double density = 0;       // ink pixels / area of the ink's bounding box
};

// Binarizes a CV_8UC1 dark-on-light line (Otsu) and measures it. Returns false (stats untouched)
// when the image has too little ink to measure.
bool measure_line(const cv::Mat& gray, LineStats* out);

// p10 / median / p90 of each statistic over a set, as a printable table row set.
struct StatsSummary {
  size_t count = 0;
  std::vector<std::string> names;            // statistic names
  std::vector<std::vector<double>> columns;  // columns[k] = values of statistic k
  // q in [0,1] of statistic k.
  double quantile(size_t k, double q) const;
};
StatsSummary summarize(const std::vector<LineStats>& stats);

}  // namespace ocr::synth
