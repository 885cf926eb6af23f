// A page layout from detected lines: the lines of each block in reading order (order_lines), and
// for each line the image the recognizer reads, cut straight along its centreline (cut_line) and
// cleaned by the line-mode front end (analyze_layout in line mode), which paints the slices of
// neighbouring lines that a loose cut holds as paper.
#pragma once
#include <opencv2/core.hpp>
#include <vector>

#include "ocr/detect/line_finder.h"
#include "ocr/segment/layout.h"

namespace ocr {

struct DetectedPage {
  PageLayout layout;            // one paragraph per block; a line's crop.x is where its cut begins
  std::vector<cv::Mat> lines;   // the recognizer's input, in the layout's reading order
};

// gray: the working page the lines were detected on (CV_8UC1, dark on light). panels: regions
// read as units of their own (the light-on-dark panels the preprocessing turned, a sidebar or a
// menu bar): their lines are ordered among themselves, and the panel takes its place in the
// page's order as one piece, so a sidebar's words are not read into the body's rows.
DetectedPage layout_detected_lines(const cv::Mat& gray, const std::vector<DetectedLine>& lines,
                                   const std::vector<cv::Rect>& panels = {});

// The main line of a line image (a crop cut by another tool, a form field's box, a PAGE
// outline): among the detected lines, the long one near the middle whose core the image does
// not cut, joined with the pieces that continue it along its slope (a price beyond a wide gap).
// image: the crop's own area in the lines' coordinates (inside any margin added around it).
// Indices into lines, left to right; empty without lines.
std::vector<int> main_line_pieces(const std::vector<DetectedLine>& lines, const cv::Rect& image);

// A line image read through the detector: its main line (main_line_pieces) cut straight along
// its centreline, so a slanted or curved line in a loose crop comes out level and the lines
// around it are left out, then cleaned like a page's lines. One line in mode Line; no lines when
// nothing was detected. content: the crop's own area in gray when a margin was added around it
// (empty: all of gray).
DetectedPage layout_detected_line_image(const cv::Mat& gray, const std::vector<DetectedLine>& lines,
                                        const cv::Rect& content = {});

// The reading order of layout_detected_lines: blocks of indices into lines.
std::vector<std::vector<int>> order_detected_lines(const std::vector<DetectedLine>& lines,
                                                   const std::vector<cv::Rect>& panels);

}  // namespace ocr
