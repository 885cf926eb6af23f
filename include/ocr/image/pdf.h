// PDF pages as images, for ImageFile: poppler (its C++ binding, kept inside src/image) opens and
// renders the document one page at a time; each page's size at its resolution is checked against
// the limits before it is rendered.
#pragma once
#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "ocr/image/image_io.h"

namespace ocr {

constexpr double kPdfDefaultDpi = 300;  // pages that are not one scanned image

class PdfFile {
 public:
  // Opens the document from its bytes (kept). Throws FormatError naming `name`: damaged beyond
  // repair, encrypted with a password, cut short (no %%EOF at the end), or without pages.
  PdfFile(std::vector<uint8_t> bytes, const std::string& name);
  ~PdfFile();
  PdfFile(const PdfFile&) = delete;
  PdfFile& operator=(const PdfFile&) = delete;

  int pages() const;
  // True when poppler finds text on page i (0-based): a born-digital or already OCRed page.
  bool has_text(int i) const;
  // The resolution page i renders at: `dpi` if > 0, else that of the one image the page draws
  // when it is a scan (an image with the page's proportions), else kPdfDefaultDpi.
  double render_dpi(int i, double dpi) const;
  // Pixel size of page i at `dpi` (its crop box, turned by its /Rotate), without rendering.
  cv::Size render_size(int i, double dpi) const;
  // Renders page i at `dpi`: grey when the page has no colour, else BGR. Checks the size against
  // `limits` first. Throws FormatError naming the file and page.
  cv::Mat render(int i, double dpi, const ImageLimits& limits) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The pixel size of the only XObject each page draws when it is an image, in page order, from
// our own scan of the file's objects (poppler's C++ binding shows no images): {0, 0} for a page
// that draws none, several, a form, or that the scan cannot reach. Empty when the page tree is
// not found (damaged file, encrypted object streams); it never throws.
std::vector<cv::Size> pdf_page_image_sizes(const std::vector<uint8_t>& bytes);

}  // namespace ocr
