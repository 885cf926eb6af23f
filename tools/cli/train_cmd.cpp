// ocr train: train or fine-tune a model on labelled line images or synthetic lines.
#include "cli/commands.h"
#include "ocr/core/log.h"
#include "ocr/train/trainer.h"

namespace ocr::cli {

void add_train_command(CLI::App& app, Context& ctx) {
  auto cfg = std::make_shared<TrainConfig>();
  auto* cmd = app.add_subcommand("train", "train or fine-tune a model on line images with .gt.txt");
  cmd->add_option("--train", cfg->train,
                  "folder or list file of line images (NAME.png + NAME.gt.txt), or 'synth' for "
                  "lines from the built-in generator")->required();
  cmd->add_option("--val", cfg->val, "validation folder or list (default with synth: lines in "
                                     "fonts training never sees; else 5% of the training lines, "
                                     "held out, if there are 40 or more)");
  cmd->add_option("--out", cfg->out, "output model (best by validation CER; latest in OUT.last)")
      ->required();
  cmd->add_option("--init", cfg->init, "start from this model (fine-tune / resume)");
  cmd->add_option("--net", cfg->spec, "network spec for a new model")->capture_default_str();
  cmd->add_option("--height", cfg->input_height, "input line height of a new model")
      ->capture_default_str()->check(CLI::Range(16, 128));
  cmd->add_option("--iterations", cfg->iterations, "iterations in this run")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--time-budget", cfg->time_budget_minutes,
                  "stop after this many minutes; the learning-rate decay is timed to end with it");
  cmd->add_option("--batch", cfg->batch, "lines per iteration")->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--lr", cfg->lr, "peak learning rate (Adam)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", cfg->warmup, "warm-up iterations")->capture_default_str();
  cmd->add_option("--decay", cfg->decay_fraction,
                  "final fraction of iterations with cosine learning-rate decay")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--threads", cfg->threads, "threads (default: all cores, OMP_THREAD_LIMIT honoured)");
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
  cmd->add_flag("--bf16", cfg->bf16,
                 "mixed precision: bfloat16 products with float sums (AVX512-BF16 CPUs), weights, "
                 "gradients and optimizer state in float; about 1.4x the lines/s");
  cmd->add_option("--patience", cfg->patience,
                  "stop after N validations without improvement (0: never)")->capture_default_str();
  cmd->add_option("--keep-checkpoints", cfg->keep_checkpoints,
                  "keep the models of the last N validations as OUT-stem.itITER.cerCER.ocrm (for ocr average; 0: none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--synth-profiles", cfg->synth_profiles,
                  "synthetic profile weights, e.g. scan_binary=0.5,photo=0.2");
  cmd->add_option("--data-description", cfg->data_description, "training data note for the model card");
  cmd->callback([cfg, &ctx] {
    TrainSummary s = train(*cfg);
    log::info("done: {} iterations, {} lines in {:.0f} s ({:.1f} lines/s), {} skipped, best "
              "validation CER {:.3f}%{}",
              s.iterations, s.lines, s.seconds, s.lines / std::max(1e-9, s.seconds), s.skipped,
              100 * s.best_cer, s.stopped_early ? " (stopped early)" : "");
    ctx.exit_code = 0;
  });
}

}  // namespace ocr::cli
