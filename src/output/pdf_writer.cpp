// Searchable PDF: each page is its image with the recognised words over it in an invisible text
// layer (render mode 3), the layout Tesseract's and OCRmyPDF's PDFs use. Plain PDF 1.5 written
// by hand: no library, a standard font (Helvetica, not embedded), an xref table of byte offsets.
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"
#include "ocr/output/writers.h"

namespace ocr {

namespace {

constexpr double kDefaultDpi = 300;  // for pages whose resolution is unknown
// Windows-1252 byte for a code point, or '?' (the encoding of the standard font).
char winansi(char32_t c) {
  if (c < 0x80 || (c >= 0xA0 && c <= 0xFF)) return static_cast<char>(c);
  static const std::pair<char32_t, unsigned char> high[] = {
      {U'€', 0x80}, {U'‚', 0x82}, {U'ƒ', 0x83}, {U'„', 0x84}, {U'…', 0x85}, {U'†', 0x86},
      {U'‡', 0x87}, {U'ˆ', 0x88}, {U'‰', 0x89}, {U'Š', 0x8A}, {U'‹', 0x8B}, {U'Œ', 0x8C},
      {U'Ž', 0x8E}, {U'‘', 0x91}, {U'’', 0x92}, {U'“', 0x93}, {U'”', 0x94}, {U'•', 0x95},
      {U'–', 0x96}, {U'—', 0x97}, {U'˜', 0x98}, {U'™', 0x99}, {U'š', 0x9A}, {U'›', 0x9B},
      {U'œ', 0x9C}, {U'ž', 0x9E}, {U'Ÿ', 0x9F}};
  for (const auto& [cp, byte] : high)
    if (cp == c) return static_cast<char>(byte);
  return '?';
}

// Advance widths of Helvetica (thousandths of an em) for bytes 32-126 of WinAnsiEncoding, from
// the standard font metrics a viewer lays the invisible text out with; a word is then stretched
// (Tz) to its box, so its selection covers the printed word. Other bytes count as 556.
constexpr int kHelveticaAscii[95] = {
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,   //  !"#$%&'()*+,-./
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,   // 0-9 :;<=>?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  // @A-O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,   // P-Z [\]^_
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,   // `a-o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584};       // p-z {|}~

double helvetica_width(const std::string& utf8) {
  double w = 0;
  for (char32_t c : utf8_decode(utf8)) {
    const unsigned char b = static_cast<unsigned char>(winansi(c));
    w += (b >= 32 && b <= 126) ? kHelveticaAscii[b - 32] : 556;
  }
  return w / 1000;
}

// A PDF literal string: ( ) \ escaped, bytes outside printable ASCII as octal.
std::string pdf_string(const std::string& utf8) {
  std::string out = "(";
  for (char32_t c : utf8_decode(utf8)) {
    const unsigned char b = static_cast<unsigned char>(winansi(c));
    if (b == '(' || b == ')' || b == '\\') {
      out += '\\';
      out += static_cast<char>(b);
    } else if (b < 0x20 || b >= 0x7F) {
      char oct[8];
      std::snprintf(oct, sizeof oct, "\\%03o", b);
      out += oct;
    } else {
      out += static_cast<char>(b);
    }
  }
  return out + ")";
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();  // "12.50" -> "12.5", "3.00" -> "3"
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string deflate(const std::vector<uint8_t>& raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, raw.data(), static_cast<uLong>(raw.size()),
                Z_BEST_SPEED + 1) != Z_OK)
    throw Error("pdf: compressing a page image failed");
  out.resize(size);
  return out;
}

class PdfDocument {
 public:
  PdfDocument() { out_ = "%PDF-1.5\n%\xE2\xE3\xCF\xD3\n"; }
  // Objects are numbered from 1 in the order they are reserved.
  int reserve() {
    offsets_.push_back(0);
    return int(offsets_.size());
  }
  void object(int id, const std::string& body) {
    offsets_[size_t(id - 1)] = out_.size();
    out_ += std::to_string(id) + " 0 obj\n" + body + "\nendobj\n";
  }
  void stream(int id, const std::string& dict_entries, const std::string& data) {
    object(id, "<< " + dict_entries + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data +
                   "\nendstream");
  }
  std::string finish(int root, int info) {
    const size_t xref = out_.size();
    out_ += "xref\n0 " + std::to_string(offsets_.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t off : offsets_) {
      char entry[24];
      std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", off);
      out_ += entry;
    }
    out_ += "trailer\n<< /Size " + std::to_string(offsets_.size() + 1) + " /Root " + std::to_string(root) +
            " 0 R /Info " + std::to_string(info) + " 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return std::move(out_);
  }

 private:
  std::string out_;
  std::vector<size_t> offsets_;
};

// The invisible words of one page, in PDF user space (points, origin bottom left).
std::string text_layer(const PageResult& page, int image_height, double scale) {
  std::string s = "BT\n3 Tr\n";
  for (const auto& block : page.blocks)
    for (const auto& para : block.paragraphs)
      for (const auto& line : para.lines) {
        // The line's baseline (hOCR's), its height from the top of the box: the font size.
        const double base_at_x0 = line.box.y1 + line.baseline_offset;
        const double size = std::max(1.0, (base_at_x0 - line.box.y0) * scale);
        for (size_t k = 0; k < line.words.size(); ++k) {
          const WordResult& word = line.words[k];
          std::string text = word.text;
          int width = word.box.width();
          // A space after each word but the last, stretched over the gap to the next: text
          // extraction then sees the words apart whatever the gap is in ems.
          if (k + 1 < line.words.size() && line.words[k + 1].box.x0 > word.box.x1) {
            text += ' ';
            width = line.words[k + 1].box.x0 - word.box.x0;
          }
          if (word.text.empty() || word.box.empty()) continue;
          const double base_y = base_at_x0 + line.baseline_slope * (word.box.x0 - line.box.x0);
          const double x = word.box.x0 * scale, y = (image_height - base_y) * scale;
          const double natural = std::max(0.05, helvetica_width(text)) * size;
          const double stretch = std::clamp(100.0 * width * scale / natural, 1.0, 1000.0);
          s += "/F1 " + num(size) + " Tf " + num(stretch) + " Tz 1 0 0 1 " + num(x) + " " + num(y) + " Tm " +
               pdf_string(text) + " Tj\n";
        }
      }
  return s + "ET\n";
}

}  // namespace

bool format_needs_image(OutputFormat f) { return f == OutputFormat::Pdf; }

std::string write_pdf(const std::vector<PageResult>& pages, const WriterInfo& info) {
  PdfDocument pdf;
  const int catalog = pdf.reserve(), page_tree = pdf.reserve(), font = pdf.reserve(), meta = pdf.reserve();
  std::string kids;
  for (const auto& page : pages) {
    if (!page.image || page.image->bytes.empty())
      throw Error("pdf: the image of " + page.source + " was not kept for the PDF");
    const PageImageData& img = *page.image;
    const double dpi = page.dpi > 0 ? page.dpi : kDefaultDpi;
    const double scale = 72.0 / dpi;  // points per pixel
    const double w = img.width * scale, h = img.height * scale;
    const int page_obj = pdf.reserve(), content = pdf.reserve(), image = pdf.reserve();
    kids += std::to_string(page_obj) + " 0 R ";
    pdf.object(page_obj, "<< /Type /Page /Parent " + std::to_string(page_tree) + " 0 R /MediaBox [0 0 " + num(w) +
                             " " + num(h) + "] /Resources << /Font << /F1 " + std::to_string(font) +
                             " 0 R >> /XObject << /Im0 " + std::to_string(image) + " 0 R >> >> /Contents " +
                             std::to_string(content) + " 0 R >>");
    // Boxes are in the input image's pixels, the image kept is that image.
    pdf.stream(content, "", "q " + num(w) + " 0 0 " + num(h) + " 0 0 cm /Im0 Do Q\n" + text_layer(page, img.height, scale));
    const std::string common = "/Type /XObject /Subtype /Image /Width " + std::to_string(img.width) + " /Height " +
                               std::to_string(img.height) + " /ColorSpace " +
                               (img.channels == 3 ? "/DeviceRGB" : "/DeviceGray") + " /BitsPerComponent 8";
    if (img.jpeg) {
      pdf.stream(image, common + " /Filter /DCTDecode", std::string(img.bytes.begin(), img.bytes.end()));
    } else {
      if (img.bytes.size() != size_t(img.width) * size_t(img.height) * size_t(img.channels))
        throw Error("pdf: the kept image of " + page.source + " has the wrong size");
      pdf.stream(image, common + " /Filter /FlateDecode", deflate(img.bytes));
    }
  }
  pdf.object(catalog, "<< /Type /Catalog /Pages " + std::to_string(page_tree) + " 0 R >>");
  pdf.object(page_tree, "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>");
  pdf.object(font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  pdf.object(meta, "<< /Producer " + pdf_string(info.software + " " + info.version) + " >>");
  return pdf.finish(catalog, meta);
}

}  // namespace ocr
