// Text lines from the detector's line-core map. The detector marks each text line's core, its
// x-height band (baseline up to the x-height, first glyph's ink to the last one's), at 1/4 of the
// working image's resolution. A connected component of the thresholded map is a line, as in
// DBNet's and CRAFT's post-processing, but instead of DBNet's "unclip" by area/perimeter the
// line's full height is derived from the core's thickness, which is its x-height. Real maps also
// need: cores of neighbouring lines touching in a few columns (split where the component is far
// thicker than its median), a line broken along its length by a weak stretch (collinear pieces
// of one thickness rejoined), specks (dropped by size and mean probability), tilted and curved
// lines (the centreline follows them, as kraken's baselines do).
//
// Lines are taken as near-horizontal (within about 30 degrees): the page is deskewed and turned
// upright before detection, and the core is measured column by column.
#pragma once
#include <opencv2/core.hpp>
#include <vector>

namespace ocr {

struct DetectedLine {
  // Centre of the core (x-height band), page px, left to right; the first and last points lie on
  // the core's left and right ends.
  std::vector<cv::Point2f> centerline;
  double x_height = 0;  // core thickness, page px
  // Overall slope in radians, image axes (y down): positive when the line descends to the right
  // (turned clockwise on screen), atan of the fitted dy/dx.
  double angle = 0;
  float score = 0;  // mean core probability over the line's map pixels
  cv::Rect box;     // ascenders to descenders, page px, clipped to the page
};

struct LineFinderOptions {
  float threshold = 0.5f;  // probability at and above which a map pixel is core
  // Page px per map px. Map pixel (i, j) covers page pixels [i·scale, (i+1)·scale) in x (same in y).
  double scale = 4.0;
  cv::Size page_size;  // boxes and centrelines are clipped to it; empty: map size × scale

  int min_area = 3;             // map px; smaller components are specks
  float min_score = 0.6f;       // mean core probability below which a line is dropped (DBNet's box_thresh)
  double min_x_height = 1.0;    // map px; thinner cores are not text (a ruling's faint response)
  // Map px; a thicker core is a blob (a picture taken for text), not a line: with the body text
  // at 2.5 map px this allows headings eight times its size.
  double max_x_height = 20.0;
  double min_length = 0.6;      // in x-heights along the line; shorter pieces are specks
  // A column whose core run is this many times the component's median thickness is where two
  // lines touch: it is cut there.
  double split_thickness = 1.7;
  // Pieces on one centreline (offset under max_join_offset x-heights) with a gap under
  // max_join_gap x-heights and thickness within max_join_thickness_ratio are one line.
  double max_join_gap = 1.5;
  double max_join_offset = 0.4;
  double max_join_thickness_ratio = 1.4;
  // The box reaches this many x-heights above the core's top (ascenders, capitals) and below its
  // bottom (descenders).
  double ascender = 1.0;
  double descender = 0.6;
};

// core_prob: CV_32FC1 in 0..1 at map resolution. Lines come out top to bottom, then left to right
// (for reading order use order_lines). Throws ShapeError on another type.
std::vector<DetectedLine> find_lines(const cv::Mat& core_prob, const LineFinderOptions& opt = {});

// Lines top to bottom (by their boxes' tops, then left to right), the order find_lines returns.
void sort_top_to_bottom(std::vector<DetectedLine>& lines);

// A straightened crop of the line: gray (CV_8UC1, the page the line was found on) sampled along
// the centreline and its normals, so tilted and curved lines come out straight and horizontal at
// the page's scale (one output column per page px of arc length). The crop reaches `above`
// x-heights above the core's centre and `below` x-heights under it (the defaults hold ascenders
// at 1.0 and descenders at 1.0 with a margin), and `side` x-heights beyond each end. Samples
// outside the page are paper (the median grey of the line's box), never black.
cv::Mat cut_line(const cv::Mat& gray, const DetectedLine& line, double above = 1.5, double below = 1.1,
                 double side = 0.5);

}  // namespace ocr
