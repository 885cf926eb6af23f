// ocr recognize (first form): each input is one text line; prints its text.
#include <iostream>
#include <opencv2/imgproc.hpp>

#include "cli/commands.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"
#include "ocr/image/image_io.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/line_recognizer.h"

namespace ocr::cli {

namespace {
struct RecognizeOptions {
  std::vector<std::string> inputs;
  std::string model;
  std::string layout = "line";
  int threads = 0;
};
}  // namespace

void add_recognize_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<RecognizeOptions>();
  auto* cmd = app.add_subcommand("recognize", "read the text of images");
  cmd->add_option("IMAGE", opt->inputs, "images (each a single text line)")->required();
  cmd->add_option("-m,--model", opt->model, "model file (default: the shipped model)");
  cmd->add_option("--layout", opt->layout, "layout analysis")->check(CLI::IsMember({"line"}));
  cmd->add_option("--threads", opt->threads, "threads (default: all cores)");
  cmd->callback([opt, &ctx] {
    set_thread_count(opt->threads);
    auto model = Model::load(opt->model.empty() ? default_model_path() : opt->model);
    LineRecognizer rec(model);
    int failed = 0;
    for (const auto& path : opt->inputs) {
      try {
        for (const auto& page : load_image(path)) {
          cv::Mat grey = page.image;
          if (grey.channels() == 3) cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);
          std::cout << rec.recognize(grey).text << "\n";
        }
      } catch (const Error& e) {
        log::error("{}", e.what());
        ++failed;
      }
    }
    ctx.exit_code = failed ? 1 : 0;
  });
}

}  // namespace ocr::cli
