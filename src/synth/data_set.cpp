#include "ocr/synth/data_set.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/log.h"
#include "ocr/image/codecs.h"

namespace ocr::synth {

namespace fs = std::filesystem;

std::string item_stem(long i, long count) {
  const int width = std::max<int>(6, static_cast<int>(std::to_string(count).size()));
  std::ostringstream stem;
  stem << std::setw(width) << std::setfill('0') << i;
  return stem.str();
}

void write_line_set(LineGenerator& gen, const std::string& dir, long count) {
  fs::create_directories(dir);
  for (long i = 1; i <= count; ++i) {
    LineSample s = gen.next();
    const std::string base = (fs::path(dir) / item_stem(i, count)).string();
    const std::vector<uint8_t> png = encode_png(s.image);
    write_file_atomic(base + ".png", png.data(), png.size());
    const std::string gt = s.text + "\n";
    write_file_atomic(base + ".gt.txt", gt.data(), gt.size());
    if (i % 1000 == 0) log::info("synth: {} of {} lines", i, count);
  }
}

void write_page_set(PageGenerator& gen, const std::string& dir, long count) {
  fs::create_directories(dir);
  for (long i = 1; i <= count; ++i) {
    SyntheticPage page = gen.next();
    const std::string stem = item_stem(i, count);
    const std::string base = (fs::path(dir) / stem).string();
    const std::vector<uint8_t> png = encode_png(page.image), core = encode_png(page.core);
    write_file_atomic(base + ".png", png.data(), png.size());
    write_file_atomic(base + ".core.png", core.data(), core.size());
    write_page_xml(page, stem + ".png", base + ".xml");
    log::info("synth: page {} ({}, {} lines)", stem, page.kind, page.lines.size());
  }
}

std::vector<LineStats> measure_line_folder(const std::string& dir) {
  if (!fs::is_directory(dir)) throw IoError("not a directory: " + dir);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".png" || ext == ".jpg" || ext == ".tif") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<LineStats> out;
  for (const auto& f : files) {
    LineStats s;
    if (measure_line(read_gray(f.string()), &s)) out.push_back(s);
  }
  return out;
}

}  // namespace ocr::synth
