// ocr inspect: what a model file holds.
#include <iostream>

#include "cli/commands.h"
#include "ocr/core/utf8.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/model_search.h"
#include "ocr/nn/network.h"

namespace ocr::cli {

void add_inspect_command(CLI::App& app, Context& ctx) {
  auto path = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("inspect", "print a model's kind, spec, alphabet or maps, size and metadata");
  cmd->add_option("MODEL", *path, "model file (.ocrm) or name (`ocr models`)")->required();
  cmd->callback([path, &ctx] {
    auto m = Model::load_any(resolve_model(*path));
    const ModelMetadata& md = m->metadata();
    std::cout << "model:          " << *path << "\n"
              << "kind:           " << model_kind_name(m->kind()) << "\n"
              << "spec:           " << m->spec() << "\n";
    if (m->is_detector()) {
      // A detector runs on whole pages: its cost per megapixel of (scaled) page.
      std::cout << "tile height:    " << m->input_height() << "\n"
                << "maps:           " << m->num_classes() << " at 1/" << m->network().height_divisor() << " x 1/"
                << m->network().width_divisor() << " resolution\n"
                << "parameters:     " << m->parameter_count() << "\n"
                << "GFLOP/Mpixel:   " << 2 * m->network().forward_macs(1024, 1024) / 1e9 << "\n";
    } else {
      std::cout << "input height:   " << m->input_height() << "\n"
                << "parameters:     " << m->parameter_count() << "\n"
                << "GFLOP/400px:    " << 2 * m->network().forward_macs(400) / 1e9 << "\n"
                << "alphabet (" << m->alphabet().size() - 1 << "): " << utf8_encode(m->alphabet().chars())
                << "\n";
    }
    const bool detector = m->is_detector();
    std::cout << "iterations:     " << md.iterations << "\n"
              << (detector ? "tiles seen:     " : "lines seen:     ") << md.lines_seen << "\n"
              << (detector ? "line F1:        " : "validation CER: ")
              << (md.validation_cer < 0 ? std::string("-")
                                        : std::to_string(100 * (detector ? 1 - md.validation_cer : md.validation_cer)) + "%")
              << "\n"
              << "created:        " << md.created << "\n"
              << "data:           " << md.data << "\n";
    if (m->is_detector() && !md.extra.empty()) std::cout << "settings:\n";
    for (const auto& kv : md.extra) std::cout << (m->is_detector() ? "  " : "") << kv.first << ": " << kv.second << "\n";
    std::cout << "layers:\n" << m->network().summary();
    ctx.exit_code = 0;
  });
}

}  // namespace ocr::cli
