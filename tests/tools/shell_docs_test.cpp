// The manual page (docs/ocr.1) and the shell completions (tools/completion) keep up with the
// command line: every option that `ocr ... --help` prints, for every subcommand (lm's too), is
// in the manual page, is offered by the bash completion (run in bash) and is named by the zsh
// completion; `ocr --version` names the version and the commit built.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tools/cli_helpers.h"

namespace fs = std::filesystem;

namespace {

using ocr::test::have;
using ocr::test::slurp;

const std::string kSource = OCR_SOURCE_DIR;

std::string exe() {
  const char* bin = std::getenv("OCR_TEST_BINARY");
  return bin ? bin : OCR_BINARY;
}

// stdout of a shell command.
std::string capture(const std::string& cmd) {
  const fs::path out = fs::temp_directory_path() / ("ocr-shell-docs-" + std::to_string(::getpid()));
  const int rc = std::system((cmd + " >'" + out.string() + "' 2>/dev/null </dev/null").c_str());
  std::string s = slurp(out);
  fs::remove(out);
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << cmd;
  return s;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// A subcommand path ({"lm", "build"}) with the options and subcommands its --help prints.
struct Command {
  std::vector<std::string> path;
  std::vector<std::string> options;      // -f, --format, ... (with --help)
  std::vector<std::string> subcommands;  // recognize, train, ...
  std::string name() const {
    std::string n = "ocr";
    for (const auto& p : path) n += " " + p;
    return n;
  }
};

// Parses CLI11's help: option lines start (after indentation) with the option's names, comma-
// separated, then its type; subcommands are listed under "Subcommands:".
Command parse_help(const std::vector<std::string>& path) {
  Command c{path, {}, {}};
  std::string cmd = "'" + exe() + "'";
  for (const auto& p : path) cmd += " " + p;
  bool in_subcommands = false;
  for (const std::string& line : lines_of(capture(cmd + " --help"))) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_subcommands = true;
      continue;
    }
    const size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos || start == 0) {
      if (start == 0) in_subcommands = false;
      continue;
    }
    const std::string first = line.substr(start, line.find(' ', start) - start);
    if (in_subcommands) {
      c.subcommands.push_back(first);
      continue;
    }
    if (first[0] != '-') continue;
    std::istringstream names(first.substr(0, first.find('{')));  // --progress,--no-progress{false}
    for (std::string n; std::getline(names, n, ',');)
      if (n.size() > 1 && n[0] == '-') c.options.push_back(n);
  }
  return c;
}

// Every command: ocr, its subcommands and theirs.
std::vector<Command> all_commands() {
  std::vector<Command> out;
  std::vector<std::vector<std::string>> todo{{}};
  while (!todo.empty()) {
    const auto path = todo.back();
    todo.pop_back();
    out.push_back(parse_help(path));
    for (const auto& s : out.back().subcommands) {
      auto p = path;
      p.push_back(s);
      todo.push_back(p);
    }
  }
  return out;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> c = all_commands();
  return c;
}

// name occurs in text as a whole word (not inside --model-dir when looking for --model).
bool has_word(const std::string& text, const std::string& name) {
  auto word_char = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'; };
  for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
    const bool left = at == 0 || !word_char(text[at - 1]);
    const size_t end = at + name.size();
    const bool right = end == text.size() || !word_char(text[end]);
    if (left && right) return true;
  }
  return false;
}

// The manual page as text: roff's \- is a hyphen, font changes (\fB, \fR, ...) go.
std::string man_text() {
  std::string s = slurp(kSource + "/docs/ocr.1");
  s = std::regex_replace(s, std::regex(R"(\\-)"), "-");
  s = std::regex_replace(s, std::regex(R"(\\f[BIRP])"), "");
  return s;
}

TEST(ShellDocs, HelpIsParsed) {
  // The parser finds what it must, or the checks below would pass on nothing.
  const auto& cs = commands();
  ASSERT_GE(cs.size(), 15u);  // ocr, 8 subcommands, 6 of lm
  bool recognize = false;
  for (const auto& c : cs)
    if (c.name() == "ocr recognize") {
      recognize = true;
      for (const char* o : {"-f", "--format", "--out-dir", "--no-progress", "--lang", "--min-confidence"})
        EXPECT_NE(std::find(c.options.begin(), c.options.end(), o), c.options.end()) << o;
    }
  EXPECT_TRUE(recognize);
}

TEST(ShellDocs, ManPageHasEveryOptionOfEveryHelp) {
  const std::string man = man_text();
  ASSERT_FALSE(man.empty()) << "docs/ocr.1";
  for (const auto& c : commands()) {
    for (const auto& s : c.subcommands) EXPECT_TRUE(has_word(man, s)) << c.name() << " " << s << " is not in docs/ocr.1";
    for (const auto& o : c.options)
      EXPECT_TRUE(has_word(man, o)) << c.name() << " " << o << " (from --help) is not in docs/ocr.1";
  }
}

TEST(ShellDocs, ManPageIsValidRoff) {
  if (!have("man")) GTEST_SKIP() << "no man";
  // man -l --warnings prints groff's warnings on stderr, nothing when the page is clean.
  const std::string w = capture("(MANWIDTH=80 man -l --warnings '" + kSource + "/docs/ocr.1' 2>&1 >/dev/null)");
  EXPECT_EQ(w, "");
}

// What the bash completion offers for `ocr PATH... WORD` (run in bash).
std::set<std::string> bash_complete(const std::vector<std::string>& path, const std::string& word) {
  std::string words = "ocr";
  for (const auto& p : path) words += " " + p;
  words += " '" + word + "'";
  const std::string script = "source '" + kSource + "/tools/completion/ocr.bash'; COMP_WORDS=(" + words +
                             "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ocr; printf '%s\\n' \"${COMPREPLY[@]}\"";
  std::string quoted;
  for (char ch : script) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  const auto l = lines_of(capture("bash --norc --noprofile -c '" + quoted + "'"));
  return {l.begin(), l.end()};
}

TEST(ShellDocs, BashCompletionOffersEveryOptionOfEveryHelp) {
  if (!have("bash")) GTEST_SKIP() << "no bash";
  for (const auto& c : commands()) {
    const auto offered = bash_complete(c.path, "-");
    for (const auto& o : c.options)
      EXPECT_TRUE(offered.count(o)) << "`" << c.name() << " -<TAB>` does not offer " << o;
    const auto subs = bash_complete(c.path, "");
    for (const auto& s : c.subcommands)
      EXPECT_TRUE(subs.count(s)) << "`" << c.name() << " <TAB>` does not offer " << s;
  }
  // Values of an option with a fixed set.
  EXPECT_EQ(bash_complete({"recognize", "--rotate"}, ""), (std::set<std::string>{"auto", "0", "90", "180", "270"}));
  EXPECT_EQ(bash_complete({"recognize", "-f"}, "txt,h"), (std::set<std::string>{"txt,hocr"}));
}

TEST(ShellDocs, ZshCompletionNamesEveryOptionOfEveryHelp) {
  const std::string z = slurp(kSource + "/tools/completion/_ocr");
  ASSERT_FALSE(z.empty());
  EXPECT_EQ(z.rfind("#compdef ocr", 0), 0u);
  for (const auto& c : commands()) {
    for (const auto& s : c.subcommands) EXPECT_TRUE(has_word(z, s)) << c.name() << " " << s;
    for (const auto& o : c.options) EXPECT_TRUE(has_word(z, o)) << c.name() << " " << o << " is not in _ocr";
  }
  if (have("zsh")) {
    EXPECT_EQ(std::system(("zsh -n '" + kSource + "/tools/completion/_ocr'").c_str()), 0);
  }
}

TEST(ShellDocs, VersionNamesTheCommit) {
  const std::string v = capture("'" + exe() + "' --version");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(v, m, std::regex(R"(ocr (\d+\.\d+\.\d+) \(commit ([0-9a-f]{7,}|unknown)\)\n)"))) << v;
  const std::string commit = m[2];
  // Built from a git checkout: a commit of it (not necessarily HEAD: others may commit after the
  // build).
  if (have("git") && std::system(("git -C '" + kSource + "' rev-parse HEAD >/dev/null 2>&1").c_str()) == 0) {
    ASSERT_NE(commit, "unknown");
    EXPECT_EQ(std::system(("git -C '" + kSource + "' cat-file -e " + commit + "^{commit} 2>/dev/null").c_str()), 0)
        << commit << " is not a commit of " << kSource;
  }
}

}  // namespace
