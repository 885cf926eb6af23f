// Image decoders and encoders on the format libraries themselves (libpng, libjpeg, libtiff,
// libwebp) and small readers for BMP and PNM. OpenCV's imgcodecs would pull in ~120 shared
// libraries (GDAL, OpenEXR, DICOM, ...) that cost every `ocr` process 60 ms and 50 MB at start.
// Decoders return what the file holds: 1 (grey), 2 (grey + alpha), 3 (BGR) or 4 (BGRA)
// channels, 8- or 16-bit; to_8bit() in image_io.h makes a page of it. They throw FormatError
// naming `name` on corrupt or truncated data, never crash on it, and check the size the data
// itself gives against `limits` before allocating pixels (a header the probe read differently,
// e.g. a TIFF tag given twice, cannot slip past the caps).
#pragma once
#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "ocr/image/image_io.h"

namespace ocr {

cv::Mat decode_png(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits = {});
// Applies the EXIF orientation, which phone photos rely on.
cv::Mat decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits = {});
// Page `page` (0-based) of a TIFF, any compression and photometric the library reads.
cv::Mat decode_tiff(const std::vector<uint8_t>& bytes, int page, const std::string& name,
                    const ImageLimits& limits = {});
cv::Mat decode_webp(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits = {});
// Uncompressed BMP (1/4/8-bit palette, 16/24/32-bit, top-down or bottom-up).
cv::Mat decode_bmp(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits = {});
// PBM/PGM/PPM (plain and binary), PAM.
cv::Mat decode_pnm(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits = {});

// The tokens of a PNM header (whitespace-separated, # comments skipped), for the probe and the
// decoder alike. Starts after the two-byte magic number.
class PnmTokens {
 public:
  PnmTokens(const std::vector<uint8_t>& bytes, const std::string& name) : b_(bytes), name_(name) {}
  std::string next();        // "" at the end of the data
  int64_t number();          // next token as a non-negative number; FormatError otherwise
  size_t offset() const { return off_; }  // just past the last token
  void skip(size_t n) { off_ += n; }

 private:
  const std::vector<uint8_t>& b_;
  const std::string& name_;
  size_t off_ = 2;
};

// 8-bit grey or BGR → PNG bytes (synthetic lines are written with it).
std::vector<uint8_t> encode_png(const cv::Mat& image);
// 8-bit grey or BGR → JPEG bytes at quality 1..100 (the generator's compression artefacts, PDF
// pages of JPEG inputs).
std::vector<uint8_t> encode_jpeg(const cv::Mat& image, int quality);

// Convenience for tools and training data: the first page of a file as 8-bit grey.
cv::Mat read_gray(const std::string& path);

}  // namespace ocr
