// The project's decoders against OpenCV's (the reference implementation) on the same bytes,
// for every format and pixel layout the tests can write, and the encoders by round trip.
#include "ocr/image/codecs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/image/image_io.h"

namespace {

cv::Mat drawing(int w, int h, int type) {
  cv::Mat m(h, w, type, cv::Scalar::all(230));
  cv::putText(m, "Ab1 Qz", {3, h - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(20, 90, 160, 255), 2);
  cv::rectangle(m, {w - 15, 2}, {w - 3, 12}, cv::Scalar(200, 40, 10, 128), cv::FILLED);
  return m;
}

std::vector<uint8_t> encode(const std::string& ext, const cv::Mat& m, const std::vector<int>& params = {}) {
  std::vector<uint8_t> b;
  EXPECT_TRUE(cv::imencode(ext, m, b, params)) << ext;
  return b;
}

double max_diff(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return 1e9;
  cv::Mat d;
  cv::absdiff(a, b, d);
  double mx = 0;
  cv::minMaxLoc(d.reshape(1), nullptr, &mx);
  return mx;
}

}  // namespace

TEST(Codecs, LosslessFormatsDecodeExactlyLikeOpenCv) {
  struct Case {
    std::string ext;
    int type;
  };
  for (const auto& c : std::vector<Case>{{".png", CV_8UC1}, {".png", CV_8UC3}, {".png", CV_8UC4},
                                         {".tif", CV_8UC1}, {".tif", CV_8UC3}, {".bmp", CV_8UC1},
                                         {".bmp", CV_8UC3}, {".pgm", CV_8UC1}, {".ppm", CV_8UC3},
                                         {".pbm", CV_8UC1}}) {
    cv::Mat m = drawing(97, 41, c.type);
    if (c.ext == ".pbm") cv::threshold(m, m, 128, 255, cv::THRESH_BINARY);
    const auto bytes = encode(c.ext, m);
    const cv::Mat ref = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    const std::string name = "x" + c.ext;
    cv::Mat ours = c.ext == ".png"   ? ocr::decode_png(bytes, name)
                   : c.ext == ".tif" ? ocr::decode_tiff(bytes, 0, name)
                   : c.ext == ".bmp" ? ocr::decode_bmp(bytes, name)
                                     : ocr::decode_pnm(bytes, name);
    EXPECT_EQ(max_diff(ours, ref), 0) << c.ext << " type " << c.type;
  }
  // Lossless WebP (OpenCV decodes it to BGR: compare colour, and that we keep the size).
  const cv::Mat m = drawing(97, 41, CV_8UC3);
  const auto webp = encode(".webp", m, {cv::IMWRITE_WEBP_QUALITY, 101});
  EXPECT_EQ(max_diff(ocr::decode_webp(webp, "l.webp"), cv::imdecode(webp, cv::IMREAD_COLOR)), 0);
}

TEST(Codecs, SixteenBitPngAndTiffScaleToEightBits) {
  cv::Mat m16(12, 30, CV_16UC1);
  for (int y = 0; y < m16.rows; ++y)
    for (int x = 0; x < m16.cols; ++x) m16.at<uint16_t>(y, x) = static_cast<uint16_t>(x * 2200 + y * 7);
  for (const std::string ext : {".png", ".tif"}) {
    const auto bytes = encode(ext, m16);
    cv::Mat ref;
    cv::imdecode(bytes, cv::IMREAD_UNCHANGED).convertTo(ref, CV_8U, 1.0 / 257.0);
    cv::Mat ours = ext == ".png" ? ocr::decode_png(bytes, "a") : ocr::decode_tiff(bytes, 0, "a");
    ours = ocr::to_8bit(ours);
    EXPECT_LE(max_diff(ours, ref), 1) << ext;
  }
}

TEST(Codecs, LossyFormatsDecodeCloseToOpenCv) {
  for (int type : {CV_8UC1, CV_8UC3}) {
    const cv::Mat m = drawing(97, 41, type);
    const auto jpg = encode(".jpg", m, {cv::IMWRITE_JPEG_QUALITY, 85});
    EXPECT_LE(max_diff(ocr::decode_jpeg(jpg, "a.jpg"), cv::imdecode(jpg, cv::IMREAD_UNCHANGED)), 2) << type;
  }
  const cv::Mat m = drawing(97, 41, CV_8UC3);
  const auto webp = encode(".webp", m, {cv::IMWRITE_WEBP_QUALITY, 80});
  EXPECT_LE(max_diff(ocr::decode_webp(webp, "a.webp"), cv::imdecode(webp, cv::IMREAD_COLOR)), 2);
}

TEST(Codecs, JpegExifOrientationIsApplied) {
  // A portrait photo stored landscape with orientation 6 (rotate 90° clockwise to view).
  const cv::Mat m = drawing(60, 20, CV_8UC1);
  auto jpg = encode(".jpg", m, {cv::IMWRITE_JPEG_QUALITY, 95});
  // APP1 Exif, big-endian TIFF, IFD0 with one entry: 0x0112 SHORT 1 = 6.
  const uint8_t exif[] = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
                          0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};
  jpg.insert(jpg.begin() + 2, std::begin(exif), std::end(exif));
  const cv::Mat ours = ocr::decode_jpeg(jpg, "p.jpg");
  EXPECT_EQ(ours.cols, 20);
  EXPECT_EQ(ours.rows, 60);
  const cv::Mat ref = cv::imdecode(jpg, cv::IMREAD_GRAYSCALE);  // OpenCV applies it too
  EXPECT_LE(max_diff(ours, ref), 2);
}

TEST(Codecs, MultiPageTiffFromBytes) {
  std::vector<cv::Mat> pages = {drawing(40, 20, CV_8UC1), drawing(50, 30, CV_8UC3), drawing(60, 40, CV_8UC1)};
  const std::string path = "/tmp/ocr-codecs-test-" + std::to_string(::getpid()) + ".tif";
  ASSERT_TRUE(cv::imwrite(path, pages));
  const std::vector<uint8_t> bytes = ocr::read_file_bytes(path);
  std::remove(path.c_str());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ocr::decode_tiff(bytes, i, "m.tif").cols, pages[size_t(i)].cols);
  EXPECT_THROW(ocr::decode_tiff(bytes, 3, "m.tif"), ocr::FormatError);
}

TEST(Codecs, CorruptDataIsAFormatErrorNamingTheFile) {
  const cv::Mat m = drawing(97, 41, CV_8UC3);
  for (const std::string ext : {".png", ".jpg", ".tif", ".webp", ".bmp", ".ppm"}) {
    auto bytes = encode(ext, m);
    bytes.resize(bytes.size() / 2);
    for (size_t i = 60; i < bytes.size(); i += 7) bytes[i] ^= 0x5A;
    try {
      const cv::Mat d = ext == ".png"   ? ocr::decode_png(bytes, "bad" + ext)
                        : ext == ".jpg" ? ocr::decode_jpeg(bytes, "bad" + ext)
                        : ext == ".tif" ? ocr::decode_tiff(bytes, 0, "bad" + ext)
                        : ext == ".webp" ? ocr::decode_webp(bytes, "bad" + ext)
                        : ext == ".bmp" ? ocr::decode_bmp(bytes, "bad" + ext)
                                        : ocr::decode_pnm(bytes, "bad" + ext);
      // libjpeg fills a cut stream with grey rather than failing; the probe reports those.
      EXPECT_TRUE(ext == ".jpg") << ext << " decoded " << d.cols << "x" << d.rows;
    } catch (const ocr::FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("bad" + ext), std::string::npos) << e.what();
    }
  }
}

TEST(Codecs, EncodersRoundTrip) {
  const cv::Mat g = drawing(97, 41, CV_8UC1), c = drawing(97, 41, CV_8UC3);
  EXPECT_EQ(max_diff(cv::imdecode(ocr::encode_png(g), cv::IMREAD_UNCHANGED), g), 0);
  EXPECT_EQ(max_diff(cv::imdecode(ocr::encode_png(c), cv::IMREAD_UNCHANGED), c), 0);
  const cv::Mat j = ocr::decode_jpeg(ocr::encode_jpeg(g, 90), "j");
  EXPECT_LE(cv::norm(j, g, cv::NORM_L1) / double(g.total()), 3.0);
  EXPECT_GT(ocr::encode_jpeg(g, 95).size(), ocr::encode_jpeg(g, 20).size());
}
