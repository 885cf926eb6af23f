// ocr models: the models `-l NAME` can find, where they are and what they are.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/model_search.h"

namespace ocr::cli {

void add_models_command(CLI::App& app, Context& ctx) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("models", "list the models found by name (-l NAME) and the folders searched");
  cmd->add_option("--model-dir", *dir, "look here first (also $OCR_MODEL_DIR)");
  cmd->callback([dir, &ctx] {
    std::cout << "search path (first match wins):\n";
    for (const auto& d : model_search_path(*dir)) {
      std::error_code ec;
      std::cout << "  " << d << (std::filesystem::is_directory(d, ec) ? "" : "  (missing)") << "\n";
    }
    const auto models = list_models(*dir);
    std::cout << "\n";
    if (models.empty()) {
      std::cout << "no models (NAME.ocrm) in these folders\n";
      ctx.exit_code = 1;
      return;
    }
    // A detector's training counts tiles and its validation figure is 1 - line F1: both are shown
    // as what they are.
    std::printf("%-16s %8s %10s %10s %11s  %s\n", "NAME", "MB", "PARAMS", "SEEN", "VALIDATION", "PATH");
    int bad = 0;
    for (const auto& m : models) {
      std::error_code ec;
      const double mb = double(std::filesystem::file_size(m.path, ec)) / 1e6;
      try {
        auto model = Model::load_any(m.path);
        const ModelMetadata& md = model->metadata();
        char cer[32] = "-";
        if (md.validation_cer >= 0 && model->is_detector())
          std::snprintf(cer, sizeof cer, "F1 %.2f%%", 100 * (1 - md.validation_cer));
        else if (md.validation_cer >= 0)
          std::snprintf(cer, sizeof cer, "CER %.2f%%", 100 * md.validation_cer);
        std::printf("%-16s %8.1f %10lld %10lld %11s  %s\n", m.name.c_str(), mb,
                    static_cast<long long>(model->parameter_count()), static_cast<long long>(md.lines_seen), cer,
                    m.path.c_str());
      } catch (const Error& e) {
        // A damaged file is listed (it would shadow a good one of the same name) and reported.
        std::printf("%-16s %8.1f %10s %10s %9s  %s\n", m.name.c_str(), mb, "?", "?", "?", m.path.c_str());
        log::error("{}", e.what());
        ++bad;
      }
      for (const auto& s : m.shadowed) std::printf("%-16s %8s %10s %10s %9s  %s (shadowed)\n", "", "", "", "", "", s.c_str());
    }
    ctx.exit_code = bad ? 1 : 0;
  });
}

}  // namespace ocr::cli
