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
  auto* cmd = app.add_subcommand("inspect", "print a model's spec, alphabet, size and metadata");
  cmd->add_option("MODEL", *path, "model file (.ocrm) or name (`ocr models`)")->required();
  cmd->callback([path, &ctx] {
    auto m = Model::load(resolve_model(*path));
    const ModelMetadata& md = m->metadata();
    std::cout << "model:          " << *path << "\n"
              << "spec:           " << m->spec() << "\n"
              << "input height:   " << m->input_height() << "\n"
              << "parameters:     " << m->parameter_count() << "\n"
              << "GFLOP/400px:    " << 2 * m->network().forward_macs(400) / 1e9 << "\n"
              << "alphabet (" << m->alphabet().size() - 1 << "): " << utf8_encode(m->alphabet().chars())
              << "\n"
              << "iterations:     " << md.iterations << "\n"
              << "lines seen:     " << md.lines_seen << "\n"
              << "validation CER: "
              << (md.validation_cer < 0 ? std::string("-") : std::to_string(100 * md.validation_cer) + "%")
              << "\n"
              << "created:        " << md.created << "\n"
              << "data:           " << md.data << "\n";
    for (const auto& kv : md.extra) std::cout << kv.first << ": " << kv.second << "\n";
    std::cout << "layers:\n" << m->network().summary();
    ctx.exit_code = 0;
  });
}

}  // namespace ocr::cli
