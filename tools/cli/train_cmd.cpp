// ocr train: train or fine-tune a model on labelled line images or synthetic lines.
#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/utf8.h"
#include "ocr/model/model.h"
#include "ocr/pipeline/model_search.h"
#include "ocr/train/communicator.h"
#include "ocr/train/data_check.h"
#include "ocr/train/detector_trainer.h"
#include "ocr/train/trainer.h"

namespace ocr::cli {

namespace {

std::string printable(char32_t c) {
  if (c == U' ') return "' '";
  if (c < 0x20 || c == 0x7f) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", unsigned(c));
    return buf;
  }
  return utf8_encode(c);
}

// Prints the pre-flight report to stdout; 1 when training would skip something.
int run_data_check(const TrainConfig& cfg) {
  const bool with_init = !cfg.init.empty();
  auto print = [&](const CheckedSet& checked) {
    const std::string& set = checked.set;
    const DataCheckReport& r = checked.report;
    std::printf("%s: %lld entries, %lld usable lines, %lld characters\n", set.c_str(), (long long)r.entries,
                (long long)r.usable, (long long)r.characters);
    std::printf("skipped by training: %zu\n", r.problems.size());
    for (const auto& p : r.problems) std::printf("  %s\n", p.c_str());
    std::printf("warnings: %zu\n", r.warnings.size());
    for (const auto& w : r.warnings) std::printf("  %s\n", w.c_str());
    const auto by_count = chars_by_count(r);
    std::printf("characters: %zu (count, most frequent first; a character seen only a few times is hard to learn)\n",
                by_count.size());
    std::string row;
    for (size_t i = 0; i < by_count.size(); ++i) {
      row += "  " + printable(by_count[i].first) + " " + std::to_string(by_count[i].second);
      if ((i + 1) % 10 == 0 || i + 1 == by_count.size()) {
        std::printf("%s\n", row.c_str());
        row.clear();
      }
    }
    if (with_init) {
      if (r.new_chars.empty()) {
        std::printf("new characters: none (%s reads them all)\n", cfg.init.c_str());
      } else {
        std::string list;
        for (char32_t c : r.new_chars) list += (list.empty() ? "" : " ") + printable(c);
        std::printf("new characters: %zu, not in %s: %s (its alphabet is extended; they start untrained)\n",
                    r.new_chars.size(), cfg.init.c_str(), list.c_str());
      }
    }
  };
  return check_training_config(cfg, print).would_skip() ? 1 : 0;
}

}  // namespace

void add_train_command(CLI::App& app, Context& ctx) {
  auto cfg = std::make_shared<TrainConfig>();
  cfg->precision = Precision::Auto;  // --precision's default
  auto det = std::make_shared<DetectorTrainConfig>();
  auto* cmd = app.add_subcommand("train", "train or fine-tune a model on line images with .gt.txt");
  cmd->add_option("--train", cfg->train,
                  "folder or list file of line images (NAME.png + NAME.gt.txt) and/or PAGE/ALTO XML "
                  "transcriptions of page images, a PAGE/ALTO file, 'synth' for lines from the built-in "
                  "generator, or 'synth-pages' to train a text-line detector on synthetic pages")->required();
  cmd->add_option("--val", cfg->val, "validation folder or list (default with synth: lines in "
                                     "fonts training never sees; else 5% of the training lines, "
                                     "held out, if there are 40 or more)");
  cmd->add_option("--out", cfg->out, "output model (best by validation CER; latest in OUT.last); required unless --check");
  auto check = std::make_shared<bool>(false);
  cmd->add_flag("--check", *check,
                "pre-flight only: report every line training would skip and why (orphans, unreadable images, "
                "empty text, lines too narrow for their text), identical images, stray spaces, the characters "
                "and those new to --init's model; exit code 1 if any line would be skipped");
  cmd->add_option("--init", cfg->init, "start from this model (fine-tune / resume)");
  cmd->add_option("--net", cfg->spec, "network spec for a new model (a detector's default: " + DetectorTrainConfig{}.spec + ")")->capture_default_str();
  cmd->add_option("--height", cfg->input_height, "input line height of a new model")
      ->capture_default_str()->check(CLI::Range(16, 128));
  cmd->add_option("--iterations", cfg->iterations, "iterations in this run")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--time-budget", cfg->time_budget_minutes,
                  "stop after this many minutes; the learning-rate decay is timed to end with it");
  cmd->add_option("--batch", cfg->batch, "lines per iteration (per rank under mpirun)")->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--lr", cfg->lr, "peak learning rate (Adam)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", cfg->warmup, "warm-up iterations")->capture_default_str();
  cmd->add_option("--decay", cfg->decay_fraction,
                  "final fraction of iterations with cosine learning-rate decay")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--threads", cfg->threads, "threads (default: all cores, OMP_THREAD_LIMIT honoured); per rank under mpirun");
  cmd->add_option("--seed", cfg->seed, "random seed")->capture_default_str();
  cmd->add_option("--val-every", cfg->val_every, "validate every N iterations")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--val-lines", cfg->val_lines, "synthetic validation lines")->capture_default_str();
  auto* aug = cmd->add_flag_callback(
      "--augment", [cfg] { cfg->augment = 1; },
      "vary labelled lines at random (margins, width, tilt, blur, contrast, noise); the default "
      "when training from scratch, not with --init");
  cmd->add_flag_callback("--no-augment", [cfg] { cfg->augment = 0; }, "train on labelled lines as they are")
      ->excludes(aug);
  cmd->add_option_function<std::string>(
         "--precision", [cfg](const std::string& v) { cfg->precision = parse_precision(v); },
         "what the products multiply in: float; bf16, mixed precision (bfloat16 products with float sums, "
         "weights, gradients and optimizer state in float; AVX512-BF16 CPUs); auto (the default): bf16 "
         "where a timing of both at the start finds it faster (1.4x the lines/s on one CPU, 0.8x on another)")
      ->check(CLI::IsMember({"auto", "float", "bf16"}))
      ->default_str("auto");
  cmd->add_flag_callback("--bf16", [cfg] { cfg->precision = Precision::Bf16; }, "the same as --precision bf16");
  cmd->add_flag("--freeze-backbone", cfg->freeze_backbone,
                "fine-tuning: train only the layers after Col (LSTMs and output), the convolutions as they are "
                "(needs --init; about twice the lines/s)")
      ->needs(cmd->get_option("--init"));
  cmd->add_option("--patience", cfg->patience,
                  "stop after N validations without improvement (0: never)")->capture_default_str();
  cmd->add_option("--keep-checkpoints", cfg->keep_checkpoints,
                  "keep the models of the last N validations as OUT-stem.itITER.cerCER.ocrm (for ocr average; 0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--synth-profiles", cfg->synth_profiles,
                  "synthetic profile weights, e.g. scan_binary=0.5,photo=0.2");
  cmd->add_option("--synth-hand-share", cfg->synth_hand_share,
                  "share of the synthetic fax lines written by hand (forms filled in by hand)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--data-description", cfg->data_description, "training data note for the model card");
  auto* detector_group = cmd->add_option_group("line detector", "with --train synth-pages");
  detector_group->add_option("--tile", det->tile, "training tile size, px (a multiple of the net's pooling)")
      ->capture_default_str()->check(CLI::Range(32, 1024));
  detector_group->add_option("--text-height", det->text_height,
                             "x-height pages are scaled to for the detector, px (default: 10 for a new detector, "
                             "the --init detector's own)")
      ->check(CLI::Range(4.0, 64.0));
  detector_group->add_option("--page-kinds", det->page_kinds,
                             "page kind weights, e.g. article=0.3,form=0.2,table=0.1,receipt=0.15,letter=0.1,screenshot=0.15");
  detector_group->add_option("--data-threads", det->data_threads, "threads rendering training pages")
      ->capture_default_str()->check(CLI::Range(1, 64));
  detector_group->add_option("--val-pages", det->val_pages, "held-out synthetic validation pages")
      ->capture_default_str()->check(CLI::Range(1, 10000));
  cmd->callback([cfg, det, check, cmd, &ctx] {
    if (*check) {
      ctx.exit_code = run_data_check(*cfg);
      return;
    }
    if (cfg->out.empty()) throw CLI::RequiredError("--out");
    if (cfg->train == "synth-pages") {
      // Not spread over ranks: N processes would each train their own and write one file.
      if (world_communicator().size() > 1)
        throw Error("--train synth-pages runs in one process: not under mpirun -np N > 1");
      DetectorTrainConfig& d = *det;
      d.out = cfg->out;
      d.init = cfg->init.empty() ? "" : resolve_model(cfg->init);
      if (cmd->count("--net") > 0) d.spec = cfg->spec;
      d.iterations = cfg->iterations;
      d.time_budget_minutes = cfg->time_budget_minutes;
      d.batch = cfg->batch;
      d.lr = cfg->lr;
      d.warmup = cfg->warmup;
      d.decay_fraction = cfg->decay_fraction;
      d.threads = cfg->threads;
      d.seed = cfg->seed;
      d.val_every = cfg->val_every;
      d.precision = cfg->precision;
      d.keep_checkpoints = cfg->keep_checkpoints;
      DetectorTrainSummary s = train_detector(d);
      log::info("done: {} iterations, {} tiles of {} pages in {:.0f} s, best validation line F1 {:.2f}%", s.iterations,
                s.tiles, s.pages, s.seconds, 100 * s.best_f1);
      ctx.exit_code = 0;
      return;
    }
    TrainSummary s = train(*cfg);
    log::info("done: {} iterations, {} lines in {:.0f} s ({:.1f} lines/s), {} skipped, best "
              "validation CER {:.3f}%{}",
              s.iterations, s.lines, s.seconds, s.lines / std::max(1e-9, s.seconds), s.skipped,
              100 * s.best_cer, s.stopped_early ? " (stopped early)" : "");
    ctx.exit_code = 0;
  });
}

}  // namespace ocr::cli
