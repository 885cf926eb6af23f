// PDF input through ImageFile: page count, the resolution a page renders at, page selection,
// --skip-text, and clean errors for damaged, encrypted and oversized documents. The PDFs are
// written here by hand (a scanned page is one uncompressed image drawn over the page).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/image/image_io.h"
#include "ocr/image/pdf.h"

namespace fs = std::filesystem;

namespace {

struct PdfPage {
  PdfPage(cv::Mat image, double width_pt, double height_pt, std::string text = "", std::string box = "")
      : image(std::move(image)), width_pt(width_pt), height_pt(height_pt), text(std::move(text)), box(std::move(box)) {}
  cv::Mat image;  // grey, drawn over the whole page; empty: none
  double width_pt, height_pt;
  std::string text;  // drawn in Helvetica; empty: none
  std::string box;   // the MediaBox as written, when not [0 0 w h]
};

// A valid PDF 1.4 with an exact xref table, so poppler needs no repair.
std::string make_pdf(const std::vector<PdfPage>& pages) {
  std::string out = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;
  auto object = [&](const std::string& body) {
    offsets.push_back(out.size());
    out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  // 1 catalog, 2 page tree, 3 font, then per page: page, content, image.
  std::string kids;
  for (size_t i = 0; i < pages.size(); ++i) kids += std::to_string(4 + 3 * i) + " 0 R ";
  object("<< /Type /Catalog /Pages 2 0 R >>");
  object("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>");
  object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (size_t i = 0; i < pages.size(); ++i) {
    const PdfPage& p = pages[i];
    const int page = int(4 + 3 * i), content = page + 1, image = page + 2;
    char box[128];
    std::snprintf(box, sizeof box, "[0 0 %g %g]", p.width_pt, p.height_pt);
    std::string draw;
    if (!p.image.empty()) {
      char cm[96];
      std::snprintf(cm, sizeof cm, "q %g 0 0 %g 0 0 cm /Im0 Do Q\n", p.width_pt, p.height_pt);
      draw += cm;
    }
    if (!p.text.empty()) draw += "BT /F1 10 Tf 5 5 Td (" + p.text + ") Tj ET\n";
    object("<< /Type /Page /Parent 2 0 R /MediaBox " + (p.box.empty() ? std::string(box) : p.box) +
           " /Resources << /Font << /F1 3 0 R >>" +
           (p.image.empty() ? "" : " /XObject << /Im0 " + std::to_string(image) + " 0 R >>") + " >> /Contents " +
           std::to_string(content) + " 0 R >>");
    object("<< /Length " + std::to_string(draw.size()) + " >>\nstream\n" + draw + "\nendstream");
    std::string px;
    if (!p.image.empty()) {
      cv::Mat m = p.image.isContinuous() ? p.image : p.image.clone();
      px.assign(reinterpret_cast<const char*>(m.data), m.total());
    }
    object("<< /Type /XObject /Subtype /Image /Width " + std::to_string(std::max(1, p.image.cols)) + " /Height " +
           std::to_string(std::max(1, p.image.rows)) + " /ColorSpace /DeviceGray /BitsPerComponent 8 /Length " +
           std::to_string(px.size()) + " >>\nstream\n" + px + "\nendstream");
  }
  const size_t xref = out.size();
  out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char e[24];
    std::snprintf(e, sizeof e, "%010zu 00000 n \n", off);
    out += e;
  }
  out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

std::vector<uint8_t> bytes_of(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// A page-like grey image: paper with a few dark bars, different per page.
cv::Mat scan(int w, int h, int seed) {
  cv::Mat m(h, w, CV_8UC1, cv::Scalar(250));
  for (int k = 0; k < 4; ++k) cv::rectangle(m, cv::Rect(10 + 7 * seed, 10 + k * h / 5, w / 2, h / 12), cv::Scalar(20), -1);
  return m;
}

// 3 scanned pages: 300x200 pixels over 144x96 pt, i.e. 150 dpi.
std::string three_scans() {
  return make_pdf({{scan(300, 200, 0), 144, 96}, {scan(300, 200, 1), 144, 96}, {scan(300, 200, 2), 144, 96}});
}

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

std::string error_of(const std::vector<uint8_t>& bytes, const ocr::ImageLimits& limits = {},
                     const ocr::PageOptions& options = {}) {
  try {
    ocr::ImageFile f = ocr::ImageFile::from_bytes(bytes, "doc.pdf", limits, options);
    for (int i = 0; i < f.pages(); ++i) f.page(i);
  } catch (const ocr::FormatError& e) {
    return e.what();
  }
  return "";
}

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("ocr-pdf-test-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST(PdfInput, ScannedPagesRenderAtTheirImagesResolution) {
  ocr::ImageFile f = ocr::ImageFile::from_bytes(bytes_of(three_scans()), "doc.pdf");
  EXPECT_EQ(f.info().format, "pdf");
  EXPECT_EQ(f.info().pages, 3);
  ASSERT_EQ(f.pages(), 3);
  EXPECT_EQ(f.info().width, 300);
  EXPECT_EQ(f.info().height, 200);
  for (int i = 0; i < 3; ++i) {
    ocr::PageImage p = f.page(i);
    EXPECT_EQ(p.page_index, i);
    EXPECT_NEAR(p.dpi, 150, 0.01);
    ASSERT_EQ(p.image.cols, 300);
    ASSERT_EQ(p.image.rows, 200);
    EXPECT_EQ(p.image.type(), CV_8UC1);  // no colour on the page: kept grey
    // Rendered at the image's own resolution, the pixels come back (nearly) as they were.
    cv::Mat diff;
    cv::absdiff(p.image, scan(300, 200, i), diff);
    EXPECT_LT(cv::mean(diff)[0], 3.0) << "page " << i + 1;
  }
}

TEST(PdfInput, DpiOverridesAndTextPagesRenderAt300) {
  ocr::PageOptions at72;
  at72.dpi = 72;
  ocr::ImageFile f = ocr::ImageFile::from_bytes(bytes_of(three_scans()), "doc.pdf", {}, at72);
  ocr::PageImage p = f.page(0);
  EXPECT_EQ(p.dpi, 72);
  EXPECT_EQ(p.image.cols, 144);
  EXPECT_EQ(p.image.rows, 96);

  // A page of text (no image) and a page whose image has other proportions than the page.
  ocr::ImageFile g = ocr::ImageFile::from_bytes(
      bytes_of(make_pdf({{cv::Mat(), 72, 36, "Hello"}, {scan(100, 100, 0), 72, 36}})), "doc.pdf");
  for (int i = 0; i < 2; ++i) {
    ocr::PageImage q = g.page(i);
    EXPECT_EQ(q.dpi, ocr::kPdfDefaultDpi);
    EXPECT_EQ(q.image.cols, 300);
    EXPECT_EQ(q.image.rows, 150);
  }
  ocr::PageImage text = g.page(0);
  double lo, hi;
  cv::minMaxLoc(text.image, &lo, &hi);
  EXPECT_LT(lo, 100) << "the text is drawn";
  EXPECT_EQ(hi, 255);
}

TEST(PdfInput, PageSelection) {
  ocr::PageOptions o;
  o.pages = "2-3";
  ocr::ImageFile f = ocr::ImageFile::from_bytes(bytes_of(three_scans()), "doc.pdf", {}, o);
  ASSERT_EQ(f.pages(), 2);
  EXPECT_EQ(f.page(0).page_index, 1);
  EXPECT_EQ(f.page(1).page_index, 2);
  o.pages = "3,1";
  f = ocr::ImageFile::from_bytes(bytes_of(three_scans()), "doc.pdf", {}, o);
  ASSERT_EQ(f.pages(), 2);
  EXPECT_EQ(f.page(0).page_index, 0);  // file order
  EXPECT_EQ(f.page(1).page_index, 2);
  o.pages = "2-";
  EXPECT_EQ(ocr::ImageFile::from_bytes(bytes_of(three_scans()), "doc.pdf", {}, o).pages(), 2);
  o.pages = "2-9";  // past the end: the pages there are
  EXPECT_EQ(ocr::ImageFile::from_bytes(bytes_of(three_scans()), "doc.pdf", {}, o).pages(), 2);
  o.pages = "4-5";
  EXPECT_NE(error_of(bytes_of(three_scans()), {}, o).find("doc.pdf: --pages 4-5 selects none of its 3 pages"),
            std::string::npos);

  EXPECT_EQ(ocr::parse_page_ranges("1,3,5-6"), (std::vector<std::pair<int, int>>{{1, 1}, {3, 3}, {5, 6}}));
  for (const char* bad : {"", "0", "3-1", "a", "1,,2", "-2", "1-2-3", "1.5"})
    EXPECT_THROW(ocr::parse_page_ranges(bad), ocr::Error) << bad;
}

TEST(PdfInput, PageSelectionInMultiPageTiff) {
  const fs::path dir = temp_dir();
  const std::string path = (dir / "pages.tif").string();
  ASSERT_TRUE(cv::imwritemulti(path, std::vector<cv::Mat>{scan(60, 40, 0), scan(60, 40, 1), scan(60, 40, 2)}));
  ocr::PageOptions o;
  o.pages = "1,3";
  ocr::ImageFile f = ocr::ImageFile::open(path, {}, o);
  ASSERT_EQ(f.pages(), 2);
  EXPECT_EQ(f.page(1).page_index, 2);
  EXPECT_EQ(cv::norm(f.page(1).image, scan(60, 40, 2), cv::NORM_INF), 0);
  fs::remove_all(dir);
}

TEST(PdfInput, SkipTextLeavesOutPagesWithText) {
  const std::string pdf = make_pdf({{scan(300, 200, 0), 144, 96}, {cv::Mat(), 144, 96, "Already text"},
                                    {scan(300, 200, 2), 144, 96, "OCRed"}});
  ocr::PdfFile doc(bytes_of(pdf), "doc.pdf");
  EXPECT_FALSE(doc.has_text(0));
  EXPECT_TRUE(doc.has_text(1));
  EXPECT_TRUE(doc.has_text(2));
  EXPECT_EQ(ocr::ImageFile::from_bytes(bytes_of(pdf), "doc.pdf").pages(), 3);  // read as images by default
  ocr::PageOptions o;
  o.skip_text = true;
  ocr::ImageFile f = ocr::ImageFile::from_bytes(bytes_of(pdf), "doc.pdf", {}, o);
  ASSERT_EQ(f.pages(), 1);
  EXPECT_EQ(f.page(0).page_index, 0);
  const std::string all_text = make_pdf({{cv::Mat(), 144, 96, "Text"}});
  EXPECT_EQ(ocr::ImageFile::from_bytes(bytes_of(all_text), "doc.pdf", {}, o).pages(), 0);
}

TEST(PdfInput, DamagedDocumentsGiveCleanErrors) {
  const std::string good = three_scans();
  // Cut short: half the pages and their images are gone.
  EXPECT_NE(error_of(bytes_of(good.substr(0, good.size() / 2))).find("doc.pdf: truncated PDF"), std::string::npos);
  // A PDF header and nothing a reader can repair.
  EXPECT_NE(error_of(bytes_of("%PDF-1.7\nthis is not a document\n%%EOF\n")).find("doc.pdf: damaged PDF"),
            std::string::npos);
  EXPECT_NE(error_of(bytes_of("%PDF-")).find("doc.pdf: "), std::string::npos);
  // A page tree without pages.
  EXPECT_NE(error_of(bytes_of(make_pdf({}))).find("doc.pdf: "), std::string::npos);
  // Bytes of a page image flipped: poppler repairs or renders what it can, never crashes.
  std::string flipped = good;
  for (size_t i = good.size() / 3; i < good.size() / 3 + 200; ++i) flipped[i] = static_cast<char>(~flipped[i]);
  error_of(bytes_of(flipped));
}

TEST(PdfInput, EncryptedDocumentNamesThePassword) {
  if (!have("qpdf")) GTEST_SKIP() << "qpdf is not installed (tools/install-deps.sh)";
  const fs::path dir = temp_dir();
  std::ofstream(dir / "plain.pdf", std::ios::binary) << three_scans();
  const std::string q = "qpdf --encrypt '' owner 256 -- '" + (dir / "plain.pdf").string() + "' '";
  ASSERT_EQ(std::system(("qpdf --encrypt user owner 256 -- '" + (dir / "plain.pdf").string() + "' '" +
                         (dir / "locked.pdf").string() + "'").c_str()), 0);
  ASSERT_EQ(std::system((q + (dir / "owner-only.pdf").string() + "'").c_str()), 0);
  try {
    ocr::ImageFile::open((dir / "locked.pdf").string());
    ADD_FAILURE() << "a PDF that needs a password opened";
  } catch (const ocr::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("locked.pdf: encrypted PDF"), std::string::npos) << e.what();
  }
  // Encrypted with an empty user password (permissions only): readers open it without asking.
  ocr::ImageFile f = ocr::ImageFile::open((dir / "owner-only.pdf").string());
  ASSERT_EQ(f.pages(), 3);
  EXPECT_EQ(f.page(2).image.cols, 300);
  fs::remove_all(dir);
}

TEST(PdfInput, LimitsAreCheckedBeforeRendering) {
  // 200 000 pt square: 833 334 pixels a side at 300 dpi, 694 GB if it were rendered.
  PdfPage huge{cv::Mat(), 200000, 200000, "x"};
  const std::string pdf = make_pdf({{scan(300, 200, 0), 144, 96}, huge});
  const std::string e = error_of(bytes_of(pdf));
  EXPECT_NE(e.find("doc.pdf page 2 at 300 dpi: image too large (833334x833334 pixels"), std::string::npos) << e;
  // The other page alone is fine.
  ocr::PageOptions first;
  first.pages = "1";
  EXPECT_EQ(ocr::ImageFile::from_bytes(bytes_of(pdf), "doc.pdf", {}, first).pages(), 1);
  // A forged box that overflows int when scaled.
  PdfPage forged{cv::Mat(), 0, 0, "", "[0 0 99999999999.0 99999999999.0]"};
  EXPECT_NE(error_of(bytes_of(make_pdf({forged}))).find("too large"), std::string::npos);
  // The page count cap.
  ocr::ImageLimits two;
  two.max_pages = 2;
  EXPECT_NE(error_of(bytes_of(three_scans()), two).find("doc.pdf: too many pages (3; limit 2"), std::string::npos);
  // The pixel cap of a page at its own resolution.
  ocr::ImageLimits small;
  small.max_pixels = 50000;
  EXPECT_NE(error_of(bytes_of(three_scans()), small).find("image too large (300x200"), std::string::npos);
}

TEST(PdfInput, ImageSizesThroughObjectStreams) {
  EXPECT_EQ(ocr::pdf_page_image_sizes(bytes_of(three_scans())), std::vector<cv::Size>(3, cv::Size(300, 200)));
  const std::string mixed = make_pdf({{scan(300, 200, 0), 144, 96}, {cv::Mat(), 72, 72, "text"}});
  EXPECT_EQ(ocr::pdf_page_image_sizes(bytes_of(mixed)), (std::vector<cv::Size>{{300, 200}, {0, 0}}));
  EXPECT_TRUE(ocr::pdf_page_image_sizes(bytes_of("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")).empty());
  // Nesting past the parser's depth cap, a reference loop in the page tree, an object stream
  // that claims more than it holds: given up on, quickly.
  const std::string deep = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Kids [" +
                           std::string(5000, '[') + " >> endobj\ntrailer << /Root 1 0 R >>\n";
  EXPECT_TRUE(ocr::pdf_page_image_sizes(bytes_of(deep)).empty());
  const std::string loop = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                           "2 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >> endobj\n"
                           "3 0 obj << /Type /Pages /Kids [2 0 R] >> endobj\ntrailer << /Root 1 0 R >>\n";
  EXPECT_TRUE(ocr::pdf_page_image_sizes(bytes_of(loop)).empty());
  const std::string objstm = "%PDF-1.5\n1 0 obj << /Type /ObjStm /N 999999 /First 5 /Filter /FlateDecode >>\n"
                             "stream\nxyz\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n";
  EXPECT_TRUE(ocr::pdf_page_image_sizes(bytes_of(objstm)).empty());
  // Page dictionaries inside compressed object streams (as qpdf, pikepdf and OCRmyPDF write).
  if (!have("qpdf")) GTEST_SKIP() << "qpdf is not installed (tools/install-deps.sh)";
  const fs::path dir = temp_dir();
  std::ofstream(dir / "plain.pdf", std::ios::binary) << three_scans();
  ASSERT_EQ(std::system(("qpdf --object-streams=generate '" + (dir / "plain.pdf").string() + "' '" +
                         (dir / "packed.pdf").string() + "'").c_str()), 0);
  const std::vector<uint8_t> packed = ocr::read_file_bytes((dir / "packed.pdf").string());
  EXPECT_NE(std::string(packed.begin(), packed.end()).find("/ObjStm"), std::string::npos);
  EXPECT_EQ(ocr::pdf_page_image_sizes(packed), std::vector<cv::Size>(3, cv::Size(300, 200)));
  EXPECT_NEAR(ocr::ImageFile::from_bytes(packed, "packed.pdf").page(1).dpi, 150, 0.01);
  fs::remove_all(dir);
}

TEST(PdfInput, FoldersPickUpPdfs) {
  EXPECT_TRUE(ocr::has_image_extension("scans/a.pdf"));
  EXPECT_TRUE(ocr::has_image_extension("scans/A.PDF"));
}
