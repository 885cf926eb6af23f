// Reads page images from files or stdin. The size is read from the file header and checked
// against a limit BEFORE any pixel is decoded, so a forged or huge header cannot exhaust memory.
#pragma once
#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace ocr {

struct ImageLimits {
  int64_t max_width = 30000;
  int64_t max_height = 30000;
  int64_t max_pixels = 400'000'000;
};

// What the header says, without decoding pixels.
struct ImageInfo {
  std::string format;             // "png", "jpeg", "tiff", "bmp", "pnm", "webp"
  int64_t width = 0, height = 0;  // of the largest page
  int pages = 1;
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
  double dpi = 0;      // from the file header, 0 if unknown
};

// Reads a whole file ("-" = stdin). Throws IoError naming the file.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// Identifies the format and reads the size. Throws FormatError (naming `name`) for an unknown
// format or a header that is truncated or inconsistent.
ImageInfo probe_image(const std::vector<uint8_t>& bytes, const std::string& name);

// Throws FormatError if the header's size exceeds the limits.
void check_limits(const ImageInfo& info, const ImageLimits& limits, const std::string& name);

// An opened image file whose header has been probed and checked; pages are decoded one at a
// time so a long multi-page TIFF never sits in memory at once.
class ImageFile {
 public:
  // Reads, probes and checks limits. Throws IoError/FormatError naming the file.
  static ImageFile open(const std::string& path, const ImageLimits& limits = {});
  static ImageFile from_bytes(std::vector<uint8_t> bytes, const std::string& name,
                              const ImageLimits& limits = {});
  const ImageInfo& info() const { return info_; }
  int pages() const { return info_.pages; }
  // Decodes page i (0-based). Throws FormatError on corrupt or truncated data.
  PageImage page(int i) const;

 private:
  std::string name_;
  std::vector<uint8_t> bytes_;
  ImageInfo info_;
  ImageLimits limits_;  // each page is checked again as decoded
};

// All pages of a file; convenient for tests and small inputs.
std::vector<PageImage> load_image(const std::string& path, const ImageLimits& limits = {});

// True if the file name has an image extension we read (case-insensitive).
bool has_image_extension(const std::string& path);

// 8-bit grey or BGR from any decoder's result (16-bit, float, alpha composited on white).
cv::Mat to_8bit(const cv::Mat& decoded);

}  // namespace ocr
