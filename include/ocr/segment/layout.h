// Page layout analysis on a clean working image (dark text on light paper): finds text blocks and
// their lines in reading order, skipping pictures and rules. Columns are separated by recursive
// X-Y cuts on the text components' boxes; lines by row profiles inside each block.
#pragma once
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace ocr {

// Like Tesseract's --psm 3 (page), 6 (block), 7 (line); Auto picks page or line from the image.
enum class LayoutMode { Auto, Page, Block, Line };
// Accepts auto|page|block|line and the psm numbers 3, 6, 7. Throws FormatError otherwise.
LayoutMode parse_layout(const std::string& s);
const char* layout_name(LayoutMode m);

struct TextLineRegion {
  cv::Rect box;      // tight box of the line's ink, working-image pixels
  cv::Rect crop;     // box plus a small margin, clipped to the image: what the recognizer reads
  int baseline = 0;  // y of the baseline in working pixels
};

struct TextParagraphRegion {
  cv::Rect box;
  std::vector<TextLineRegion> lines;
};

struct TextBlockRegion {
  cv::Rect box;
  std::vector<TextParagraphRegion> paragraphs;
};

struct PageLayout {
  LayoutMode mode = LayoutMode::Page;  // the mode actually used (Auto resolved)
  double text_height = 0;               // median component height, working pixels
  std::vector<TextBlockRegion> blocks;  // reading order
  std::vector<cv::Rect> pictures;       // skipped non-text regions
  std::vector<cv::Rect> rules;          // skipped horizontal / vertical rules and frames

  // For extract_line_images: component labels of the working image and, per label, the index of
  // the line that owns it (lines numbered in reading order), -1 if none, -2 picture or rule.
  cv::Mat labels;
  std::vector<int> label_owner;
  int line_count() const;
};

struct LayoutOptions {
  LayoutMode mode = LayoutMode::Auto;
  double margin = 0.2;  // crop margin, in units of the text height
  // Panels that were light-on-dark (PreprocessedPage::panels): page mode keeps each one a region
  // of its own, so a sidebar's words are not read as the start of the body lines beside them.
  std::vector<cv::Rect> panels = {};
};

PageLayout analyze_layout(const cv::Mat& gray, const LayoutOptions& options = {});

// The recognizer's input for one line: the crop with ink of other lines and pictures painted
// out. Needs the same gray image the layout was computed on.
std::vector<cv::Mat> extract_line_images(const cv::Mat& gray, const PageLayout& layout);

}  // namespace ocr
