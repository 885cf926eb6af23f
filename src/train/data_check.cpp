#include "ocr/train/data_check.h"

#include <functional>
#include <string_view>
#include <unordered_map>

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/ctc_loss.h"
#include "ocr/eval/dataset.h"
#include "ocr/nn/network.h"
#include "ocr/train/line_source.h"
#include "ocr/segment/line_normalizer.h"

namespace ocr {

DataCheckReport check_training_data(const std::string& dir_or_list, const DataCheckOptions& opt) {
  DataCheckReport r;
  std::vector<GtPair> pairs = find_gt_pairs(dir_or_list, &r.problems);
  r.entries = int64_t(pairs.size() + r.problems.size());
  const int divisor = Network(opt.spec, opt.input_height, 2).width_divisor();
  LineNormalization norm;
  norm.height = opt.input_height;
  // Every ground-truth character, so encoding never fails here: what the alphabet lacks is
  // reported as new characters instead.
  std::vector<std::string> texts;
  for (const auto& p : pairs) texts.push_back(p.text);
  const Alphabet data_alphabet = Alphabet::from_texts(texts);
  GtImageReader page_reader;
  std::unordered_map<size_t, size_t> seen;  // content hash -> first pair with that image
  // A line image file is read once: hashed for the duplicate check, then decoded.
  auto read_line_file = [&](size_t i) {
    const GtPair& p = pairs[i];
    std::vector<uint8_t> bytes = read_file_data(p.image);
    const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    auto [it, fresh] = seen.emplace(std::hash<std::string_view>()(view), i);
    auto same_bytes = [&](const std::string& path) {  // on a hash match only
      try {
        return read_file_data(path) == bytes;
      } catch (const Error&) {
        return false;
      }
    };
    if (!fresh && !bytes.empty() && same_bytes(pairs[it->second].image)) {
      const GtPair& first = pairs[it->second];
      r.warnings.push_back(p.image + ": the same image as " + first.image +
                           (first.text == p.text ? "" : ", with another ground truth ('" + first.text + "')"));
    }
    return read_training_line(std::move(bytes), p.image);
  };
  for (size_t i = 0; i < pairs.size(); ++i) {
    const GtPair& p = pairs[i];
    cv::Mat line;
    try {
      // Lines of one page share its image: no duplicate-file check for them.
      line = p.is_region() ? read_training_line(p, page_reader) : read_line_file(i);
    } catch (const Error& e) {
      r.problems.push_back(e.what());
      continue;
    }
    const std::vector<int> labels = data_alphabet.encode(p.text);
    const int frames = int(normalize_line(line, norm).cols()) / divisor;
    if (frames < ctc_min_frames(labels)) {
      r.problems.push_back(p.name() + ": too narrow for its text (" + std::to_string(frames) + " frames for " +
                           std::to_string(labels.size()) + " characters)");
      continue;
    }
    const std::u32string text = utf8_decode(p.text);
    if (text.front() == U' ' || text.back() == U' ' || text.find(U"  ") != std::u32string::npos ||
        text.find(U'\t') != std::u32string::npos)
      r.warnings.push_back((p.is_region() ? p.name() : p.gt_path) + ": leading, trailing, doubled spaces or tabs (the network learns them as written)");
    ++r.usable;
    r.characters += int64_t(text.size());
    for (char32_t c : text) ++r.char_counts[c];
  }
  if (opt.init_alphabet) {
    for (const auto& [c, n] : r.char_counts)
      if (opt.init_alphabet->chars().find(c) == std::u32string::npos) r.new_chars += c;
  }
  return r;
}

}  // namespace ocr
