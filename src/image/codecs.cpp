#include "ocr/image/codecs.h"

#include <algorithm>
#include <cctype>
#include <csetjmp>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <opencv2/imgproc.hpp>

// Order matters: jpeglib.h needs <cstdio> first.
#include <jpeglib.h>
#include <png.h>
#include <tiffio.h>
#include <webp/decode.h>

#include "ocr/core/error.h"
#include "ocr/image/image_io.h"

namespace ocr {

namespace {

// The size the decoder is about to allocate, against the caps (the probe's view may differ).
void check_size(int64_t w, int64_t h, const ImageLimits& limits, const std::string& name) {
  ImageInfo info;
  info.width = w, info.height = h;
  check_limits(info, limits, name);
}

// ---------------------------------------------------------------------------------------- PNG

cv::Mat png_read(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()))
    throw FormatError(name + ": corrupt PNG (" + img.message + ")");
  try {
    check_size(img.width, img.height, limits, name);
  } catch (...) {
    png_image_free(&img);
    throw;
  }
  const bool colour = img.format & PNG_FORMAT_FLAG_COLOR, alpha = img.format & PNG_FORMAT_FLAG_ALPHA;
  // 16-bit samples are read as they are (the simplified API takes them as linear light and would
  // re-encode them on the way to 8 bits); to_8bit scales them. Its 16-bit alpha comes
  // premultiplied, so it is undone below.
  const bool wide = img.format & PNG_FORMAT_FLAG_LINEAR;
  img.format = (colour ? PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_BGR : 0) | (alpha ? PNG_FORMAT_FLAG_ALPHA : 0) |
               (wide ? PNG_FORMAT_FLAG_LINEAR : 0);
  const int channels = (colour ? 3 : 1) + (alpha ? 1 : 0);
  cv::Mat out(static_cast<int>(img.height), static_cast<int>(img.width),
              CV_MAKETYPE(wide ? CV_16U : CV_8U, channels));
  if (!png_image_finish_read(&img, nullptr, out.data,
                             static_cast<png_int_32>(out.step[0] / out.elemSize1()), nullptr)) {
    std::string msg = img.message;
    png_image_free(&img);
    throw FormatError(name + ": corrupt or truncated PNG data (" + msg + ")");
  }
  if (wide && alpha) {
    for (int y = 0; y < out.rows; ++y) {
      uint16_t* p = out.ptr<uint16_t>(y);
      for (int x = 0; x < out.cols; ++x, p += channels) {
        const uint32_t a = p[channels - 1];
        for (int c = 0; c + 1 < channels; ++c) p[c] = a ? static_cast<uint16_t>(std::min<uint32_t>(65535, p[c] * 65535u / a)) : 0;
      }
    }
  }
  return out;
}

// --------------------------------------------------------------------------------------- JPEG

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* e = reinterpret_cast<JpegError*>(cinfo->err);
  e->mgr.format_message(cinfo, e->message);
  std::longjmp(e->jump, 1);
}

void jpeg_quiet(j_common_ptr, int) {}  // warnings (e.g. a premature end) are caught by the probe

// A progressive JPEG may hold any number of scans, each a pass over the whole image: a real one
// has about ten, a hostile one thousands of tiny ones.
constexpr int kMaxJpegScans = 100;
void jpeg_progress(j_common_ptr cinfo) {
  if (cinfo->is_decompressor && reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > kMaxJpegScans) {
    auto* e = reinterpret_cast<JpegError*>(cinfo->err);
    std::snprintf(e->message, sizeof e->message, "more than %d scans (limit)", kMaxJpegScans);
    std::longjmp(e->jump, 1);
  }
}

// EXIF orientation (1..8) from an APP1 "Exif" marker, 1 if absent or unreadable.
int exif_orientation(jpeg_decompress_struct& cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
    if (m->marker != JPEG_APP0 + 1 || m->data_length < 14 || std::memcmp(m->data, "Exif\0\0", 6) != 0) continue;
    const uint8_t* t = m->data + 6;
    const size_t n = m->data_length - 6;
    const bool le = t[0] == 'I';
    auto u16 = [&](size_t o) -> uint32_t { return o + 2 > n ? 0 : le ? (t[o] | t[o + 1] << 8) : (t[o] << 8 | t[o + 1]); };
    auto u32 = [&](size_t o) -> uint32_t {
      return o + 4 > n ? 0 : le ? (t[o] | t[o + 1] << 8 | t[o + 2] << 16 | uint32_t(t[o + 3]) << 24)
                                : (uint32_t(t[o]) << 24 | t[o + 1] << 16 | t[o + 2] << 8 | t[o + 3]);
    };
    const size_t ifd = u32(4);
    const uint32_t entries = u16(ifd);
    for (uint32_t i = 0; i < entries && i < 512; ++i) {
      const size_t e = ifd + 2 + 12 * size_t(i);
      if (e + 12 > n) break;
      if (u16(e) == 0x0112) {
        const uint32_t v = u16(e + 8);
        return v >= 1 && v <= 8 ? int(v) : 1;
      }
    }
  }
  return 1;
}

cv::Mat apply_orientation(const cv::Mat& m, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(m, out, 1); return out;
    case 3: cv::rotate(m, out, cv::ROTATE_180); return out;
    case 4: cv::flip(m, out, 0); return out;
    case 5: cv::transpose(m, out); return out;
    case 6: cv::rotate(m, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: cv::transpose(m, out); cv::rotate(out, out, cv::ROTATE_180); return out;
    case 8: cv::rotate(m, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return m;
  }
}

cv::Mat jpeg_read(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cv::Mat raw;  // constructed before setjmp: a longjmp back here leaves it intact
  int orientation = 1;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.emit_message = jpeg_quiet;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw FormatError(name + ": corrupt JPEG data (" + err.message + ")");
  }
  jpeg_create_decompress(&cinfo);
  jpeg_progress_mgr progress{};
  progress.progress_monitor = jpeg_progress;
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&cinfo, TRUE);
  if (int64_t(cinfo.image_width) > limits.max_width || int64_t(cinfo.image_height) > limits.max_height ||
      int64_t(cinfo.image_width) * cinfo.image_height > limits.max_pixels) {
    jpeg_destroy_decompress(&cinfo);
    check_size(cinfo.image_width, cinfo.image_height, limits, name);  // throws, naming the limit
  }
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  const bool gray = cinfo.jpeg_color_space == JCS_GRAYSCALE;
  cinfo.out_color_space = gray ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_EXT_BGR;
  jpeg_start_decompress(&cinfo);
  raw.create(static_cast<int>(cinfo.output_height), static_cast<int>(cinfo.output_width),
             CV_8UC(cinfo.output_components));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = raw.ptr<uint8_t>(static_cast<int>(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  orientation = exif_orientation(cinfo);
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  cv::Mat out = raw;
  if (cmyk) {  // Adobe writes CMYK inverted: R = C·K / 255
    out.create(raw.rows, raw.cols, CV_8UC3);
    for (int y = 0; y < raw.rows; ++y) {
      const uint8_t* s = raw.ptr<uint8_t>(y);
      uint8_t* d = out.ptr<uint8_t>(y);
      for (int x = 0; x < raw.cols; ++x, s += 4, d += 3) {
        d[2] = static_cast<uint8_t>(s[0] * s[3] / 255);
        d[1] = static_cast<uint8_t>(s[1] * s[3] / 255);
        d[0] = static_cast<uint8_t>(s[2] * s[3] / 255);
      }
    }
  }
  return apply_orientation(out, orientation);
}

// --------------------------------------------------------------------------------------- TIFF

struct TiffMemory {
  const std::vector<uint8_t>* bytes;
  toff_t pos = 0;
};

tsize_t tiff_read(thandle_t h, tdata_t buf, tsize_t n) {
  auto* m = static_cast<TiffMemory*>(h);
  const toff_t size = m->bytes->size();
  if (m->pos >= size) return 0;
  const tsize_t k = static_cast<tsize_t>(std::min<toff_t>(static_cast<toff_t>(n), size - m->pos));
  std::memcpy(buf, m->bytes->data() + m->pos, static_cast<size_t>(k));
  m->pos += static_cast<toff_t>(k);
  return k;
}
tsize_t tiff_write(thandle_t, tdata_t, tsize_t) { return 0; }
toff_t tiff_seek(thandle_t h, toff_t off, int whence) {
  auto* m = static_cast<TiffMemory*>(h);
  const toff_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->bytes->size();
  m->pos = base + off;
  return m->pos;
}
int tiff_close(thandle_t) { return 0; }
toff_t tiff_size(thandle_t h) { return static_cast<TiffMemory*>(h)->bytes->size(); }
int tiff_map(thandle_t, tdata_t*, toff_t*) { return 0; }
void tiff_unmap(thandle_t, tdata_t, toff_t) {}

thread_local std::string tiff_last_error;

void tiff_error(thandle_t, const char* module, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  tiff_last_error = std::string(module ? module : "") + (module ? ": " : "") + buf;
}
void tiff_warning(thandle_t, const char*, const char*, va_list) {}

cv::Mat tiff_read_page(const std::vector<uint8_t>& bytes, int page, const std::string& name, const ImageLimits& limits) {
  static const bool handlers = [] {
    TIFFSetErrorHandler(nullptr);
    TIFFSetWarningHandler(nullptr);
    TIFFSetErrorHandlerExt(tiff_error);
    TIFFSetWarningHandlerExt(tiff_warning);
    return true;
  }();
  (void)handlers;
  tiff_last_error.clear();
  TiffMemory mem{&bytes};
  // No single allocation inside libtiff (a strip, a tile, a tag's array) beyond what the
  // biggest allowed page needs.
  struct Options {
    TIFFOpenOptions* o = TIFFOpenOptionsAlloc();
    ~Options() { TIFFOpenOptionsFree(o); }
  } opts;
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts.o, tmsize_t(std::max<int64_t>(64 << 20, limits.max_pixels * 8)));
  TIFF* t = TIFFClientOpenExt(name.c_str(), "rm", &mem, tiff_read, tiff_write, tiff_seek, tiff_close,
                              tiff_size, tiff_map, tiff_unmap, opts.o);
  if (!t) throw FormatError(name + ": corrupt TIFF (" + tiff_last_error + ")");
  struct Closer {
    TIFF* t;
    ~Closer() { TIFFClose(t); }
  } closer{t};
  if (!TIFFSetDirectory(t, static_cast<tdir_t>(page)))
    throw FormatError(name + ": corrupt TIFF (page " + std::to_string(page + 1) + ": " + tiff_last_error + ")");
  uint32_t w = 0, h = 0;
  uint16_t spp = 1, extra = 0;
  uint16_t* extra_types = nullptr;
  TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(t, TIFFTAG_EXTRASAMPLES, &extra, &extra_types);
  if (w == 0 || h == 0) throw FormatError(name + ": corrupt TIFF (page without a size)");
  check_size(w, h, limits, name + " (page " + std::to_string(page + 1) + ")");
  if (TIFFIsTiled(t)) {  // a tile is decoded whole, however small the page
    uint32_t tw = 0, th = 0;
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
    check_size(tw, th, limits, name + " (page " + std::to_string(page + 1) + " tile)");
  }
  std::vector<uint32_t> rgba(size_t(w) * h);
  if (!TIFFReadRGBAImageOriented(t, w, h, rgba.data(), ORIENTATION_TOPLEFT, 0))
    throw FormatError(name + ": corrupt or truncated TIFF data (" + tiff_last_error + ")");
  uint16_t photometric = PHOTOMETRIC_MINISBLACK;
  TIFFGetFieldDefaulted(t, TIFFTAG_PHOTOMETRIC, &photometric);
  const bool gray = spp - extra <= 1 && photometric != PHOTOMETRIC_PALETTE, alpha = extra > 0;
  const int channels = gray && !alpha ? 1 : alpha ? 4 : 3;
  cv::Mat out(static_cast<int>(h), static_cast<int>(w), CV_8UC(channels));
  for (int y = 0; y < out.rows; ++y) {
    const uint32_t* s = rgba.data() + size_t(y) * w;
    uint8_t* d = out.ptr<uint8_t>(y);
    for (uint32_t x = 0; x < w; ++x, d += channels) {
      const uint32_t p = s[x];
      if (channels == 1) {
        d[0] = static_cast<uint8_t>(TIFFGetR(p));
        continue;
      }
      d[0] = static_cast<uint8_t>(TIFFGetB(p));
      d[1] = static_cast<uint8_t>(TIFFGetG(p));
      d[2] = static_cast<uint8_t>(TIFFGetR(p));
      if (channels == 4) d[3] = static_cast<uint8_t>(TIFFGetA(p));
    }
  }
  return out;
}

// --------------------------------------------------------------------------------- BMP, PNM

class Bytes {
 public:
  Bytes(const std::vector<uint8_t>& b, const std::string& name) : b_(b), name_(name) {}
  void need(size_t off, size_t n) const {
    if (off > b_.size() || n > b_.size() - off) throw FormatError(name_ + ": truncated image data");
  }
  uint32_t u16(size_t o) const { need(o, 2); return b_[o] | b_[o + 1] << 8; }
  uint32_t u32(size_t o) const { need(o, 4); return b_[o] | b_[o + 1] << 8 | b_[o + 2] << 16 | uint32_t(b_[o + 3]) << 24; }
  const uint8_t* at(size_t o, size_t n) const { need(o, n); return b_.data() + o; }

 private:
  const std::vector<uint8_t>& b_;
  const std::string& name_;
};

// A mask's bits of a pixel, scaled to 8 bits.
uint8_t masked(uint32_t v, uint32_t mask) {
  if (!mask) return 0;
  int shift = 0;
  while (!((mask >> shift) & 1)) ++shift;
  const uint32_t max = mask >> shift;
  return static_cast<uint8_t>(((v & mask) >> shift) * 255 / max);
}

}  // namespace

cv::Mat decode_png(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits) {
  return png_read(bytes, name, limits);
}
cv::Mat decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits) {
  return jpeg_read(bytes, name, limits);
}
cv::Mat decode_tiff(const std::vector<uint8_t>& bytes, int page, const std::string& name, const ImageLimits& limits) {
  return tiff_read_page(bytes, page, name, limits);
}

cv::Mat decode_webp(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits) {
  WebPBitstreamFeatures f;
  if (WebPGetFeatures(bytes.data(), bytes.size(), &f) != VP8_STATUS_OK)
    throw FormatError(name + ": corrupt WebP header");
  check_size(f.width, f.height, limits, name);
  cv::Mat out(f.height, f.width, f.has_alpha ? CV_8UC4 : CV_8UC3);
  const size_t size = out.step[0] * size_t(out.rows);
  const uint8_t* ok = f.has_alpha ? WebPDecodeBGRAInto(bytes.data(), bytes.size(), out.data, size, int(out.step[0]))
                                  : WebPDecodeBGRInto(bytes.data(), bytes.size(), out.data, size, int(out.step[0]));
  if (!ok) throw FormatError(name + ": corrupt or truncated WebP data");
  return out;
}

cv::Mat decode_bmp(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits) {
  Bytes b(bytes, name);
  const uint32_t data_off = b.u32(10), hdr = b.u32(14);
  int64_t w, h;
  uint32_t bpp, compression = 0, colours = 0;
  if (hdr == 12) {
    w = b.u16(18);
    h = b.u16(20);
    bpp = b.u16(24);
  } else if (hdr >= 40) {
    w = static_cast<int32_t>(b.u32(18));
    h = static_cast<int32_t>(b.u32(22));
    bpp = b.u16(28);
    compression = b.u32(30);
    colours = b.u32(46);
  } else {
    throw FormatError(name + ": unsupported BMP header (" + std::to_string(hdr) + " bytes)");
  }
  const bool top_down = h < 0;
  h = std::llabs(h);
  if (w <= 0 || h <= 0) throw FormatError(name + ": corrupt BMP header (size)");
  check_size(w, h, limits, name);
  uint32_t masks[4] = {0, 0, 0, 0};  // r g b a
  if (compression == 3 || compression == 6) {
    const size_t m = hdr >= 52 ? 54 : 14 + hdr;  // in a V2+ header, else right after it
    for (int i = 0; i < (compression == 6 || hdr >= 56 ? 4 : 3); ++i) masks[i] = b.u32(m + 4 * size_t(i));
  } else if (compression != 0) {
    throw FormatError(name + ": compressed BMP (RLE or embedded JPEG/PNG) is not supported");
  } else if (bpp == 16) {
    masks[0] = 0x7C00; masks[1] = 0x03E0; masks[2] = 0x001F;
  } else if (bpp == 32) {
    masks[0] = 0xFF0000; masks[1] = 0xFF00; masks[2] = 0xFF;  // the fourth byte is padding
  }
  // Only these depths exist; another (0, 3, 7, ...) would shift by a negative amount below.
  if (bpp != 1 && bpp != 2 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
    throw FormatError(name + ": unsupported BMP depth (" + std::to_string(bpp) + " bits)");
  const size_t row_bytes = (size_t(w) * bpp + 31) / 32 * 4;
  b.need(data_off, row_bytes * size_t(h));
  std::vector<cv::Vec3b> palette;
  bool gray_palette = true;
  if (bpp <= 8) {
    const size_t n = colours ? colours : (1u << bpp), entry = hdr == 12 ? 3 : 4;
    const uint8_t* p = b.at(14 + hdr, n * entry);
    for (size_t i = 0; i < n; ++i) {
      palette.push_back({p[i * entry], p[i * entry + 1], p[i * entry + 2]});
      gray_palette = gray_palette && p[i * entry] == p[i * entry + 1] && p[i * entry + 1] == p[i * entry + 2];
    }
  } else if (bpp != 16 && bpp != 24 && bpp != 32) {
    throw FormatError(name + ": unsupported BMP depth (" + std::to_string(bpp) + " bits)");
  }
  const bool alpha = masks[3] != 0;
  const int channels = bpp <= 8 ? (gray_palette ? 1 : 3) : alpha ? 4 : 3;
  cv::Mat out(static_cast<int>(h), static_cast<int>(w), CV_8UC(channels));
  for (int64_t y = 0; y < h; ++y) {
    const uint8_t* s = b.at(data_off + row_bytes * size_t(top_down ? y : h - 1 - y), row_bytes);
    uint8_t* d = out.ptr<uint8_t>(static_cast<int>(y));
    for (int64_t x = 0; x < w; ++x, d += channels) {
      if (bpp <= 8) {
        const uint32_t bit = uint32_t(x) * bpp;
        const uint32_t idx = (s[bit / 8] >> (8 - bpp - bit % 8)) & ((1u << bpp) - 1);
        const cv::Vec3b c = idx < palette.size() ? palette[idx] : cv::Vec3b(0, 0, 0);
        for (int k = 0; k < channels; ++k) d[k] = c[k];
      } else if (bpp == 24) {
        d[0] = s[3 * x]; d[1] = s[3 * x + 1]; d[2] = s[3 * x + 2];
      } else {
        const uint32_t v = bpp == 16 ? uint32_t(s[2 * x] | s[2 * x + 1] << 8)
                                     : uint32_t(s[4 * x] | s[4 * x + 1] << 8 | s[4 * x + 2] << 16 | uint32_t(s[4 * x + 3]) << 24);
        d[0] = masked(v, masks[2]);
        d[1] = masked(v, masks[1]);
        d[2] = masked(v, masks[0]);
        if (channels == 4) d[3] = masked(v, masks[3]);
      }
    }
  }
  return out;
}

std::string PnmTokens::next() {
  std::string t;
  while (off_ < b_.size()) {
    const char c = static_cast<char>(b_[off_]);
    if (c == '#' && t.empty()) {
      while (off_ < b_.size() && b_[off_] != '\n') ++off_;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (!t.empty()) break;
      ++off_;
    } else {
      t += c;
      ++off_;
      if (t.size() > 32) break;
    }
  }
  return t;
}

int64_t PnmTokens::number() {
  const std::string t = next();
  if (t.empty() || t.size() > 18 || !std::all_of(t.begin(), t.end(), ::isdigit))
    throw FormatError(name_ + ": corrupt PNM header");
  return std::stoll(t);
}

cv::Mat decode_pnm(const std::vector<uint8_t>& bytes, const std::string& name, const ImageLimits& limits) {
  PnmTokens tokens(bytes, name);
  const char kind = static_cast<char>(bytes.at(1));
  int64_t w = 0, h = 0, depth = 1, maxval = 1;
  if (kind == '7') {
    for (int i = 0; i < 64; ++i) {
      const std::string k = tokens.next();
      if (k.empty() || k == "ENDHDR") break;
      if (k == "WIDTH") w = tokens.number();
      else if (k == "HEIGHT") h = tokens.number();
      else if (k == "DEPTH") depth = tokens.number();
      else if (k == "MAXVAL") maxval = tokens.number();
      else if (k == "TUPLTYPE") tokens.next();
    }
  } else {
    w = tokens.number();
    h = tokens.number();
    if (kind != '1' && kind != '4') maxval = tokens.number();
    depth = kind == '3' || kind == '6' ? 3 : 1;
  }
  if (w <= 0 || h <= 0 || depth < 1 || depth > 4 || maxval < 1 || maxval > 65535)
    throw FormatError(name + ": corrupt PNM header");
  check_size(w, h, limits, name);
  const bool plain = kind >= '1' && kind <= '3';
  const bool bits = kind == '1' || kind == '4';
  const int channels = depth == 3 ? 3 : depth == 4 ? 4 : depth == 2 ? 2 : 1;
  cv::Mat out(static_cast<int>(h), static_cast<int>(w), CV_8UC(channels));
  auto scale = [&](int64_t v) { return static_cast<uint8_t>(std::min<int64_t>(v, maxval) * 255 / maxval); };
  if (!plain) tokens.skip(1);  // exactly one whitespace byte ends a binary header
  size_t off = tokens.offset();
  const int bytes_per = maxval > 255 ? 2 : 1;
  for (int64_t y = 0; y < h; ++y) {
    uint8_t* d = out.ptr<uint8_t>(static_cast<int>(y));
    if (bits && !plain) {
      const size_t row = size_t((w + 7) / 8);
      if (off + row > bytes.size()) throw FormatError(name + ": truncated PNM data");
      for (int64_t x = 0; x < w; ++x) d[x] = (bytes[off + size_t(x / 8)] >> (7 - x % 8)) & 1 ? 0 : 255;
      off += row;
      continue;
    }
    for (int64_t x = 0; x < w * depth; ++x) {
      int64_t v;
      if (plain) {
        if (bits) {  // digits may run together in P1
          while (off < bytes.size() && (std::isspace(bytes[off]) || bytes[off] == '#')) {
            if (bytes[off] == '#') while (off < bytes.size() && bytes[off] != '\n') ++off;
            else ++off;
          }
          if (off >= bytes.size()) throw FormatError(name + ": truncated PNM data");
          v = bytes[off++] == '1' ? 0 : 1;
        } else {
          v = tokens.number();  // P2, P3: the header's tokenizer reads on
        }
      } else {
        if (off + size_t(bytes_per) > bytes.size()) throw FormatError(name + ": truncated PNM data");
        v = bytes_per == 2 ? (bytes[off] << 8 | bytes[off + 1]) : bytes[off];
        off += size_t(bytes_per);
      }
      const int64_t px = x / depth, c = x % depth;
      // RGB in the file, BGR in memory.
      const int64_t ch = channels >= 3 && c < 3 ? 2 - c : c;
      d[px * channels + ch] = scale(v);
    }
  }
  return out;
}

std::vector<uint8_t> encode_png(const cv::Mat& image) {
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
    throw ShapeError("encode_png: expected an 8-bit grey or BGR image");
  cv::Mat m = image.isContinuous() ? image : image.clone();
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = static_cast<png_uint_32>(m.cols);
  img.height = static_cast<png_uint_32>(m.rows);
  img.format = m.channels() == 3 ? PNG_FORMAT_BGR : PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&img, nullptr, &size, 0, m.data, 0, nullptr))
    throw Error(std::string("PNG encoding failed: ") + img.message);
  std::vector<uint8_t> out(size);
  if (!png_image_write_to_memory(&img, out.data(), &size, 0, m.data, 0, nullptr))
    throw Error(std::string("PNG encoding failed: ") + img.message);
  out.resize(size);
  return out;
}

std::vector<uint8_t> encode_jpeg(const cv::Mat& image, int quality) {
  if (image.empty() || (image.type() != CV_8UC1 && image.type() != CV_8UC3))
    throw ShapeError("encode_jpeg: expected an 8-bit grey or BGR image");
  const bool colour = image.channels() == 3;
  jpeg_compress_struct cinfo;
  JpegError err;
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.emit_message = jpeg_quiet;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    std::free(buf);
    throw Error(std::string("JPEG encoding failed: ") + err.message);
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &buf, &size);
  cinfo.image_width = static_cast<JDIMENSION>(image.cols);
  cinfo.image_height = static_cast<JDIMENSION>(image.rows);
  cinfo.input_components = colour ? 3 : 1;
  cinfo.in_color_space = colour ? JCS_EXT_BGR : JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, std::clamp(quality, 1, 100), TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(image.ptr<uint8_t>(static_cast<int>(cinfo.next_scanline)));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> out(buf, buf + size);
  std::free(buf);
  return out;
}

cv::Mat read_gray(const std::string& path) {
  cv::Mat m = load_image(path).front().image;
  if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
  return m;
}

}  // namespace ocr
