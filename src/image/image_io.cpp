#include "ocr/image/image_io.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <set>

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/image/codecs.h"
#include "ocr/core/log.h"
#include "ocr/image/pdf.h"

namespace ocr {

namespace {

// Byte readers that never read past the end: a short header is a FormatError, not a crash.
class Reader {
 public:
  Reader(const std::vector<uint8_t>& b, const std::string& name, bool big_endian = true)
      : b_(b), name_(name), be_(big_endian) {}
  void need(size_t off, size_t n) const {
    if (off > b_.size() || n > b_.size() - off)
      throw FormatError(name_ + ": truncated image header");
  }
  uint8_t u8(size_t off) const { need(off, 1); return b_[off]; }
  uint32_t u16(size_t off) const {
    need(off, 2);
    return be_ ? (b_[off] << 8 | b_[off + 1]) : (b_[off + 1] << 8 | b_[off]);
  }
  uint32_t u32(size_t off) const {
    need(off, 4);
    uint32_t a = b_[off], b = b_[off + 1], c = b_[off + 2], d = b_[off + 3];
    return be_ ? (a << 24 | b << 16 | c << 8 | d) : (d << 24 | c << 16 | b << 8 | a);
  }
  uint32_t u24le(size_t off) const {
    need(off, 3);
    return b_[off] | b_[off + 1] << 8 | b_[off + 2] << 16;
  }
  size_t size() const { return b_.size(); }
  bool starts(size_t off, const char* s) const {
    size_t n = std::strlen(s);
    return off + n <= b_.size() && std::memcmp(b_.data() + off, s, n) == 0;
  }

 private:
  const std::vector<uint8_t>& b_;
  const std::string& name_;
  bool be_;
};

bool starts_with(const std::vector<uint8_t>& b, const char* s, size_t n) {
  return b.size() >= n && std::memcmp(b.data(), s, n) == 0;
}

ImageInfo probe_png(const std::vector<uint8_t>& b, const std::string& name) {
  Reader r(b, name, true);
  ImageInfo info;
  info.format = "png";
  if (!r.starts(12, "IHDR")) throw FormatError(name + ": PNG without IHDR header");
  info.width = r.u32(16);
  info.height = r.u32(20);
  int colour = r.u8(25);
  info.has_alpha = colour == 4 || colour == 6;
  // Walk the chunks up to the image data for pHYs (resolution) and tRNS (transparency).
  size_t off = 8;
  while (off + 8 <= b.size()) {
    uint32_t len = r.u32(off);
    if (r.starts(off + 4, "IDAT")) break;
    if (r.starts(off + 4, "tRNS")) info.has_alpha = true;
    if (r.starts(off + 4, "pHYs") && len >= 9 && r.u8(off + 16) == 1)
      info.dpi = r.u32(off + 8) * 0.0254;
    off += 12 + static_cast<size_t>(len);
  }
  // A PNG ends with an IEND chunk; without it the file was cut short.
  bool has_iend = false;
  for (size_t i = b.size() >= 64 ? b.size() - 64 : 0; i + 4 <= b.size(); ++i)
    if (std::memcmp(b.data() + i, "IEND", 4) == 0) has_iend = true;
  if (!has_iend) info.defect = name + ": truncated PNG (no IEND chunk)";
  return info;
}

ImageInfo probe_jpeg(const std::vector<uint8_t>& b, const std::string& name) {
  Reader r(b, name, true);
  ImageInfo info;
  info.format = "jpeg";
  size_t off = 2;
  bool found = false;
  while (!found) {
    // Markers may be padded with extra 0xFF bytes.
    if (r.u8(off) != 0xFF) throw FormatError(name + ": corrupt JPEG header (bad marker)");
    while (r.u8(off) == 0xFF) ++off;
    int m = r.u8(off);
    ++off;
    if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) continue;
    if (m == 0xD9 || m == 0xDA) throw FormatError(name + ": JPEG without a frame header");
    uint32_t len = r.u16(off);
    if (len < 2) throw FormatError(name + ": corrupt JPEG header (segment length)");
    if (m == 0xE0 && r.starts(off + 2, "JFIF")) {
      int units = r.u8(off + 9);
      double dens = r.u16(off + 10);
      if (units == 1) info.dpi = dens;
      if (units == 2) info.dpi = dens * 2.54;
    }
    bool sof = (m >= 0xC0 && m <= 0xCF) && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      info.height = r.u16(off + 3);
      info.width = r.u16(off + 5);
      found = true;
    }
    off += len;
  }
  // A complete JPEG ends with EOI (FF D9), possibly followed by padding.
  bool has_eoi = false;
  size_t from = b.size() >= 4096 ? b.size() - 4096 : 0;
  for (size_t i = b.size(); i-- > from + 1;)
    if (b[i - 1] == 0xFF && b[i] == 0xD9) { has_eoi = true; break; }
  if (!has_eoi) info.defect = name + ": truncated JPEG (no end-of-image marker)";
  return info;
}

ImageInfo probe_tiff(const std::vector<uint8_t>& b, const std::string& name) {
  bool be = b[0] == 'M';
  Reader r(b, name, be);
  ImageInfo info;
  info.format = "tiff";
  info.pages = 0;
  if (r.u16(2) == 43) throw FormatError(name + ": BigTIFF is not supported");
  uint32_t ifd = r.u32(4);
  std::set<uint32_t> seen;
  auto value = [&](size_t entry) -> uint32_t {
    uint32_t type = r.u16(entry + 2);
    return type == 3 ? r.u16(entry + 8) : r.u32(entry + 8);
  };
  while (ifd != 0) {
    if (!seen.insert(ifd).second) throw FormatError(name + ": corrupt TIFF (IFD loop)");
    if (seen.size() > 100000) throw FormatError(name + ": corrupt TIFF (too many pages)");
    uint32_t n = r.u16(ifd);
    int64_t w = -1, h = -1;
    int unit = 2;
    double xres = 0;
    for (uint32_t i = 0; i < n; ++i) {
      size_t e = ifd + 2 + 12 * static_cast<size_t>(i);
      uint32_t tag = r.u16(e);
      // A tag given twice counts with its largest value: libtiff reads the first, so the probe
      // must not be fooled by a small second one.
      if (tag == 256) w = std::max<int64_t>(w, value(e));
      if (tag == 257) h = std::max<int64_t>(h, value(e));
      if (tag == 338) info.has_alpha = true;
      if (tag == 296) unit = value(e);
      if (tag == 282) {
        uint32_t p = r.u32(e + 8);
        uint32_t num = r.u32(p), den = r.u32(p + 4);
        if (den) xres = double(num) / den;
      }
    }
    if (w < 0 || h < 0) throw FormatError(name + ": corrupt TIFF (page without a size)");
    info.width = std::max(info.width, w);
    info.height = std::max(info.height, h);
    if (info.pages == 0 && xres > 0) info.dpi = unit == 3 ? xres * 2.54 : xres;
    ++info.pages;
    ifd = r.u32(ifd + 2 + 12 * static_cast<size_t>(n));
  }
  if (info.pages == 0) throw FormatError(name + ": TIFF without pages");
  return info;
}

ImageInfo probe_bmp(const std::vector<uint8_t>& b, const std::string& name) {
  Reader r(b, name, false);
  ImageInfo info;
  info.format = "bmp";
  uint32_t hdr = r.u32(14);
  if (hdr == 12) {
    info.width = r.u16(18);
    info.height = r.u16(20);
  } else {
    info.width = static_cast<int32_t>(r.u32(18));
    info.height = std::llabs(static_cast<int32_t>(r.u32(22)));
    if (info.width <= 0) throw FormatError(name + ": corrupt BMP header (width)");
    if (hdr >= 40) {
      info.has_alpha = r.u16(28) == 32;
      info.dpi = r.u32(38) * 0.0254;
    }
  }
  // OpenCV reports a short BMP on stderr by itself; catch it here with a proper message.
  uint32_t declared = r.u32(2);
  if (declared > 54 && b.size() < declared) info.defect = name + ": truncated BMP";
  return info;
}

ImageInfo probe_pnm(const std::vector<uint8_t>& b, const std::string& name) {
  ImageInfo info;
  info.format = "pnm";
  PnmTokens tokens(b, name);
  if (b[1] == '7') {  // PAM: key/value lines up to ENDHDR
    info.width = info.height = -1;
    int64_t depth = 1;
    for (int i = 0; i < 64; ++i) {
      std::string k = tokens.next();
      if (k.empty() || k == "ENDHDR") break;
      if (k == "WIDTH") info.width = tokens.number();
      if (k == "HEIGHT") info.height = tokens.number();
      if (k == "DEPTH" && (depth = tokens.number()) > 4) throw FormatError(name + ": corrupt PAM header (DEPTH " + std::to_string(depth) + ", at most 4)");
      if (k == "TUPLTYPE" && tokens.next().find("ALPHA") != std::string::npos) info.has_alpha = true;
    }
    if (info.width < 0 || info.height < 0) throw FormatError(name + ": corrupt PAM header");
  } else {
    info.width = tokens.number();
    info.height = tokens.number();
    // Binary PNM: exactly one whitespace after the header, then fixed-size rows.
    char kind = static_cast<char>(b[1]);
    if (kind == '4' || kind == '5' || kind == '6') {
      int64_t maxval = kind == '4' ? 1 : tokens.number();
      int64_t bytes_per = maxval > 255 ? 2 : 1;
      int64_t row = kind == '4' ? (info.width + 7) / 8
                                : info.width * bytes_per * (kind == '6' ? 3 : 1);
      if (info.width > 0 && info.height > 0 && info.width < (1 << 24) && info.height < (1 << 24) &&
          static_cast<int64_t>(b.size()) < static_cast<int64_t>(tokens.offset()) + 1 + row * info.height)
        info.defect = name + ": truncated PNM";
    }
  }
  return info;
}

ImageInfo probe_webp(const std::vector<uint8_t>& b, const std::string& name) {
  Reader r(b, name, false);
  ImageInfo info;
  info.format = "webp";
  if (r.starts(12, "VP8X")) {
    info.has_alpha = r.u8(20) & 0x10;
    info.width = r.u24le(24) + 1;
    info.height = r.u24le(27) + 1;
  } else if (r.starts(12, "VP8L")) {
    if (r.u8(20) != 0x2f) throw FormatError(name + ": corrupt WebP (lossless signature)");
    uint32_t v = r.u32(21);
    info.width = (v & 0x3fff) + 1;
    info.height = ((v >> 14) & 0x3fff) + 1;
    info.has_alpha = (v >> 28) & 1;
  } else if (r.starts(12, "VP8 ")) {
    if (r.u8(23) != 0x9d || r.u8(24) != 0x01 || r.u8(25) != 0x2a)
      throw FormatError(name + ": corrupt WebP (lossy start code)");
    info.width = r.u16(26) & 0x3fff;
    info.height = r.u16(28) & 0x3fff;
  } else {
    throw FormatError(name + ": unsupported WebP chunk layout");
  }
  uint32_t riff = r.u32(4);
  if (static_cast<uint64_t>(riff) + 8 > b.size()) info.defect = name + ": truncated WebP";
  return info;
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  if (path == "-") {
    std::vector<uint8_t> out((std::istreambuf_iterator<char>(std::cin)),
                             std::istreambuf_iterator<char>());
    if (std::cin.bad()) throw IoError("<stdin>: read error");
    return out;
  }
  return read_file_data(path);
}

namespace {

// PDF readers take the header anywhere in the first kilobyte.
bool is_pdf(const std::vector<uint8_t>& b) {
  const char* sig = "%PDF-";
  auto end = b.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(b.size(), 1024));
  return std::search(b.begin(), end, sig, sig + 5) != end;
}

// The 0-based pages of an n-page file that `options` selects, in file order.
std::vector<int> select_pages(int n, const PageOptions& options, const std::string& name) {
  std::vector<int> out;
  if (options.pages.empty()) {
    for (int i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  std::vector<bool> on(static_cast<size_t>(n), false);
  for (auto [first, last] : parse_page_ranges(options.pages))
    for (int p = first; p <= std::min(last, n); ++p) on[size_t(p - 1)] = true;
  for (int i = 0; i < n; ++i)
    if (on[size_t(i)]) out.push_back(i);
  if (out.empty())
    throw FormatError(name + ": --pages " + options.pages + " selects none of its " + std::to_string(n) +
                      (n == 1 ? " page" : " pages"));
  return out;
}

void check_size_limits(const ImageInfo& info, const ImageLimits& limits, const std::string& name,
                       const std::string& see = "--max-pixels");

// A PDF's size is that of its largest selected page as rendered, its dpi the first one's. With
// `limits`, each page is checked, named with its resolution (a page too large at 300 dpi may
// fit at a lower --dpi).
ImageInfo pdf_info(const PdfFile& pdf, const std::vector<int>& selected, double dpi, const std::string& name,
                   const ImageLimits* limits = nullptr) {
  ImageInfo info;
  info.format = "pdf";
  info.pages = pdf.pages();
  for (int i : selected) {
    const double d = pdf.render_dpi(i, dpi);
    const cv::Size s = pdf.render_size(i, d);
    if (limits) {
      ImageInfo page;
      page.width = s.width, page.height = s.height;
      char res[32];
      std::snprintf(res, sizeof res, "%.0f", d);
      check_size_limits(page, *limits, name + " page " + std::to_string(i + 1) + " at " + res + " dpi",
                        "--max-pixels and --dpi");
    }
    info.width = std::max<int64_t>(info.width, s.width);
    info.height = std::max<int64_t>(info.height, s.height);
    if (info.dpi == 0) info.dpi = d;
  }
  return info;
}

ImageInfo probe_header(const std::vector<uint8_t>& b, const std::string& name) {
  if (b.empty()) throw FormatError(name + ": empty file");
  ImageInfo info;
  if (is_pdf(b)) {
    PdfFile pdf(b, name);
    std::vector<int> all;
    for (int i = 0; i < pdf.pages(); ++i) all.push_back(i);
    info = pdf_info(pdf, all, 0, name);
  } else if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) {
    info = probe_png(b, name);
  } else if (starts_with(b, "\xff\xd8\xff", 3)) {
    info = probe_jpeg(b, name);
  } else if (starts_with(b, "II*\0", 4) || starts_with(b, "MM\0*", 4) ||
             starts_with(b, "II+\0", 4) || starts_with(b, "MM\0+", 4)) {
    info = probe_tiff(b, name);
  } else if (starts_with(b, "BM", 2)) {
    info = probe_bmp(b, name);
  } else if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7') {
    info = probe_pnm(b, name);
  } else if (b.size() >= 12 && starts_with(b, "RIFF", 4) && std::memcmp(b.data() + 8, "WEBP", 4) == 0) {
    info = probe_webp(b, name);
  } else {
    throw FormatError(name + ": not an image (unknown format; expected PNG, JPEG, TIFF, BMP, "
                             "PNM, WebP or PDF)");
  }
  if (info.width <= 0 || info.height <= 0)
    throw FormatError(name + ": image header gives an empty size (" + std::to_string(info.width) +
                      "x" + std::to_string(info.height) + ")");
  if (info.dpi < 20 || info.dpi > 5000) info.dpi = 0;  // nonsense values are common (e.g. 1 dpi)
  return info;
}

// Everything but the page count.
void check_size_limits(const ImageInfo& info, const ImageLimits& limits, const std::string& name,
                       const std::string& see) {
  if (info.width > limits.max_width || info.height > limits.max_height ||
      info.width * info.height > limits.max_pixels) {
    throw FormatError(name + ": image too large (" + std::to_string(info.width) + "x" +
                      std::to_string(info.height) + " pixels; limit " +
                      std::to_string(limits.max_width) + "x" + std::to_string(limits.max_height) +
                      " and " + std::to_string(limits.max_pixels) + " pixels, see " + see + ")");
  }
}

void check_page_limit(int64_t pages, const ImageLimits& limits, const std::string& name) {
  if (pages > limits.max_pages)
    throw FormatError(name + ": too many pages (" + std::to_string(pages) + "; limit " +
                      std::to_string(limits.max_pages) + ", see --max-pages)");
}
}  // namespace

ImageInfo probe_image(const std::vector<uint8_t>& b, const std::string& name) {
  ImageInfo info = probe_header(b, name);
  if (!info.defect.empty()) throw FormatError(info.defect);
  return info;
}

void check_limits(const ImageInfo& info, const ImageLimits& limits, const std::string& name) {
  check_size_limits(info, limits, name);
  check_page_limit(info.pages, limits, name);
}

std::vector<std::pair<int, int>> parse_page_ranges(const std::string& spec) {
  std::vector<std::pair<int, int>> out;
  auto bad = [&](const std::string& why) { return Error("page selection '" + spec + "': " + why); };
  auto number = [&](const std::string& s) {
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw bad("'" + s + "' is not a page number");
    const int v = std::atoi(s.c_str());
    if (v < 1) throw bad("pages count from 1");
    return v;
  };
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string::npos) comma = spec.size();
    const std::string part = spec.substr(start, comma - start);
    const size_t dash = part.find('-');
    if (dash == std::string::npos) {
      const int p = number(part);
      out.emplace_back(p, p);
    } else {
      const int first = number(part.substr(0, dash));
      const std::string rest = part.substr(dash + 1);
      const int last = rest.empty() ? std::numeric_limits<int>::max() : number(rest);  // "4-": to the end
      if (last < first) throw bad("range " + part + " runs backwards");
      out.emplace_back(first, last);
    }
    start = comma + 1;
  }
  return out;
}

namespace {

// The level an 8-bit image with alpha (grey + alpha, or BGRA) is composited on: white paper,
// unless what is opaque is light on the whole (white lettering on a transparent ground, a
// dark-theme label or logo), which on white would vanish: then black.
int backdrop_for(const cv::Mat& m) {
  const int channels = m.channels();
  double light = 0, opaque = 0;
  for (int y = 0; y < m.rows; ++y) {
    const uint8_t* s = m.ptr<uint8_t>(y);
    for (int x = 0; x < m.cols; ++x, s += channels) {
      const int a = s[channels - 1];
      if (a < 128) continue;
      opaque += 1;
      light += channels == 2 ? s[0] : 0.114 * s[0] + 0.587 * s[1] + 0.299 * s[2];
    }
  }
  const double transparent = double(m.total()) - opaque;
  const bool ground_is_clear = transparent >= 0.05 * double(m.total());
  return ground_is_clear && opaque > 0 && light / opaque > 160 ? 0 : 255;
}

}  // namespace

cv::Mat to_8bit(const cv::Mat& in) {
  cv::Mat m = in;
  if (m.depth() == CV_16U) {
    m.convertTo(m, CV_8U, 1.0 / 257.0);
  } else if (m.depth() == CV_32F || m.depth() == CV_64F) {
    m.convertTo(m, CV_8U, 255.0);
  } else if (m.depth() != CV_8U) {
    m.convertTo(m, CV_8U);
  }
  if (m.channels() == 2) {  // grey + alpha
    const int paper = backdrop_for(m);
    std::vector<cv::Mat> ch;
    cv::split(m, ch);
    cv::Mat g;
    ch[0].convertTo(g, CV_32F);
    cv::Mat a;
    ch[1].convertTo(a, CV_32F, 1.0 / 255);
    cv::Mat out = g.mul(a) + (1.0 - a) * double(paper);
    out.convertTo(m, CV_8U);
  } else if (m.channels() == 4) {  // composite on paper
    const int paper = backdrop_for(m);
    cv::Mat out(m.size(), CV_8UC3);
    for (int y = 0; y < m.rows; ++y) {
      const uint8_t* s = m.ptr<uint8_t>(y);
      uint8_t* d = out.ptr<uint8_t>(y);
      for (int x = 0; x < m.cols; ++x, s += 4, d += 3) {
        int a = s[3];
        for (int c = 0; c < 3; ++c) d[c] = static_cast<uint8_t>((s[c] * a + paper * (255 - a) + 127) / 255);
      }
    }
    m = out;
  }
  return m;
}

ImageFile ImageFile::open(const std::string& path, const ImageLimits& limits, const PageOptions& options) {
  return from_bytes(read_file_bytes(path), path, limits, options);
}

ImageFile ImageFile::from_bytes(std::vector<uint8_t> bytes, const std::string& name,
                                const ImageLimits& limits, const PageOptions& options) {
  ImageFile f;
  f.name_ = name;
  f.limits_ = limits;
  if (!bytes.empty() && is_pdf(bytes)) {
    auto pdf = std::make_shared<PdfFile>(std::move(bytes), name);
    check_page_limit(pdf->pages(), limits, name);
    f.selected_ = select_pages(pdf->pages(), options, name);
    if (options.skip_text) {
      std::vector<int> keep;
      for (int i : f.selected_) {
        if (pdf->has_text(i)) log::info("{}: page {} already has text, skipped (--skip-text)", name, i + 1);
        else keep.push_back(i);
      }
      f.selected_ = std::move(keep);
    }
    // Sizes of the pages to read, before any is rendered (each is checked again as rendered).
    f.info_ = pdf_info(*pdf, f.selected_, options.dpi, name, &limits);
    f.pdf_ = std::move(pdf);
    f.pdf_dpi_ = options.dpi;
    return f;
  }
  // Size first: a forged huge header is reported as such even when the data is cut short.
  f.info_ = probe_header(bytes, name);
  check_limits(f.info_, limits, name);
  if (!f.info_.defect.empty()) throw FormatError(f.info_.defect);
  f.selected_ = select_pages(f.info_.pages, options, name);
  f.bytes_ = std::move(bytes);
  return f;
}

PageImage ImageFile::page(int k) const {
  if (k < 0 || k >= pages())
    throw FormatError(name_ + ": no page " + std::to_string(k + 1));
  const int i = selected_[size_t(k)];
  if (pdf_) {
    PageImage out;
    out.dpi = pdf_->render_dpi(i, pdf_dpi_);
    out.image = pdf_->render(i, out.dpi, limits_);
    out.source = name_;
    out.page_index = i;
    return out;
  }
  cv::Mat m;
  const std::string& f = info_.format;
  if (f == "png") m = decode_png(bytes_, name_, limits_);
  else if (f == "jpeg") m = decode_jpeg(bytes_, name_, limits_);
  else if (f == "tiff") m = decode_tiff(bytes_, i, name_, limits_);
  else if (f == "webp") m = decode_webp(bytes_, name_, limits_);
  else if (f == "bmp") m = decode_bmp(bytes_, name_, limits_);
  else if (f == "pnm") m = decode_pnm(bytes_, name_, limits_);
  if (m.empty())
    throw FormatError(name_ + ": corrupt or truncated " + f + " data" +
                      (info_.pages > 1 ? " (page " + std::to_string(i + 1) + ")" : ""));
  PageImage out;
  out.image = to_8bit(m);
  out.source = name_;
  out.page_index = i;
  out.dpi = info_.dpi;
  return out;
}

std::vector<PageImage> load_image(const std::string& path, const ImageLimits& limits) {
  ImageFile f = ImageFile::open(path, limits);
  std::vector<PageImage> out;
  for (int i = 0; i < f.pages(); ++i) out.push_back(f.page(i));
  return out;
}

bool has_image_extension(const std::string& path) {
  auto dot = path.find_last_of('.');
  auto slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return false;
  std::string ext = path.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::set<std::string> known = {"png", "jpg", "jpeg", "jpe", "tif", "tiff", "bmp",
                                              "dib", "pbm", "pgm", "ppm", "pnm", "pam", "webp",
                                              "pdf"};
  return known.count(ext) > 0;
}

}  // namespace ocr
