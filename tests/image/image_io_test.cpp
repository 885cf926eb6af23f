#include "ocr/image/image_io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/image/codecs.h"

namespace fs = std::filesystem;
using ocr::FormatError;
using ocr::IoError;

namespace {

cv::Mat sample(int w, int h, int type = CV_8UC3) {
  cv::Mat m(h, w, type, cv::Scalar::all(255));
  cv::putText(m, "Ab1", {2, h - 4}, cv::FONT_HERSHEY_SIMPLEX, 0.6, cv::Scalar::all(0), 1);
  return m;
}

std::vector<uint8_t> encode(const std::string& ext, const cv::Mat& m) {
  std::vector<uint8_t> b;
  EXPECT_TRUE(cv::imencode(ext, m, b)) << ext;
  return b;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("ocr-image-test-" + std::to_string(::getpid()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// Expects `fn` to throw E with a message containing every fragment.
template <typename E, typename F>
void expect_error(F fn, std::vector<std::string> fragments) {
  try {
    fn();
    FAIL() << "no exception";
  } catch (const E& e) {
    for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(ImageIo, ProbesEveryFormatWithoutDecoding) {
  cv::Mat m = sample(123, 45);
  struct Case { std::string ext, format; };
  for (const auto& c : std::vector<Case>{{".png", "png"}, {".jpg", "jpeg"}, {".tif", "tiff"},
                                         {".bmp", "bmp"}, {".ppm", "pnm"}, {".webp", "webp"}}) {
    auto b = encode(c.ext, m);
    auto info = ocr::probe_image(b, "x" + c.ext);
    EXPECT_EQ(info.format, c.format);
    EXPECT_EQ(info.width, 123) << c.ext;
    EXPECT_EQ(info.height, 45) << c.ext;
    auto f = ocr::ImageFile::from_bytes(b, "x" + c.ext);
    auto page = f.page(0);
    EXPECT_EQ(page.image.cols, 123);
    EXPECT_EQ(page.image.rows, 45);
    EXPECT_EQ(page.image.depth(), CV_8U);
  }
  cv::Mat g = sample(31, 17, CV_8UC1);
  auto info = ocr::probe_image(encode(".pgm", g), "g.pgm");
  EXPECT_EQ(info.width, 31);
  EXPECT_EQ(info.height, 17);
  // Lossless WebP has its own header layout.
  auto lossless = encode(".webp", m);
  std::vector<int> params = {cv::IMWRITE_WEBP_QUALITY, 101};
  ASSERT_TRUE(cv::imencode(".webp", m, lossless, params));
  info = ocr::probe_image(lossless, "l.webp");
  EXPECT_EQ(info.width, 123);
  EXPECT_EQ(info.height, 45);
}

TEST(ImageIo, SixteenBitAndAlphaBecomeEightBitOnWhite) {
  cv::Mat m16(10, 20, CV_16UC1, cv::Scalar(65535));
  m16(cv::Rect(0, 0, 5, 5)).setTo(0);
  auto p = ocr::ImageFile::from_bytes(encode(".png", m16), "16.png").page(0);
  ASSERT_EQ(p.image.type(), CV_8UC1);
  EXPECT_EQ(p.image.at<uint8_t>(0, 0), 0);
  EXPECT_EQ(p.image.at<uint8_t>(9, 19), 255);

  cv::Mat rgba(10, 20, CV_8UC4, cv::Scalar(0, 0, 0, 0));  // transparent black = paper
  rgba(cv::Rect(0, 0, 5, 5)).setTo(cv::Scalar(0, 0, 0, 255));  // opaque black = ink
  auto b = encode(".png", rgba);
  EXPECT_TRUE(ocr::probe_image(b, "a.png").has_alpha);
  auto q = ocr::ImageFile::from_bytes(b, "a.png").page(0);
  ASSERT_EQ(q.image.type(), CV_8UC3);
  EXPECT_EQ(q.image.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(q.image.at<cv::Vec3b>(9, 19), cv::Vec3b(255, 255, 255));
}

// White lettering on a transparent ground (a dark-theme label or logo) would vanish on white
// paper: it is composited on black, in colour and in grey + alpha; dark lettering stays on white.
TEST(ImageIo, LightLetteringOnAClearGroundIsCompositedOnBlack) {
  cv::Mat rgba(10, 20, CV_8UC4, cv::Scalar(255, 255, 255, 0));
  rgba(cv::Rect(0, 0, 5, 5)).setTo(cv::Scalar(250, 250, 250, 255));
  auto q = ocr::ImageFile::from_bytes(encode(".png", rgba), "a.png").page(0);
  EXPECT_EQ(q.image.at<cv::Vec3b>(0, 0), cv::Vec3b(250, 250, 250));
  EXPECT_EQ(q.image.at<cv::Vec3b>(9, 19), cv::Vec3b(0, 0, 0));
  cv::Mat grey_alpha(10, 20, CV_8UC2, cv::Scalar(255, 0));
  grey_alpha(cv::Rect(0, 0, 5, 5)).setTo(cv::Scalar(240, 255));
  const cv::Mat g = ocr::to_8bit(grey_alpha);
  ASSERT_EQ(g.type(), CV_8UC1);
  EXPECT_EQ(g.at<uint8_t>(0, 0), 240);
  EXPECT_EQ(g.at<uint8_t>(9, 19), 0);
  // An opaque light image is what it is (no clear ground to judge by).
  cv::Mat opaque(10, 20, CV_8UC4, cv::Scalar(250, 250, 250, 255));
  EXPECT_EQ(ocr::to_8bit(opaque).at<cv::Vec3b>(3, 3), cv::Vec3b(250, 250, 250));
}

TEST(ImageIo, ReadsAllPagesOfMultiPageTiffFromFileAndBytes) {
  TempDir dir;
  std::vector<cv::Mat> pages = {sample(40, 20), sample(50, 30), sample(60, 40)};
  std::string path = dir.file("multi.tif");
  ASSERT_TRUE(cv::imwrite(path, pages));
  auto f = ocr::ImageFile::open(path);
  ASSERT_EQ(f.pages(), 3);
  EXPECT_EQ(f.info().width, 60);
  EXPECT_EQ(f.page(1).image.cols, 50);
  EXPECT_EQ(f.page(2).image.rows, 40);
  EXPECT_EQ(f.page(2).page_index, 2);
  // As from stdin: bytes only (decoded through a temporary file).
  auto g = ocr::ImageFile::from_bytes(ocr::read_file_bytes(path), "-");
  EXPECT_EQ(g.page(2).image.cols, 60);
  EXPECT_EQ(ocr::load_image(path).size(), 3u);
}

TEST(ImageIo, ReadsResolutionFromHeaders) {
  TempDir dir;
  std::string path = dir.file("r.tif");
  ASSERT_TRUE(cv::imwrite(path, sample(40, 20), {cv::IMWRITE_TIFF_RESUNIT, 2, cv::IMWRITE_TIFF_XDPI, 300,
                                                 cv::IMWRITE_TIFF_YDPI, 300}));
  EXPECT_NEAR(ocr::probe_image(ocr::read_file_bytes(path), path).dpi, 300, 0.5);
}

TEST(ImageIo, BadInputsAreNamedErrors) {
  TempDir dir;
  expect_error<FormatError>([] { ocr::probe_image({}, "empty.png"); }, {"empty.png", "empty file"});
  std::string text = "hello, this is not an image\n";
  std::vector<uint8_t> tb(text.begin(), text.end());
  expect_error<FormatError>([&] { ocr::probe_image(tb, "notes.png"); }, {"notes.png", "not an image"});
  expect_error<IoError>([&] { ocr::ImageFile::open(dir.file("missing.png")); }, {"missing.png"});
  fs::create_directories(dir.file("adir"));
  expect_error<IoError>([&] { ocr::ImageFile::open(dir.file("adir")); }, {"adir", "directory"});

  cv::Mat m = sample(200, 100);
  for (std::string ext : {".png", ".jpg", ".webp", ".bmp", ".tif"}) {
    auto b = encode(ext, m);
    b.resize(b.size() / 2);
    std::string name = "cut" + ext;
    EXPECT_THROW(ocr::ImageFile::from_bytes(b, name).page(0), FormatError) << ext;
    try {
      ocr::ImageFile::from_bytes(b, name).page(0);
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  // Only a few bytes of a header.
  auto b = encode(".png", m);
  b.resize(20);
  EXPECT_THROW(ocr::probe_image(b, "tiny.png"), FormatError);
  auto j = encode(".jpg", m);
  j.resize(30);
  EXPECT_THROW(ocr::probe_image(j, "tiny.jpg"), FormatError);
}

TEST(ImageIo, HugeHeaderIsRefusedBeforeDecoding) {
  // A valid PNG whose IHDR claims 100000 × 100000 pixels but holds almost nothing.
  auto b = encode(".png", sample(8, 8));
  auto put32 = [&](size_t off, uint32_t v) {
    b[off] = v >> 24; b[off + 1] = v >> 16; b[off + 2] = v >> 8; b[off + 3] = v;
  };
  put32(16, 100000);
  put32(20, 100000);
  expect_error<FormatError>([&] { ocr::ImageFile::from_bytes(b, "bomb.png"); },
                            {"bomb.png", "too large", "100000x100000"});
  // Within each side limit but over the pixel limit.
  put32(16, 25000);
  put32(20, 25000);
  EXPECT_THROW(ocr::ImageFile::from_bytes(b, "big.png"), FormatError);
  ocr::ImageLimits small;
  small.max_pixels = 1000;
  EXPECT_THROW(ocr::ImageFile::from_bytes(encode(".png", sample(40, 40)), "x.png", small), FormatError);
  EXPECT_NO_THROW(ocr::ImageFile::from_bytes(encode(".png", sample(20, 20)), "x.png", small));

  // Same for a JPEG frame header, a PNM and a BMP.
  auto j = encode(".jpg", sample(8, 8));
  for (size_t i = 2; i + 9 < j.size(); ++i)
    if (j[i] == 0xFF && j[i + 1] == 0xC0) {
      j[i + 5] = 0xFF; j[i + 6] = 0xF0; j[i + 7] = 0xFF; j[i + 8] = 0xF0;
      break;
    }
  EXPECT_THROW(ocr::ImageFile::from_bytes(j, "bomb.jpg"), FormatError);
  std::string pnm = "P5\n# comment\n90000 90000\n255\n";
  expect_error<FormatError>(
      [&] { ocr::ImageFile::from_bytes(std::vector<uint8_t>(pnm.begin(), pnm.end()), "bomb.pgm"); },
      {"bomb.pgm", "too large"});
}

TEST(ImageIo, CorruptTiffIfdLoopIsAnError) {
  // Little-endian TIFF whose first IFD points to itself.
  std::vector<uint8_t> b = {'I', 'I', 42, 0, 8, 0, 0, 0,
                            2, 0,                                      // 2 entries
                            0, 1, 3, 0, 1, 0, 0, 0, 10, 0, 0, 0,       // width 10
                            1, 1, 3, 0, 1, 0, 0, 0, 10, 0, 0, 0,       // height 10
                            8, 0, 0, 0};                               // next IFD = 8 (loop)
  EXPECT_THROW(ocr::probe_image(b, "loop.tif"), FormatError);
}

// Issue 19: little-endian TIFF pages, uncompressed 8-bit grey, all pointing at the same 16 bytes.
std::vector<uint8_t> tiff_pages(const std::vector<std::vector<std::array<uint32_t, 2>>>& pages) {
  std::vector<uint8_t> b = {'I', 'I', 42, 0, 0, 0, 0, 0};
  for (int i = 0; i < 16; ++i) b.push_back(200);
  auto u16 = [&](uint32_t v) { b.push_back(uint8_t(v)); b.push_back(uint8_t(v >> 8)); };
  auto u32 = [&](uint32_t v) { u16(v & 0xffff); u16(v >> 16); };
  size_t link = 4;  // where the offset of the next IFD goes
  for (const auto& tags : pages) {
    const uint32_t at = uint32_t(b.size());
    for (int k = 0; k < 4; ++k) b[link + size_t(k)] = uint8_t(at >> (8 * k));
    u16(uint16_t(tags.size() + 7));
    auto entry = [&](uint32_t tag, uint32_t type, uint32_t v) { u16(tag); u16(type); u32(1); u32(v); };
    for (const auto& [tag, v] : tags) entry(tag, 4, v);  // width/height (LONG), possibly twice
    entry(258, 3, 8); entry(259, 3, 1); entry(262, 3, 1); entry(273, 4, 8); entry(277, 3, 1);
    entry(278, 4, 0xffffffffu); entry(279, 4, 16);
    link = b.size();
    u32(0);
  }
  return b;
}

TEST(ImageIo, TiffPageSizesAreCheckedPerPageBeforeDecoding) {
  // Page 2 gives its height twice: 65 535 rows first (what libtiff reads), 4 rows after. It once
  // took 18 s and 5 GB; now it is refused at once, naming the file and the limit.
  const auto tif = tiff_pages({{{256, 4}, {257, 4}}, {{256, 20000}, {257, 65535}, {257, 4}}});
  const auto start = std::chrono::steady_clock::now();
  expect_error<FormatError>([&] { ocr::ImageFile::from_bytes(tif, "two.tif").page(1); },
                            {"two.tif", "too large", "20000x65535", "30000x30000"});
  // The decoder checks the page it reads itself, whatever the probe saw.
  ocr::ImageLimits small;
  small.max_pixels = 1000;
  expect_error<FormatError>([&] { ocr::decode_tiff(tiff_pages({{{256, 4}, {257, 4}}, {{256, 100}, {257, 100}}}), 1, "p.tif", small); },
                            {"p.tif (page 2)", "too large", "1000 pixels"});
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
  EXPECT_EQ(ocr::ImageFile::from_bytes(tiff_pages({{{256, 4}, {257, 4}}}), "ok.tif").page(0).image.rows, 4);
}

TEST(ImageIo, PamHeadersThatOverflowAreRefused) {
  auto bytes = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  expect_error<FormatError>(
      [&] { ocr::ImageFile::from_bytes(bytes("P7\nWIDTH 999999999999999999\nHEIGHT 999999999999999999\nDEPTH 4\nMAXVAL 255\nENDHDR\n"), "o.pam"); },
      {"o.pam", "too large"});
  expect_error<FormatError>(
      [&] { ocr::ImageFile::from_bytes(bytes("P7\nWIDTH 4\nHEIGHT 4\nDEPTH 999999999999999999\nMAXVAL 255\nENDHDR\n"), "d.pam"); },
      {"d.pam", "DEPTH"});
  expect_error<FormatError>(
      [&] { ocr::decode_pnm(bytes("P7\nWIDTH 4000000\nHEIGHT 4000000\nDEPTH 4\nMAXVAL 255\nENDHDR\n"), "x.pam"); },
      {"x.pam", "too large"});
}

// Found by fuzz_image_bmp: a depth of 3 bits shifted by a negative amount (undefined behaviour).
TEST(ImageIo, BmpOfAnImpossibleDepthIsRefused) {
  std::vector<uint8_t> b(54 + 1024 + 16, 0);
  auto u32 = [&](size_t o, uint32_t v) { for (int k = 0; k < 4; ++k) b[o + size_t(k)] = uint8_t(v >> (8 * k)); };
  b[0] = 'B', b[1] = 'M';
  u32(2, uint32_t(b.size()));
  u32(10, 54 + 1024);  // pixel data after a full palette
  u32(14, 40);
  u32(18, 5), u32(22, 2);  // 5 x 2
  b[26] = 1, b[28] = 3;    // one plane, 3 bits per pixel
  expect_error<FormatError>([&] { ocr::ImageFile::from_bytes(b, "odd.bmp").page(0); }, {"odd.bmp", "unsupported BMP depth (3 bits)"});
}

TEST(ImageIo, ImageExtensions) {
  EXPECT_TRUE(ocr::has_image_extension("a/b/scan.PNG"));
  EXPECT_TRUE(ocr::has_image_extension("010001.bin.png"));
  EXPECT_TRUE(ocr::has_image_extension("x.tiff"));
  EXPECT_FALSE(ocr::has_image_extension("x.gt.txt"));
  EXPECT_FALSE(ocr::has_image_extension("dir.png/README"));
}
