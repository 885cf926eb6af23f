// PAGE XML and ALTO ground truth as `ocr eval --gt` and `ocr train` read them: parsed, and each
// line cut out of a small page image beside the file (the crop runs on hostile outlines too).
#include <opencv2/core.hpp>

#include "fuzz_common.h"
#include "ocr/eval/gt_image.h"
#include "ocr/eval/xml_gt.h"
#include "ocr/image/codecs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool page = [] {  // the image every file finds by its stem (x.xml -> x.png)
    const std::vector<uint8_t> png = ocr::encode_png(cv::Mat(60, 80, CV_8UC1, cv::Scalar(200)));
    ocr::fuzz::put("x.png", png.data(), png.size());
    return true;
  }();
  (void)page;
  const std::string path = ocr::fuzz::put("x.xml", data, size);
  std::vector<std::string> problems;
  const std::vector<ocr::GtPair> pairs = ocr::read_xml_gt(path, &problems);
  ocr::GtImageReader reader;
  for (size_t i = 0; i < pairs.size() && i < 16; ++i) {
    try {
      reader.read(pairs[i]);
    } catch (const ocr::Error&) {
    }
  }
  return 0;
}
