// What PdfFile (pdf.h) asks of poppler, behind the plugin libocr_pdf_poppler.so
// (src/plugins/pdf_poppler.cpp): poppler and the libraries it pulls in (NSS, lcms, OpenJPEG,
// fontconfig) are loaded only when a PDF is read. Nothing here throws across the plugin's edge:
// failures are returned, and PdfFile turns them into errors naming the file. Callers hold one
// lock around every call (poppler does not promise thread safety).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ocr {

class PdfDocumentBackend {
 public:
  virtual ~PdfDocumentBackend() = default;
  virtual int pages() const = 0;
  virtual bool locked() const = 0;
  // Each returns false when page i cannot be read.
  virtual bool has_text(int i, bool* text) const = 0;
  virtual bool media_box(int i, double* width_pt, double* height_pt) const = 0;
  // The crop box, and whether the page's /Rotate turns it a quarter.
  virtual bool crop_box(int i, double* width_pt, double* height_pt, bool* quarter_turned) const = 0;
  // Page i at dpi as BGR rows of `stride` bytes; false (and nothing written) when it cannot be drawn.
  virtual bool render_bgr(int i, double dpi, std::vector<uint8_t>* pixels, int* width, int* height,
                          int* stride) const = 0;
};

class PdfBackend {
 public:
  virtual ~PdfBackend() = default;
  // The document in bytes (which must outlive it), or null when poppler cannot read it.
  virtual std::unique_ptr<PdfDocumentBackend> open(const uint8_t* bytes, int size) = 0;
  // Poppler's complaints since the last clear (at most 100 kept), oldest first.
  virtual void clear_messages() = 0;
  virtual std::vector<std::string> messages() const = 0;
};

// The plugin's backend (loaded on the first call). Throws Error when the plugin is missing.
PdfBackend& pdf_backend();

}  // namespace ocr
