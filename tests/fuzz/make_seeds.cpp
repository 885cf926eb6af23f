// Writes the binary seed files of tests/fuzz/corpus (images, model payloads, LMs), so they are
// made by this code and can be remade: build with -DOCR_FUZZ=ON, run `make_fuzz_seeds DIR`.
// The text seeds (ARPA, lists, XML, specs) are written by hand in the corpus folders.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/ctc/arpa.h"
#include "ocr/ctc/ngram_lm.h"
#include "ocr/model/model.h"

namespace fs = std::filesystem;

namespace {

void put(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
std::string encode(const std::string& ext, const cv::Mat& m, const std::vector<int>& params = {}) {
  std::vector<uint8_t> b;
  cv::imencode(ext, m, b, params);
  return std::string(b.begin(), b.end());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_fuzz_seeds CORPUS_DIR\n";
    return 2;
  }
  const fs::path dir = argv[1], tmp = fs::temp_directory_path() / "ocr-fuzz-seeds";
  fs::create_directories(tmp);
  cv::Mat grey(12, 20, CV_8UC1, cv::Scalar(230)), colour(9, 7, CV_8UC3, cv::Scalar(20, 120, 220));
  cv::putText(grey, "ab", {1, 10}, cv::FONT_HERSHEY_PLAIN, 0.7, 0);
  cv::Mat alpha(6, 5, CV_8UC4, cv::Scalar(10, 200, 30, 128));
  cv::Mat wide(5, 6, CV_16UC1, cv::Scalar(40000));
  put(dir / "image_png/grey.png", encode(".png", grey));
  put(dir / "image_png/rgba.png", encode(".png", alpha));
  put(dir / "image_png/16bit.png", encode(".png", wide));
  put(dir / "image_jpeg/grey.jpg", encode(".jpg", grey));
  put(dir / "image_jpeg/colour.jpg", encode(".jpg", colour, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  put(dir / "image_tiff/grey.tif", encode(".tif", grey));
  put(dir / "image_tiff/colour.tif", encode(".tif", colour, {cv::IMWRITE_TIFF_COMPRESSION, 1}));
  cv::imwritemulti((tmp / "multi.tif").string(), std::vector<cv::Mat>{grey, colour, wide});
  put(dir / "image_tiff/multi.tif", slurp(tmp / "multi.tif"));
  put(dir / "image_bmp/grey.bmp", encode(".bmp", grey));
  put(dir / "image_bmp/colour.bmp", encode(".bmp", colour));
  put(dir / "image_pnm/grey.pgm", encode(".pgm", grey));
  put(dir / "image_pnm/colour.ppm", encode(".ppm", colour));
  put(dir / "image_pnm/plain.pgm", "P2\n3 2\n255\n0 128 255\n# c\n1 2 3\n");
  put(dir / "image_pnm/bits.pbm", std::string("P4\n9 2\n") + std::string("\xff\x80\x01\x00", 4));
  put(dir / "image_pnm/rgba.pam", "P7\nWIDTH 2\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n"
                                  "\x10\x20\x30\x40\x50\x60\x70\x80");
  put(dir / "image_webp/lossy.webp", encode(".webp", colour, {cv::IMWRITE_WEBP_QUALITY, 50}));
  put(dir / "image_webp/lossless.webp", encode(".webp", grey, {cv::IMWRITE_WEBP_QUALITY, 101}));

  // Model payloads: the file without its 20-byte header and 4-byte checksum (fuzz_model adds them).
  auto payload = [&](const ocr::Model& m, const std::string& name) {
    m.save((tmp / name).string());
    const std::string f = slurp(tmp / name);
    put(dir / "model" / name, f.substr(20, f.size() - 24));
  };
  payload(ocr::Model("C3,3,2 Mp2,2 Col Lbx3 O", ocr::Alphabet(U"ab "), 8, 1), "recognizer.ocrm");
  payload(ocr::Model("C3,3,2 Bn Relu R2 Se2 Col Fc3 Gfx2 O", ocr::Alphabet(U"xy"), 8, 2), "layers.ocrm");
  payload(ocr::Model("C3,3,2 Cd3,3,2,2 Om1", 8, 3), "detector.ocrm");

  // LMs: the header's fields after the magic, then the payload (fuzz_lm fills size and checksum).
  ocr::NgramBuildOptions opt;
  opt.order = 3;
  const ocr::NgramLm lm = ocr::NgramLm::build({U"the cat sat", U"a dog", U"12 cats"}, opt);
  lm.save((tmp / "m.lm").string());
  const std::string f = slurp(tmp / "m.lm");
  put(dir / "lm/char3.lm", f.substr(8, 24) + f.substr(48));
  ocr::write_arpa(lm, (dir / "arpa/char3.arpa").string());
  fs::remove_all(tmp);
  return 0;
}
