// ocr average: checkpoint averaging, the mean of the weights of several checkpoints of one run.
#include <iostream>

#include "cli/commands.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/model/model.h"

namespace ocr::cli {

void add_average_command(CLI::App& app, Context& ctx) {
  struct Options {
    std::vector<std::string> inputs;
    std::string out;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "average", "average the weights of checkpoints of one training run (late in its learning-rate decay)");
  cmd->add_option("MODELS", o->inputs, "model files (.ocrm) of one spec and alphabet")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", o->out, "output model")->required();
  cmd->callback([o, &ctx] {
    if (o->inputs.size() < 2) throw Error("average: give at least two models");
    std::vector<std::shared_ptr<const Model>> models;
    for (const auto& path : o->inputs) models.push_back(Model::load_any(path));
    auto avg = Model::average(models, o->inputs);
    avg->metadata().extra["averaged_checkpoints"] = std::to_string(models.size());
    avg->save(o->out);
    log::info("average: {} checkpoints -> {} ({} iterations; not validated yet)", models.size(), o->out,
              avg->metadata().iterations);
    ctx.exit_code = 0;
  });
}

}  // namespace ocr::cli
