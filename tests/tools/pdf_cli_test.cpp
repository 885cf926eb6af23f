// `ocr recognize` on PDFs: a scanned 3-page PDF (written by our own PDF writer from the repo's
// sample images, no text layer) becomes one 3-page searchable PDF whose text pdftotext extracts;
// --pages and --skip-text; damaged and encrypted PDFs in a batch are reported and the rest read.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "ocr/image/image_io.h"
#include "ocr/output/writers.h"

#include "tools/cli_helpers.h"

namespace fs = std::filesystem;

namespace {

using ocr::test::have;
using ocr::test::Result;
using ocr::test::slurp;

class PdfCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ocr-pdf-cli-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "batch");
    const std::string data = std::string(OCR_SOURCE_DIR) + "/data/";
    std::vector<ocr::PageResult> pages;
    for (const char* name : {"sample-page.png", "sample-line.png", "sample-page.png"}) {
      const cv::Mat img = cv::imread(data + name, cv::IMREAD_GRAYSCALE);
      ocr::PageResult p;
      p.source = name;
      p.width = img.cols, p.height = img.rows;
      p.dpi = 200;
      auto d = std::make_shared<ocr::PageImageData>();
      d->width = img.cols, d->height = img.rows;
      d->bytes.assign(img.datastart, img.dataend);
      p.image = d;
      pages.push_back(std::move(p));
    }
    // No words: the image only, as a scanner writes it.
    std::ofstream(dir_ / "scan.pdf", std::ios::binary) << ocr::write_pdf(pages);
    std::ofstream(dir_ / "batch" / "line.pdf", std::ios::binary) << ocr::write_pdf({pages[1]});
    const std::string whole = slurp(dir_ / "batch" / "line.pdf");
    std::ofstream(dir_ / "batch" / "truncated.pdf", std::ios::binary) << whole.substr(0, whole.size() * 2 / 3);
    std::ofstream(dir_ / "batch" / "garbage.pdf") << "%PDF-1.7\nnot a document at all\n%%EOF\n";
    if (have("qpdf"))
      std::system(("qpdf --encrypt secret owner 256 -- '" + (dir_ / "batch" / "line.pdf").string() + "' '" +
                   (dir_ / "batch" / "encrypted.pdf").string() + "'").c_str());
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // Runs `ocr recognize` with the shipped model.
  static Result run(const std::string& args) {
    const char* bin = std::getenv("OCR_TEST_BINARY");
    const std::string exe = bin ? bin : OCR_BINARY;
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    const std::string cmd = "cd '" + dir_.string() + "' && '" + exe + "' recognize --no-progress -m '" +
                            OCR_SOURCE_DIR + "/models/eng.ocrm' " + args + " </dev/null >'" + out.string() +
                            "' 2>'" + err.string() + "'";
    const int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128, slurp(out), slurp(err)};
  }
  static fs::path dir_;
};

fs::path PdfCli::dir_;

}  // namespace

TEST_F(PdfCli, ScannedPdfBecomesOneSearchablePdf) {
  const Result r = run("-f pdf -o searchable.pdf scan.pdf");
  ASSERT_EQ(r.code, 0) << r.err;
  // One page out per page in, each the size it was scanned at (rendered at its image's 200 dpi).
  ocr::ImageFile in = ocr::ImageFile::open((dir_ / "scan.pdf").string());
  ocr::ImageFile out = ocr::ImageFile::open((dir_ / "searchable.pdf").string());
  ASSERT_EQ(in.pages(), 3);
  ASSERT_EQ(out.pages(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(in.page(i).dpi, 200, 0.01);
    EXPECT_EQ(out.page(i).image.size(), in.page(i).image.size()) << "page " << i + 1;
  }
  if (!have("pdftotext")) GTEST_SKIP() << "pdftotext is not installed (poppler-utils)";
  ASSERT_EQ(std::system(("pdftotext '" + (dir_ / "searchable.pdf").string() + "' '" + (dir_ / "text.txt").string() +
                         "'").c_str()),
            0);
  const std::string text = slurp(dir_ / "text.txt");
  EXPECT_NE(text.find("page recognition"), std::string::npos) << text;
  EXPECT_NE(text.find("quick brown fox"), std::string::npos) << text;
  // Page 3 is page 1 again: its words are there twice, and in order (form feed between pages).
  const size_t first = text.find("page recognition"), second = text.find("page recognition", first + 1);
  EXPECT_NE(second, std::string::npos);
  EXPECT_LT(text.find("quick brown fox"), second);
}

TEST_F(PdfCli, PagesAndSkipText) {
  const Result two = run("--pages 2 scan.pdf");
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_NE(two.out.find("quick brown fox"), std::string::npos) << two.out;
  EXPECT_EQ(two.out.find("recognition"), std::string::npos) << two.out;
  EXPECT_NE(run("--pages 3-1 scan.pdf").code, 0);
  const Result none = run("--pages 4-6 scan.pdf");
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.err.find("scan.pdf: --pages 4-6 selects none of its 3 pages"), std::string::npos) << none.err;
  // The searchable PDF carries text on every page: --skip-text leaves it all out.
  ASSERT_EQ(run("-f pdf -o with-text.pdf --pages 2 scan.pdf").code, 0);
  const Result skip = run("--skip-text with-text.pdf scan.pdf");
  EXPECT_EQ(skip.code, 0) << skip.err;
  EXPECT_NE(skip.err.find("with-text.pdf: page 1 already has text, skipped (--skip-text)"), std::string::npos)
      << skip.err;
  EXPECT_NE(skip.out.find("recognition"), std::string::npos);  // scan.pdf has none: read
}

TEST_F(PdfCli, BadPdfsAreReportedAndTheBatchGoesOn) {
  const Result r = run("--output-dir out batch");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(fs::exists(dir_ / "out" / "line.txt")) << r.err;
  EXPECT_NE(slurp(dir_ / "out" / "line.txt").find("quick brown fox"), std::string::npos);
  EXPECT_NE(r.err.find("batch/truncated.pdf: truncated PDF"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("batch/garbage.pdf: damaged PDF"), std::string::npos) << r.err;
  if (fs::exists(dir_ / "batch" / "encrypted.pdf")) {
    EXPECT_NE(r.err.find("batch/encrypted.pdf: encrypted PDF"), std::string::npos) << r.err;
  }
  // One line per bad file, and nothing of poppler's own on stderr.
  EXPECT_EQ(r.err.find("Syntax Error"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Internal Error"), std::string::npos) << r.err;
}
