// ocr synth: synthetic training lines as STEM.png + STEM.gt.txt pairs, a speed check of the
// generator, and the statistics check that compares generated lines with real scanned ones.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/synth/data_set.h"
#include "ocr/synth/line_generator.h"
#include "ocr/synth/line_stats.h"
#include "ocr/synth/page_generator.h"

namespace ocr::cli {

namespace fs = std::filesystem;

namespace {

struct SynthOptions {
  std::string out, corpus, fonts, split = "train";
  long count = 100;
  uint64_t seed = 1;
  std::vector<std::string> profiles, stats_dirs;
  bool keep_dark = false, bench = false, no_accent_noise = false;
  double hand_share = synth::GeneratorConfig().hand_share;
  long pages = 0;
  std::string kinds;
};

synth::GeneratorConfig make_config(const SynthOptions& o) {
  synth::GeneratorConfig c;
  c.corpus = o.corpus;
  c.fonts_table = o.fonts;
  c.split = o.split;
  c.seed = o.seed;
  c.keep_dark_mode = o.keep_dark;
  c.accent_noise = !o.no_accent_noise;
  c.hand_share = o.hand_share;
  for (const auto& p : o.profiles) {
    auto eq = p.find('=');
    std::string name = p.substr(0, eq);
    double w = 1;
    if (eq != std::string::npos) {
      try {
        w = std::stod(p.substr(eq + 1));
      } catch (const std::exception&) {
        throw FormatError("--profile " + p + ": weight is not a number");
      }
    }
    c.profile_weights[name] = w;
  }
  return c;
}

void print_stats(const std::vector<std::pair<std::string, synth::StatsSummary>>& sets) {
  std::cout << std::left << std::setw(26) << "statistic (p10/median/p90)";
  for (const auto& [name, s] : sets) std::cout << " | " << std::setw(24) << (name + " (" + std::to_string(s.count) + ")");
  std::cout << "\n";
  for (size_t k = 0; k < sets.front().second.names.size(); ++k) {
    std::cout << std::setw(26) << sets.front().second.names[k];
    for (const auto& [name, s] : sets) {
      int prec = s.quantile(k, 0.5) < 2 ? 3 : 2;
      std::ostringstream cell;
      cell << std::fixed << std::setprecision(prec) << s.quantile(k, 0.1) << " / " << s.quantile(k, 0.5) << " / "
           << s.quantile(k, 0.9);
      std::cout << " | " << std::setw(24) << cell.str();
    }
    std::cout << "\n";
  }
}

// Pages for the line detector: image, core mask and PAGE XML labels side by side.
void write_pages(const SynthOptions& o) {
  synth::PageGeneratorConfig c;
  c.lines = make_config(o);
  if (!o.kinds.empty()) c.kind_weights = synth::parse_weights(o.kinds, "--kinds");
  synth::PageGenerator gen(c);
  synth::write_page_set(gen, o.out, o.pages);
  log::info("synth: wrote {} pages to {}", o.pages, o.out);
}

}  // namespace

void add_synth_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SynthOptions>();
  auto* cmd = app.add_subcommand(
      "synth", "render synthetic text lines (STEM.png + STEM.gt.txt), or check their statistics");
  cmd->add_option("--out", o->out, "output directory for the line pairs");
  cmd->add_option("--count", o->count, "number of lines (default 100; with --stats, synthetic lines measured)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", o->seed, "random seed: the same seed gives the same lines");
  cmd->add_option("--split", o->split, "font split: train or holdout (validation fonts)")
      ->check(CLI::IsMember({"train", "holdout"}));
  cmd->add_option("--profile", o->profiles,
                  "NAME=WEIGHT, repeatable: scan_binary, scan_gray, photo, screen, receipt, fax, phone "
                  "(default 0.38/0.2/0.08/0.1/0.1/0.07/0.07)");
  cmd->add_option("--corpus", o->corpus, "UTF-8 text, one paragraph per line (default data/corpus/eng.txt)");
  cmd->add_option("--fonts", o->fonts, "font table (default data/fonts.tsv)");
  cmd->add_option("--hand-share", o->hand_share, "share of the fax profile's lines written by hand (default 0.18)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--keep-dark", o->keep_dark, "keep screen dark-mode lines light-on-dark");
  cmd->add_flag("--no-accent-noise", o->no_accent_noise,
                "no random accents on letters (training uses them on 12% of lines): text as written, "
                "for tuning the language model");
  cmd->add_option("--stats", o->stats_dirs,
                  "folder of real line images to compare with --count synthetic lines (repeatable)");
  cmd->add_flag("--bench", o->bench, "measure lines/s of each profile over --count lines, write nothing");
  cmd->add_option("--pages", o->pages, "write N synthetic pages instead of lines: NAME.png, NAME.core.png, NAME.xml (PAGE)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--kinds", o->kinds,
                  "page kinds and weights, e.g. article=0.3,form=0.2,table=0.1,receipt=0.15,letter=0.1,screenshot=0.15");
  cmd->callback([o, &ctx] {
    if (o->bench) {
      synth::GeneratorConfig c = make_config(*o);
      for (const auto& name : synth::profile_names()) {
        if (!c.profile_weights.empty() && !(c.profile_weights.count(name) && c.profile_weights[name] > 0)) continue;
        synth::LineGenerator gen(c);
        gen.next(name);  // warm up
        auto t0 = std::chrono::steady_clock::now();
        std::clock_t c0 = std::clock();
        double chars = 0, px = 0;
        for (long i = 0; i < o->count; ++i) {
          LineSample s = gen.next(name);
          chars += s.text.size();
          px += s.image.total();
        }
        double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
        // CPU time is what one core delivers even when other jobs share the machine.
        std::cout << std::left << std::setw(12) << name << std::right << std::setw(8) << std::fixed
                  << std::setprecision(0) << o->count / cpu << " lines/s per core (" << o->count / sec
                  << " wall)  (" << std::setprecision(1)
                  << chars / o->count << " bytes, " << std::setprecision(0) << px / o->count
                  << " px per line)\n";
      }
      ctx.exit_code = 0;
      return;
    }
    if (o->pages > 0) {
      if (o->out.empty()) throw FormatError("ocr synth --pages: give --out DIR");
      write_pages(*o);
      ctx.exit_code = 0;
      return;
    }
    if (!o->stats_dirs.empty()) {
      std::vector<std::pair<std::string, synth::StatsSummary>> sets;
      synth::GeneratorConfig c = make_config(*o);
      if (c.profile_weights.empty()) c.profile_weights["scan_binary"] = 1;
      synth::LineGenerator gen(c);
      std::vector<synth::LineStats> syn;
      for (long i = 0; i < o->count; ++i) {
        synth::LineStats s;
        if (synth::measure_line(gen.next().image, &s)) syn.push_back(s);
      }
      sets.emplace_back("synthetic", synth::summarize(syn));
      for (const auto& d : o->stats_dirs) sets.emplace_back(fs::path(d).filename().string(), synth::summarize(synth::measure_line_folder(d)));
      print_stats(sets);
      ctx.exit_code = 0;
      return;
    }
    if (o->out.empty()) throw FormatError("ocr synth: give --out DIR (or --stats DIR, or --bench)");
    synth::LineGenerator gen(make_config(*o));
    synth::write_line_set(gen, o->out, o->count);
    log::info("synth: wrote {} lines to {}", o->count, o->out);
    ctx.exit_code = 0;
  });
}

}  // namespace ocr::cli
