// ocr eval: CER / WER of the recognizer (or of existing predictions) against line ground truth.
#include <algorithm>
#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "cli/recognition_options.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"
#include "ocr/eval/dataset.h"
#include "ocr/eval/metrics.h"
#include "ocr/eval/report.h"
#include "ocr/pipeline/gt_recognition.h"

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

// The text `ocr recognize` would write for each image: page preprocessing and layout (a line by
// default), then one pooled call of the line reader, as in a batch run.
void recognize_pairs(const EvalOptions& opt, const std::vector<GtPair>& pairs, EvalAccumulator& acc,
                     std::vector<std::string>& problems) {
  set_thread_count(opt.threads);
  const Reader reader = make_reader(opt.read);
  std::string models;
  for (const auto& path : reader.model_paths) models += (models.empty() ? "" : " + ") + path;
  if (reader.scenes) models = "the models their scenes call for (--engines auto; default " + models + ")";
  log::info("recognizing {} lines with {} ({}, {} decoder)", pairs.size(), models,
            opt.raw ? "raw images" : "layout " + opt.read.layout, opt.read.decoder);
  const auto start = std::chrono::steady_clock::now();
  GtRecognitionOptions ro;
  ro.raw = opt.raw;
  ro.threads = thread_count();
  const size_t added = recognize_gt_pairs(*reader.pages, pairs, ro, acc, problems);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (added) log::info("{} lines in {:.2f} s ({:.1f} lines/s, images read included)", added, secs,
                       added / std::max(secs, 1e-9));
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
