// What recognition produces for a page, in page (input image) pixel coordinates: blocks →
// paragraphs → lines → words → characters, each with a box and a confidence in [0, 1]. Writers
// convert to each format's own confidence scale.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ocr {

// Half-open pixel box: x0 <= x < x1, y0 <= y < y1 (so width = x1 - x0), origin top-left.
struct Box {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
  bool empty() const { return x1 <= x0 || y1 <= y0; }
  Box united(const Box& o) const;  // smallest box holding both (an empty box is ignored)
};

struct CharResult {
  std::string text;  // one code point, UTF-8
  Box box;
  float confidence = 0;
};

struct WordResult {
  std::string text;
  Box box;
  float confidence = 0;  // its weakest character's (a word is right if all its characters are)
  std::vector<CharResult> chars;
};

struct LineResult {
  std::string text;  // words joined by single spaces
  Box box;
  float confidence = 0;
  // Baseline as hOCR gives it: y = slope·(x − box.x0) + (box.y1 + offset), offset usually ≤ 0.
  double baseline_slope = 0;
  double baseline_offset = 0;
  double angle_degrees = 0;  // deskew angle of the page this line was read from
  std::vector<WordResult> words;
};

struct ParagraphResult {
  Box box;
  std::vector<LineResult> lines;
};

struct BlockResult {
  Box box;
  std::vector<ParagraphResult> paragraphs;
};

// The page image, for formats that embed it (PDF): kept only when such a format is asked for.
struct PageImageData {
  int width = 0, height = 0;
  int channels = 1;            // 1 grey, 3 RGB
  bool jpeg = false;           // bytes are a JPEG file (photographs, JPEG inputs) ...
  std::vector<uint8_t> bytes;  // ... else width × height × channels pixels, row-major
};

struct PageResult {
  std::string source;    // input path as given ("-" for stdin)
  int page_index = 0;    // 0-based page within the source file
  int width = 0, height = 0;
  double dpi = 0;        // 0 if unknown
  double skew_degrees = 0;
  bool inverted = false;
  int orientation = 0;   // degrees the page was turned clockwise to be read (0, 90, 180, 270)
  std::string layout;    // layout mode used: page, block or line
  // --engines auto: what the page looked like (scan, fax, receipt, photo, screen) and the model
  // files it was read with; both empty when the models were named.
  std::string scene;
  std::vector<std::string> models;
  std::vector<BlockResult> blocks;
  // Why a page with ink came out without text (empty if it has text, or has no ink): an empty
  // page is never left unexplained. Logged as a warning and written in JSON.
  std::string empty_reason;
  std::shared_ptr<const PageImageData> image;  // null unless an image-embedding format needs it

  // Lines in reading order, a blank line between blocks; the lines of one row (an item and its
  // price) on one line of text, joined by a space.
  std::string text() const;
};

// Splits recognised characters (with boxes) into words at spaces; boxes and confidences of
// words come from their characters. Spaces themselves are dropped.
std::vector<WordResult> split_words(const std::vector<CharResult>& chars);

// Recomputes line text/box/confidence from its words, paragraph and block boxes from lines.
void finalize_line(LineResult& line);
void finalize_boxes(PageResult& page);

}  // namespace ocr
