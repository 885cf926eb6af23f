// Tesseract's `-c NAME=VALUE` on the command line, so scripts written for it port over: NAME is a
// long option of the subcommand with '_' for '-' (`-c lm_weight=0.3` = `--lm-weight=0.3`) or one
// of the Tesseract variables that has a meaning here (tessedit_char_whitelist, ...).
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ocr::cli {

// Returns args (argv[1..]) with every `-c NAME=VALUE` of a subcommand replaced by `--option=VALUE`.
// Throws CLI::ValidationError naming NAME when it is malformed or means nothing to that subcommand.
std::vector<std::string> expand_config_vars(const CLI::App& app, std::vector<std::string> args);

}  // namespace ocr::cli
