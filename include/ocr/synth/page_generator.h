// Synthetic whole pages for the learned text-line detector (issue 14): articles, forms, tables,
// receipts, letters and screenshots rendered clean with exact line labels, then damaged like the
// capture they imitate (page_capture.h). Each text line's "core" is its x-height band, from the
// baseline up by the x-height, from the left edge of its first glyph's ink to the right edge of
// its last glyph's ink; pictures, rulings, boxes, scribbles, barcodes and logos have no core.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "ocr/synth/line_generator.h"

namespace ocr::synth {

struct PageLine {
  std::string text;                    // UTF-8 text of the line
  std::vector<cv::Point2f> baseline;   // left to right, page pixels, after every geometric change
  std::vector<cv::Point2f> polygon;    // outline from ascender to descender, page pixels, clockwise
  float x_height = 0;                  // px on the page
  float clean_ink = -1;                // share of the outline that is ink as rendered (capture_page)
};

struct SyntheticPage {
  cv::Mat image;   // CV_8UC1 grey page as the scanner or camera gives it
  cv::Mat core;    // CV_8UC1, same size as image: 255 inside every text line's core, 0 elsewhere
  std::vector<PageLine> lines;
  std::string kind;  // "article", "form", "table", "receipt", "letter", "screenshot"; "+photo"
                     // appended for phone photos, "+fax" for fax/low-dpi
};

struct PageGeneratorConfig {
  // Fonts, corpus, alphabet, split and seed as for lines; its profile weights are not used.
  GeneratorConfig lines;
  // Kind name -> relative weight; empty = defaults (article 0.3, form 0.2, table 0.1,
  // receipt 0.15, letter 0.1, screenshot 0.15). Unknown names or no positive weight throw
  // FormatError.
  std::map<std::string, double> kind_weights;
  // Kind name -> (capture name -> relative weight), captures being clean, scan, fax, photo,
  // screen. A kind missing here uses its default mix (screenshot: screen; others mostly scan).
  std::map<std::string, std::map<std::string, double>> capture_weights;
};

// The page kinds, in a fixed order: article, form, table, receipt, letter, screenshot.
const std::vector<std::string>& page_kind_names();
// Parses "name=weight,name=weight" (as given to --kinds); throws FormatError naming `what`.
std::map<std::string, double> parse_weights(const std::string& spec, const std::string& what);

class PageGenerator {
 public:
  // Loads fonts, alphabet and corpus once; throws as LineGenerator does, FormatError on bad
  // weights.
  explicit PageGenerator(const PageGeneratorConfig& config);
  ~PageGenerator();
  PageGenerator(const PageGenerator&) = delete;
  PageGenerator& operator=(const PageGenerator&) = delete;

  // The next page: a deterministic sequence for a given seed and configuration.
  SyntheticPage next();
  // The next page of one kind (by name), ignoring the kind weights; capture as configured.
  SyntheticPage next(const std::string& kind);
  // A clean page of one kind, before any capture damage. `non_text` (optional) receives a
  // CV_8UC1 mask, 255 where a picture, ruling, box, scribble, barcode, logo or panel edge was
  // drawn: the core must never cover it.
  SyntheticPage render_clean(const std::string& kind, cv::Mat* non_text = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes a page's labels as PAGE XML (2019 schema): one TextRegion per line holding its
// TextLine with Coords (the polygon), Baseline and TextEquiv. Throws IoError naming the path.
void write_page_xml(const SyntheticPage& page, const std::string& image_file,
                    const std::string& path);

}  // namespace ocr::synth
