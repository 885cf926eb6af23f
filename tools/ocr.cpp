// ocr: command-line OCR with its own neural engine.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <iostream>

#include "cli/commands.h"
#include "cli/config_vars.h"
#include "ocr/core/error.h"
#include "ocr/core/heap.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"

// libgomp is linked statically (CMakeLists.txt): its initialiser, which reads OMP_WAIT_POLICY, runs
// among the executable's own, after this one of a lower priority number.
#ifdef OCR_STATIC_GOMP
[[gnu::constructor(101)]] static void set_thread_waits() { ocr::shorten_idle_thread_spin(); }
#endif

int main(int argc, char** argv) {
  ocr::keep_freed_memory();
  // Address space only: what is never touched never becomes resident.
  const size_t huge_heap = ocr::reserve_heap_in_huge_pages(size_t(512) << 20);
  CLI::App app{"ocr: read text from images with a CNN+BiLSTM+CTC engine"};
  app.require_subcommand(1);
  ocr::cli::Context ctx;
  bool quiet = false;
  int verbose = 0;
  app.add_flag("-q,--quiet", quiet, "only warnings and errors on stderr");
  app.add_flag("-v,--verbose", verbose, "more detail on stderr (repeat for debug)");
  app.set_version_flag("--version", std::string("ocr " OCR_VERSION " (commit ") + ocr::kGitCommit + ")");
  // Registration order is the order of `ocr --help`.
  ocr::cli::add_recognize_command(app, ctx);
  ocr::cli::add_train_command(app, ctx);
  ocr::cli::add_inspect_command(app, ctx);
  ocr::cli::add_models_command(app, ctx);
  ocr::cli::add_eval_command(app, ctx);
  ocr::cli::add_lm_command(app, ctx);
  ocr::cli::add_synth_command(app, ctx);
  ocr::cli::add_average_command(app, ctx);
  app.parse_complete_callback([&] {
    ocr::log::init(quiet ? 0 : 1 + verbose);
    ocr::log::debug("idle OpenMP threads: {}", ocr::thread_wait_policy());
    ocr::log::debug("heap: {} MiB advised for transparent huge pages", huge_heap >> 20);
  });
  try {
    app.name(argv[0]);
    std::vector<std::string> args(argv + 1, argv + argc);
    args = ocr::cli::expand_config_vars(app, std::move(args));
    // CLI11 takes the arguments last-first.
    std::reverse(args.begin(), args.end());
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ocr::Error& e) {
    std::cerr << "ocr: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ocr: error: " << e.what() << "\n";
    return 1;
  }
  return ctx.exit_code;
}
