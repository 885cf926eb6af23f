// Image operations of the degradation recipe (../shared/SYNTH.md): ink spread to a target stroke
// width, print defects, paper shading, optics, sensor noise, JPEG, thermal and dot-matrix print.
// Images are CV_32FC1; an ink map holds 0 (paper) .. 1 (full ink). Randomness comes from the
// caller's generator only, so results are reproducible.
#pragma once
#include <opencv2/core.hpp>

#include "ocr/core/rng.h"

namespace ocr::synth {

// Smooth zero-mean noise, roughly unit variance, with the given correlation length in pixels.
cv::Mat smooth_noise(cv::Size size, double corr, Rng& rng);

// Elastic distortion of an 8-bit coverage map: every pixel moves by a smooth random field of
// σ `amplitude` px and correlation length `corr` px, so no two copies of a letter are alike (a
// pen's strokes bend and swell; a font's glyphs repeat exactly). Same size, same type.
cv::Mat elastic_distort(const cv::Mat& coverage, double amplitude, double corr, Rng& rng);

// Thresholds a blurred ink map at the level whose result has stroke width (2·area/perimeter)
// closest to target_width px, with a soft edge of `soft` (0 = binary). Returns the ink map.
cv::Mat threshold_to_stroke(const cv::Mat& blurred, double target_width, double soft);

// JPEG round trip of an 8-bit image at quality q.
cv::Mat jpeg(const cv::Mat& gray8, int quality);

// Dot-matrix print: the ink map sampled on a grid of `pitch` px, each ink cell drawn as a dot.
cv::Mat dot_matrix(const cv::Mat& ink, double pitch, Rng& rng);

// Gaussian blur that accepts sigma <= 0 (no-op).
void blur(cv::Mat& img, double sigma);

}  // namespace ocr::synth
