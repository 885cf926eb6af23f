// List files: of line images and transcriptions (`ocr eval --gt LIST`, `ocr train --train
// LIST`) and of inputs (`ocr recognize @LIST`). A folder beside the list holds a line image with
// its ground truth and a PAGE file, so listed names can resolve.
#include <opencv2/core.hpp>

#include "fuzz_common.h"
#include "ocr/eval/dataset.h"
#include "ocr/image/codecs.h"
#include "ocr/pipeline/batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool files = [] {
    const std::vector<uint8_t> png = ocr::encode_png(cv::Mat(20, 40, CV_8UC1, cv::Scalar(200)));
    ocr::fuzz::put("a.png", png.data(), png.size());
    ocr::fuzz::put("a.gt.txt", "a line\n");
    ocr::fuzz::put("p.png", png.data(), png.size());
    ocr::fuzz::put("p.xml", R"(<PcGts><Page imageFilename="p.png"><TextLine id="l"><Coords points="1,1 30,1 30,15 1,15"/>)"
                            R"(<TextEquiv><Unicode>x</Unicode></TextEquiv></TextLine></Page></PcGts>)");
    // Relative names resolve inside the work folder, not wherever the fuzzer was started (give
    // libFuzzer absolute corpus and artifact paths, as run.sh does).
    std::filesystem::current_path(ocr::fuzz::work_dir());
    return true;
  }();
  (void)files;
  // Lines that reach out of the fuzzer's folder (absolute, or through ..) are dropped: `/*/*/*/*`
  // in a list makes `ocr` read 40 000 folders of this machine, which is what such a list asks
  // for (4 s here, 13 s under ASan: libFuzzer's timeout), not a fault of the list reader.
  std::string text(reinterpret_cast<const char*>(data), size), kept;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const size_t first = line.find_first_not_of(" \t@");
    const bool outside = (first != std::string::npos && line[first] == '/') || line.find("..") != std::string::npos;
    if (!outside) kept += line + "\n";
    start = end + 1;
  }
  const std::string path = ocr::fuzz::put("list.txt", kept);
  std::vector<std::string> problems;
  try {
    ocr::find_gt_pairs(path, &problems);
  } catch (const ocr::Error&) {
  }
  std::vector<std::string> errors;
  try {
    ocr::expand_inputs({"@" + path}, false, "", errors);
  } catch (const ocr::Error&) {
  }
  return 0;
}
