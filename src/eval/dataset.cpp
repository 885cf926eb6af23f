#include "ocr/eval/dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/utf8.h"
#include "ocr/eval/xml_gt.h"

namespace fs = std::filesystem;

namespace ocr {

namespace {

// Image extensions in order of preference when one stem has several images (the plain scan
// before its binarized or normalised derivatives).
const char* const kImageExts[] = {".png", ".bin.png", ".nrm.png", ".tif", ".tiff", ".jpg", ".jpeg"};
constexpr const char* kGtSuffix = ".gt.txt";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Rank of an image name by kImageExts (lower is preferred); other image names rank last.
int image_rank(const std::string& name) {
  const std::string l = lower(name);
  const std::string rest = l.substr(std::min(l.size(), path_stem(l).size()));
  for (size_t i = 0; i < std::size(kImageExts); ++i)
    if (rest == kImageExts[i]) return static_cast<int>(i);
  return static_cast<int>(std::size(kImageExts));
}

std::string gt_path_for(const fs::path& image) {
  return (image.parent_path() / (path_stem(image.string()) + kGtSuffix)).string();
}

void note(std::vector<std::string>* problems, std::string msg) {
  if (problems) problems->push_back(std::move(msg));
}

// Reads the ground truth for image; false (with a problem noted) when missing, empty or bad.
bool load_pair(const std::string& image, const std::string& gt, std::vector<GtPair>& out,
               std::vector<std::string>* problems) {
  std::error_code ec;
  if (!fs::is_regular_file(gt, ec)) {
    note(problems, "no ground truth " + gt + " for image " + image);
    return false;
  }
  try {
    std::string text = read_line_text(gt);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
      note(problems, "empty ground truth " + gt);
      return false;
    }
    out.push_back({image, gt, std::move(text)});
    return true;
  } catch (const Error& e) {
    note(problems, e.what());
    return false;
  }
}

std::vector<GtPair> scan_directory(const fs::path& dir, std::vector<std::string>* problems) {
  std::map<std::string, std::string> best_image;  // stem → image path
  std::map<std::string, std::string> gts;         // stem → gt path
  std::vector<std::string> xmls;                  // PAGE/ALTO transcriptions
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) throw IoError("cannot read directory " + dir.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw IoError("cannot read directory " + dir.string() + ": " + ec.message());
    const std::string name = it->path().filename().string();
    if (!it->is_regular_file(ec)) continue;
    const std::string stem = path_stem(name);
    if (is_xml_gt(name)) {
      xmls.push_back(it->path().string());
    } else if (ends_with(lower(name), kGtSuffix) && name.size() == stem.size() + 7) {
      gts[stem] = it->path().string();
    } else if (is_line_image(name)) {
      auto [pos, fresh] = best_image.emplace(stem, it->path().string());
      if (!fresh && image_rank(name) < image_rank(fs::path(pos->second).filename().string()))
        pos->second = it->path().string();
    }
  }
  std::vector<GtPair> pairs;
  std::sort(xmls.begin(), xmls.end());
  std::set<std::string> page_images;  // transcribed by an XML: not orphans for want of a .gt.txt
  for (const auto& x : xmls) {
    for (GtPair& g : read_xml_gt(x, problems)) {
      page_images.insert(fs::weakly_canonical(g.image, ec).string());
      pairs.push_back(std::move(g));
    }
  }
  for (const auto& [stem, image] : best_image) {
    auto g = gts.find(stem);
    if (g == gts.end() && page_images.count(fs::weakly_canonical(image, ec).string())) continue;
    load_pair(image, g != gts.end() ? g->second : gt_path_for(image), pairs, problems);
  }
  for (const auto& [stem, gt] : gts)
    if (!best_image.count(stem)) note(problems, "no image for ground truth " + gt);
  return pairs;
}

std::vector<GtPair> read_list(const fs::path& list, std::vector<std::string>* problems) {
  std::ifstream in(list);
  if (!in) throw IoError("cannot read list file " + list.string());
  std::vector<GtPair> pairs;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    while (!line.empty() && (line.back() == '\r' || std::isspace(static_cast<unsigned char>(line.back()))))
      line.pop_back();
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    std::error_code ec;
    fs::path p = line;
    if (p.is_relative() && !fs::exists(p, ec) && fs::exists(list.parent_path() / p, ec))
      p = list.parent_path() / p;
    const std::string where = list.string() + ":" + std::to_string(number);
    if (is_xml_gt(p.string())) {
      if (!fs::is_regular_file(p, ec)) {
        note(problems, where + ": no such file " + line);
        continue;
      }
      for (GtPair& g : read_xml_gt(p.string(), problems)) pairs.push_back(std::move(g));
      continue;
    }
    if (ends_with(lower(p.filename().string()), kGtSuffix)) {
      // A ground-truth path: pair it with the preferred image beside it.
      const std::string stem = path_stem(p.string());
      std::string image;
      for (const char* ext : kImageExts) {
        const fs::path cand = p.parent_path() / (stem + ext);
        if (fs::is_regular_file(cand, ec)) {
          image = cand.string();
          break;
        }
      }
      if (image.empty()) {
        note(problems, where + ": no image for ground truth " + p.string());
        continue;
      }
      load_pair(image, p.string(), pairs, problems);
      continue;
    }
    if (!fs::is_regular_file(p, ec)) {
      note(problems, where + ": no such image " + line);
      continue;
    }
    load_pair(p.string(), gt_path_for(p), pairs, problems);
  }
  return pairs;
}

}  // namespace

std::string path_stem(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.substr(0, name.find('.'));
}

bool is_line_image(const std::string& path) {
  const std::string l = lower(fs::path(path).filename().string());
  for (const char* ext : {".png", ".tif", ".tiff", ".jpg", ".jpeg"})
    if (ends_with(l, ext) && l.size() > std::char_traits<char>::length(ext)) return true;
  return false;
}

std::string read_line_text(const std::string& path) {
  // One line's text: a megabyte is thousands of lines' worth; a bigger file is not a transcription.
  std::string text = read_file(path, 1 << 20);
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (!utf8_valid(text)) throw FormatError(path + ": not valid UTF-8");
  return text;
}

std::vector<std::string> prediction_candidates(const std::string& pred_dir,
                                               const std::string& image) {
  const std::string stem = path_stem(image);
  const fs::path dir(pred_dir);
  std::vector<std::string> out = {(dir / (stem + ".txt")).string(),
                                  (dir / (stem + ".pred.txt")).string()};
  // `ocr recognize --output-dir` replaces only the last extension: x.bin.png → x.bin.txt.
  const std::string own = (dir / fs::path(image).filename().replace_extension(".txt")).string();
  if (own != out[0]) out.push_back(own);
  return out;
}

std::string find_prediction(const std::string& pred_dir, const std::string& image) {
  std::error_code ec;
  for (const auto& p : prediction_candidates(pred_dir, image))
    if (fs::is_regular_file(p, ec)) return p;
  return "";
}

std::vector<GtPair> find_gt_pairs(const std::string& dir_or_list,
                                  std::vector<std::string>* problems) {
  std::error_code ec;
  const fs::path p(dir_or_list);
  std::vector<GtPair> pairs;
  if (fs::is_directory(p, ec)) {
    pairs = scan_directory(p, problems);
  } else if (fs::is_regular_file(p, ec) && is_xml_gt(dir_or_list)) {
    pairs = read_xml_gt(dir_or_list, problems);
  } else if (fs::is_regular_file(p, ec)) {
    pairs = read_list(p, problems);
  } else {
    throw IoError("no such directory or list file: " + dir_or_list);
  }
  // Stable: the lines of one page image stay in document order.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const GtPair& a, const GtPair& b) { return a.image < b.image; });
  return pairs;
}

}  // namespace ocr
