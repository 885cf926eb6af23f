// Subcommands of the `ocr` executable. Each file in tools/cli registers one subcommand; its
// callback runs the command and stores the process exit code in the context.
#pragma once
#include <CLI/CLI.hpp>

namespace ocr {
extern const char* const kGitCommit;  // generated at build time (cmake/git_commit.cmake)
}

namespace ocr::cli {

struct Context {
  int exit_code = 0;
  int verbosity = 1;
};

void add_recognize_command(CLI::App& app, Context& ctx);
void add_train_command(CLI::App& app, Context& ctx);
void add_inspect_command(CLI::App& app, Context& ctx);
void add_models_command(CLI::App& app, Context& ctx);
void add_eval_command(CLI::App& app, Context& ctx);
void add_synth_command(CLI::App& app, Context& ctx);
void add_lm_command(CLI::App& app, Context& ctx);
void add_average_command(CLI::App& app, Context& ctx);

}  // namespace ocr::cli
