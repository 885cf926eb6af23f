#include "ocr/pipeline/gt_recognition.h"

#include <algorithm>
#include <map>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/eval/gt_image.h"

namespace ocr {

size_t recognize_gt_pairs(const PageRecognizer& pages, const std::vector<GtPair>& pairs,
                          const GtRecognitionOptions& options, EvalAccumulator& acc,
                          std::vector<std::string>& problems) {
  const size_t chunk_size = std::max<size_t>(1, options.chunk);
  size_t added = 0;
  std::map<std::string, size_t> chosen;  // "scene: model" → lines, under --engines auto
  GtImageReader gt_images;
  for (size_t begin = 0; begin < pairs.size(); begin += chunk_size) {
    std::vector<cv::Mat> images;
    std::vector<const GtPair*> chunk;
    for (size_t i = begin; i < std::min(pairs.size(), begin + chunk_size); ++i) {
      try {
        cv::Mat grey = gt_images.read(pairs[i]).image;
        if (options.raw && grey.channels() == 3) cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);
        images.push_back(grey);
        chunk.push_back(&pairs[i]);
      } catch (const Error& e) {
        problems.push_back(e.what());
        log::warn("{}", e.what());
      }
    }
    if (images.empty()) continue;
    std::vector<std::string> texts, errors(images.size());
    if (options.raw) {
      for (auto& line : pages.reader()(images)) texts.push_back(std::move(line.text));
    } else {
      std::vector<PageOutcome> outcomes = pages.recognize_pages(
          int(images.size()),
          [&](int k) { return std::optional<PageSource>(PageSource{images[size_t(k)], chunk[size_t(k)]->name()}); },
          options.threads);
      for (size_t k = 0; k < outcomes.size(); ++k) {
        texts.push_back(outcomes[k].result ? outcomes[k].result->text() : std::string());
        if (!outcomes[k].result) errors[k] = outcomes[k].error;
        else if (!outcomes[k].result->scene.empty() && !outcomes[k].result->models.empty())
          ++chosen[outcomes[k].result->scene + ": " + outcomes[k].result->models.front()];
      }
    }
    for (size_t i = 0; i < texts.size(); ++i) {
      if (!errors[i].empty()) {
        problems.push_back(errors[i]);
        log::warn("{}", errors[i]);
        continue;
      }
      acc.add(chunk[i]->name(), chunk[i]->text, texts[i]);
      ++added;
    }
  }
  for (const auto& [choice, lines] : chosen) log::info("{} lines {}", lines, choice);
  return added;
}

}  // namespace ocr
