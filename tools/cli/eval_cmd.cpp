// ocr eval: CER / WER of the recognizer (or of existing predictions) against line ground truth.
#include <chrono>
#include <iostream>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/recognition_options.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"
#include "ocr/eval/dataset.h"
#include "ocr/eval/gt_image.h"
#include "ocr/eval/metrics.h"
#include "ocr/eval/report.h"
#include "ocr/image/image_io.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/line_recognizer.h"

namespace ocr::cli {

namespace {

struct EvalOptions {
  std::string gt;
  std::string pred;
  RecognitionOptions read;
  bool raw = false;
  bool fold = false;
  bool ignore_case = false;
  bool ignore_spaces = false;
  bool json = false;
  int threads = 0;
  size_t worst = 10;
  size_t confusions = 20;
};

// Lines are read and recognised in chunks, so memory stays bounded on large sets while the
// recognizer still gets batches to sort by width and spread over the threads.
constexpr size_t kChunk = 64;

// The text `ocr recognize` would write for each image: page preprocessing and layout (a line by
// default), then one pooled call of the line reader, as in a batch run.
size_t recognize_pairs(const EvalOptions& opt, const std::vector<GtPair>& pairs,
                       EvalAccumulator& acc, std::vector<std::string>& problems) {
  set_thread_count(opt.threads);
  const Reader reader = make_reader(opt.read);
  std::string models;
  for (const auto& path : reader.model_paths) models += (models.empty() ? "" : " + ") + path;
  log::info("recognizing {} lines with {} ({}, {} decoder)", pairs.size(), models,
            opt.raw ? "raw images" : "layout " + opt.read.layout, opt.read.decoder);

  const auto start = std::chrono::steady_clock::now();
  size_t added = 0;
  GtImageReader gt_images;
  for (size_t begin = 0; begin < pairs.size(); begin += kChunk) {
    std::vector<cv::Mat> images;
    std::vector<const GtPair*> chunk;
    for (size_t i = begin; i < std::min(pairs.size(), begin + kChunk); ++i) {
      try {
        cv::Mat grey = gt_images.read(pairs[i]).image;
        if (opt.raw && grey.channels() == 3) cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);
        images.push_back(grey);
        chunk.push_back(&pairs[i]);
      } catch (const Error& e) {
        problems.push_back(e.what());
        log::warn("{}", e.what());
      }
    }
    if (images.empty()) continue;
    std::vector<std::string> texts, errors(images.size());
    if (opt.raw) {
      for (auto& line : reader.lines->recognize(images)) texts.push_back(std::move(line.text));
    } else {
      std::vector<PageOutcome> pages = reader.pages->recognize_pages(
          int(images.size()),
          [&](int k) { return std::optional<PageSource>(PageSource{images[size_t(k)], chunk[size_t(k)]->name()}); },
          thread_count());
      for (size_t k = 0; k < pages.size(); ++k) {
        texts.push_back(pages[k].result ? pages[k].result->text() : std::string());
        if (!pages[k].result) errors[k] = pages[k].error;
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
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (added) log::info("{} lines in {:.2f} s ({:.1f} lines/s, images read included)", added, secs,
                       added / std::max(secs, 1e-9));
  return added;
}

}  // namespace

void add_eval_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand(
      "eval", "character and word error rates against ground truth (STEM.gt.txt beside each line)");
  cmd->add_option("--gt", opt->gt, "line images with STEM.gt.txt, or PAGE/ALTO XML with page images: a directory, an XML "
                  "file or a list file")
      ->required();
  add_recognition_options(cmd, opt->read);
  opt->read.layout = "line";  // ground truth is one line per image
  cmd->get_option("--layout")->default_str("line");
  cmd->add_flag("--raw", opt->raw,
                "feed each image straight to the network: no page preprocessing or layout (what "
                "training validation sees)");
  cmd->add_option("--pred", opt->pred,
                  "compare existing outputs DIR/STEM.txt (or STEM.pred.txt) instead of recognizing")
      ->excludes(cmd->get_option("--model"))
      ->excludes(cmd->get_option("--raw"));
  cmd->add_flag("--fold", opt->fold, "fold quote and dash styles (“ ” `` '' → \", ‘ ’ → ', – — → -)");
  cmd->add_flag("--ignore-case", opt->ignore_case, "compare case-insensitively");
  cmd->add_flag("--ignore-spaces", opt->ignore_spaces,
                "remove all whitespace before comparing (ground truth written without spaces; WER is then meaningless)");
  cmd->add_option("--threads", opt->threads, "threads (default: all cores)");
  cmd->add_option("--worst", opt->worst, "number of worst lines to list")->capture_default_str();
  cmd->add_option("--confusions", opt->confusions, "rows of the confusion table")
      ->capture_default_str();
  cmd->add_flag("--json", opt->json, "print the report as JSON");
  cmd->callback([opt, &ctx] {
    std::vector<std::string> problems;
    const std::vector<GtPair> pairs = find_gt_pairs(opt->gt, &problems);
    for (const auto& p : problems) log::warn("{}", p);
    EvalAccumulator acc(NormalizeOptions{opt->fold, opt->ignore_case, opt->ignore_spaces});
    if (!opt->pred.empty()) {
      const size_t before = problems.size();
      evaluate_predictions(pairs, opt->pred, acc, &problems);
      for (size_t i = before; i < problems.size(); ++i) log::warn("{}", problems[i]);
    } else if (!pairs.empty()) {
      recognize_pairs(*opt, pairs, acc, problems);
    }
    const ReportOptions ropt{opt->worst, opt->confusions};
    std::cout << (opt->json ? format_report_json(acc, problems, ropt)
                            : format_report(acc, problems.size(), ropt));
    if (acc.lines().empty()) {
      log::error("nothing to evaluate in {}", opt->gt);
      ctx.exit_code = 1;
    } else {
      ctx.exit_code = 0;
    }
  });
}

}  // namespace ocr::cli
