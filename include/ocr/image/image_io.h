// Reads page images from files or stdin, PDF pages included (rendered with poppler). The size is
// read from the file header (a PDF page's from its box and resolution) and checked against a limit
// BEFORE any pixel is decoded or rendered, so a forged or huge header cannot exhaust memory.
#pragma once
#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <utility>
#include <vector>

namespace ocr {

struct ImageLimits {
  int64_t max_width = 30000;
  int64_t max_height = 30000;
  int64_t max_pixels = 400'000'000;
  int64_t max_pages = 100'000;
};

// Which pages of a file are read (PDFs and multi-page TIFFs) and how PDF pages become images.
struct PageOptions {
  std::string pages;       // "3-7", "1,3,5-6", "4-" (1-based); empty: every page
  double dpi = 0;          // PDF render resolution; 0: the page's scanned image's own, else 300
  bool skip_text = false;  // leave out PDF pages that already carry text
};

// Parses a page selection ("1,3,5-6", "4-" to the end) into 1-based [first, last] ranges.
// Throws Error saying what is wrong.
std::vector<std::pair<int, int>> parse_page_ranges(const std::string& spec);

// What the header says, without decoding pixels.
struct ImageInfo {
  std::string format;             // "png", "jpeg", "tiff", "bmp", "pnm", "webp", "pdf"
  int64_t width = 0, height = 0;  // of the largest page (a PDF's: as rendered)
  int pages = 1;                  // in the file
  double dpi = 0;  // 0 when the file does not say
  bool has_alpha = false;
  std::string defect;  // set when the data is visibly cut short (checked after the size limit)
};

// One decoded page: 8-bit grey (CV_8UC1) or colour (CV_8UC3, BGR); 16-bit is scaled down and
// alpha is composited on white.
struct PageImage {
  cv::Mat image;
  std::string source;  // the path as given ("-" for stdin)
  int page_index = 0;  // 0-based page of a multi-page file
  double dpi = 0;      // from the file header (a PDF page's: as rendered), 0 if unknown
};

class PdfFile;

// Reads a whole file ("-" = stdin). Throws IoError naming the file.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// Identifies the format and reads the size. Throws FormatError (naming `name`) for an unknown
// format or a header that is truncated or inconsistent.
ImageInfo probe_image(const std::vector<uint8_t>& bytes, const std::string& name);

// Throws FormatError if the header's size exceeds the limits.
void check_limits(const ImageInfo& info, const ImageLimits& limits, const std::string& name);

// An opened image file whose header has been probed and checked; pages are decoded one at a
// time so a long multi-page TIFF or PDF never sits in memory at once.
class ImageFile {
 public:
  // Reads, probes, selects pages and checks limits. Throws IoError/FormatError naming the file
  // (also when `options.pages` selects none of its pages). With skip_text, every page may be
  // left out: pages() is then 0.
  static ImageFile open(const std::string& path, const ImageLimits& limits = {},
                        const PageOptions& options = {});
  static ImageFile from_bytes(std::vector<uint8_t> bytes, const std::string& name,
                              const ImageLimits& limits = {}, const PageOptions& options = {});
  const ImageInfo& info() const { return info_; }
  // The pages selected to read.
  int pages() const { return static_cast<int>(selected_.size()); }
  // Decodes (renders) the i-th selected page; its page_index is its place in the file.
  // Throws FormatError on corrupt or truncated data.
  PageImage page(int i) const;

 private:
  std::string name_;
  std::vector<uint8_t> bytes_;
  std::shared_ptr<const PdfFile> pdf_;  // a PDF's pages come from poppler instead
  ImageInfo info_;
  ImageLimits limits_;  // each page is checked again as decoded
  double pdf_dpi_ = 0;  // PageOptions::dpi
  std::vector<int> selected_;  // 0-based pages of the file, in order
};

// All pages of a file; convenient for tests and small inputs.
std::vector<PageImage> load_image(const std::string& path, const ImageLimits& limits = {});

// True if the file name has an image extension we read (case-insensitive).
bool has_image_extension(const std::string& path);

// 8-bit grey or BGR from any decoder's result (16-bit, float, alpha composited on white paper,
// or on black where the opaque part is light lettering on a clear ground).
cv::Mat to_8bit(const cv::Mat& decoded);

}  // namespace ocr
