#include "ocr/train/data_check.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/utf8.h"
#include "ocr/ctc/ctc_loss.h"
#include "ocr/eval/dataset.h"
#include "ocr/model/model.h"
#include "ocr/nn/network.h"
#include "ocr/pipeline/model_search.h"
#include "ocr/train/line_source.h"
#include "ocr/train/trainer.h"
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

std::vector<std::pair<char32_t, int64_t>> chars_by_count(const DataCheckReport& report) {
  std::vector<std::pair<char32_t, int64_t>> out(report.char_counts.begin(), report.char_counts.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

bool TrainingDataCheck::would_skip() const {
  for (const auto& s : sets)
    if (!s.report.problems.empty() || s.report.usable == 0) return true;
  return false;
}

TrainingDataCheck check_training_config(const TrainConfig& cfg,
                                        const std::function<void(const CheckedSet&)>& on_set) {
  if (cfg.train == "synth") throw Error("--check reads labelled lines; --train synth has nothing to check");
  DataCheckOptions opt;
  opt.spec = cfg.spec;
  opt.input_height = cfg.input_height;
  std::shared_ptr<Model> init;
  if (!cfg.init.empty()) {
    init = Model::load(resolve_model(cfg.init));
    opt.spec = init->spec();
    opt.input_height = init->input_height();
    opt.init_alphabet = &init->alphabet();
  }
  TrainingDataCheck check;
  check.with_init = init != nullptr;
  std::vector<std::string> sets = {cfg.train};
  if (!cfg.val.empty()) sets.push_back(cfg.val);
  for (const auto& set : sets) {
    check.sets.push_back({set, check_training_data(set, opt)});
    if (on_set) on_set(check.sets.back());
  }
  return check;
}

}  // namespace ocr
