// Batch at cluster scale (issue 16): `--shard K/N` split over tasks gives exactly one run's
// outputs and resumes, `--shard auto` from Slurm's array variables (through the job-array script
// bench/cluster/ocr-array.sh, variables set by hand: CI has no Slurm daemons), `-f jsonl` as a
// stream of records, and the GNU parallel recipe bench/cluster/ocr-parallel.sh.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <sstream>

#include "image/test_pages.h"
#include "ocr/model/model.h"
#include "tools/cli_helpers.h"

namespace fs = std::filesystem;

namespace {

using ocr::test::have;
using ocr::test::Result;
using ocr::test::slurp;

std::string exe() {
  const char* bin = std::getenv("OCR_TEST_BINARY");
  return bin ? bin : OCR_BINARY;
}

class ClusterCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ocr-cluster-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "in" / "sub");
    ocr::Model m("C3,3,8 Relu Mp2,2 Col Lbx16 O", ocr::Alphabet(U"abcdefghijklmnopqrstuvwxyz "), 32, 1);
    m.save((dir_ / "model.ocrm").string());
    // 12 images of different widths (so their outputs differ), two folder levels.
    for (int i = 0; i < 12; ++i) {
      const fs::path p = dir_ / "in" / (i % 3 == 0 ? "sub" : "") / ("scan" + std::to_string(i) + ".png");
      cv::imwrite(p.string(), ocr::test::single_line(300 + 20 * i));
    }
    // The reference: one process over everything.
    auto r = sh(ocr("--recursive --output-dir single in"));
    ASSERT_EQ(r.code, 0) << r.err;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // The test model (by absolute path: some runs start in a subfolder), greedy decoding.
  static std::string model_args() {
    return "-m '" + (dir_ / "model.ocrm").string() + "' --decoder greedy --lm none";
  }
  // `ocr recognize` with the test model.
  static std::string ocr(const std::string& args) {
    return "'" + exe() + "' recognize " + model_args() + " --no-progress " + args;
  }
  // Runs a shell command in the test folder.
  static Result sh(const std::string& cmd, const std::string& env = "") {
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    const std::string full = "cd '" + dir_.string() + "' && " + env + " " + cmd + " </dev/null >'" +
                             out.string() + "' 2>'" + err.string() + "'";
    const int rc = std::system(full.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128, slurp(out), slurp(err)};
  }
  // Relative path → content of every file under `root`.
  static std::map<std::string, std::string> tree(const fs::path& root) {
    std::map<std::string, std::string> t;
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file()) t[fs::relative(e.path(), root).string()] = slurp(e.path());
    return t;
  }
  static int count(const std::string& s, const std::regex& re) {
    return static_cast<int>(std::distance(std::sregex_iterator(s.begin(), s.end(), re), std::sregex_iterator()));
  }
  static fs::path dir_;
};

fs::path ClusterCli::dir_;

}  // namespace

TEST_F(ClusterCli, FourShardsGiveExactlyTheSingleRunAndResume) {
  const auto single = tree(dir_ / "single");
  ASSERT_EQ(single.size(), 12u);
  fs::remove_all(dir_ / "sharded");
  int total = 0;
  for (int k = 0; k < 4; ++k) {
    auto r = sh(ocr("--shard " + std::to_string(k) + "/4 -r --output-dir sharded in"));
    ASSERT_EQ(r.code, 0) << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.err, m, std::regex("shard " + std::to_string(k) + "/4: (\\d+) of 12 inputs")))
        << r.err;
    total += std::stoi(m[1]);
  }
  EXPECT_EQ(total, 12) << "every input in exactly one shard";
  EXPECT_EQ(tree(dir_ / "sharded"), single);

  // A task rerun after losing one output (or killed before writing it) redoes only that one.
  const fs::path lost = dir_ / "sharded" / "sub" / "scan6.txt";
  const auto kept_time = fs::last_write_time(dir_ / "sharded" / "scan1.txt");
  fs::remove(lost);
  int redone = 0;
  for (int k = 0; k < 4; ++k) {
    auto r = sh(ocr("--shard " + std::to_string(k) + "/4 -r --output-dir sharded in"));
    ASSERT_EQ(r.code, 0) << r.err;
    redone += count(r.err, std::regex(" 1 done, ")) + count(r.err, std::regex("1 of 1 inputs"));
    EXPECT_EQ(count(r.err, std::regex(" [2-9] done, ")), 0) << r.err;
  }
  EXPECT_EQ(redone, 1);
  EXPECT_EQ(tree(dir_ / "sharded"), single);
  EXPECT_EQ(fs::last_write_time(dir_ / "sharded" / "scan1.txt"), kept_time);

  // The order the inputs come in does not move them between shards: the files listed one by
  // one, backwards, from inside the folder (same output names) give shard 2's outputs again.
  std::ofstream list(dir_ / "in" / "backwards.txt");
  for (auto it = single.rbegin(); it != single.rend(); ++it)
    list << it->first.substr(0, it->first.size() - 4) << ".png\n";
  list.close();
  fs::remove_all(dir_ / "shard2");
  auto once = sh(ocr("--shard 2/4 -r --output-dir shard2 in"));
  ASSERT_EQ(once.code, 0) << once.err;
  fs::remove_all(dir_ / "shard2b");
  auto listed = sh("cd in && " + ocr("--shard 2/4 --output-dir ../shard2b --files-from backwards.txt"));
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(tree(dir_ / "shard2b"), tree(dir_ / "shard2"));
  EXPECT_FALSE(tree(dir_ / "shard2").empty());

  // K is 0-based: K = N is refused before any work.
  auto bad = sh(ocr("--shard 4/4 in"));
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("numbered from 0"), std::string::npos) << bad.err;
}

TEST_F(ClusterCli, SlurmArrayScriptWithTheArrayVariablesSetByHand) {
  // What Slurm exports to the tasks of `sbatch --array=1-4 ocr-array.sh in slurm-out`.
  const std::string script = std::string(OCR_SOURCE_DIR) + "/bench/cluster/ocr-array.sh";
  fs::remove_all(dir_ / "slurm-out");
  for (int id = 1; id <= 4; ++id) {
    auto r = sh("sh '" + script + "' in slurm-out " + model_args(),
                "OCR='" + exe() + "' SLURM_ARRAY_TASK_ID=" + std::to_string(id) +
                    " SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=4"
                    " SLURM_ARRAY_TASK_STEP=1 SLURM_CPUS_PER_TASK=1");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("shard " + std::to_string(id - 1) + "/4:"), std::string::npos) << r.err;
  }
  EXPECT_EQ(tree(dir_ / "slurm-out"), tree(dir_ / "single"));
  // Outside an array the script says what is missing instead of reading everything 4 times.
  auto r = sh("env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT sh '" + script + "' in slurm-out2 " + model_args(),
              "OCR='" + exe() + "'");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("SLURM_ARRAY_TASK_ID is not set"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "slurm-out2"));
}

TEST_F(ClusterCli, JsonlIsOneRecordPerInputAndABadFileGivesAnErrorRecord) {
  std::ofstream(dir_ / "broken.png") << "not a PNG\n";
  std::ofstream(dir_ / "paths.txt") << "in/scan1.png\nbroken.png\nin/sub/scan3.png\nmissing.png\n";
  const fs::path paths = dir_ / "paths.txt";
  const fs::path out = dir_ / "records.jsonl", err = dir_ / "records.err";
  // Paths on stdin, as `find | ocr recognize --files-from - -f jsonl` gives them.
  const int rc = std::system(("cd '" + dir_.string() + "' && " + ocr("-f jsonl --files-from -") + " <'" +
                              paths.string() + "' >'" + out.string() + "' 2>'" + err.string() + "'")
                                 .c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 1) << "failed inputs fail the run";
  const std::string s = slurp(out);
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 4u) << s;
  // Records come as inputs finish (a file that cannot be opened fails before the pages being
  // read), so a consumer keys them by path.
  const std::regex ok(R"re(^\{"path":"([^"]+)","status":"ok","text":"(\\.|[^"\\])*","confidence":(0(\.\d+)?|1|null)(,"empty_reason":"[^"]*")?\}$)re");
  const std::regex error(R"re(^\{"path":"([^"]+)","status":"error","error":"(\\.|[^"\\])+"\}$)re");
  std::map<std::string, std::string> status;
  for (const auto& l : lines) {
    std::smatch m;
    if (std::regex_match(l, m, ok)) status[m[1]] = "ok";
    else if (std::regex_match(l, m, error)) status[m[1]] = "error";
    else ADD_FAILURE() << "not a record: " << l;
  }
  const std::map<std::string, std::string> want = {
      {"in/scan1.png", "ok"}, {"broken.png", "error"}, {"in/sub/scan3.png", "ok"}, {"missing.png", "error"}};
  EXPECT_EQ(status, want) << s;
  if (have("python3")) {
    const int py = std::system(("python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; "
                                "assert sorted(x[\"status\"] for x in r)==[\"error\",\"error\",\"ok\",\"ok\"]; "
                                "assert all(isinstance(x[\"text\"],str) for x in r if x[\"status\"]==\"ok\")' '" +
                                out.string() + "'")
                                   .c_str());
    EXPECT_EQ(py, 0) << s;
  }
  // --fail-fast stops at a bad line of the list too (here a folder that is not there), even
  // though the list is read while the run goes.
  std::ofstream(dir_ / "paths2.txt") << "no-such-folder/*.png\nin/scan1.png\n";
  auto ff = sh(ocr("--fail-fast -f jsonl --files-from paths2.txt"));
  EXPECT_EQ(ff.code, 1);
  EXPECT_EQ(ff.out, "{\"path\":\"no-such-folder/*.png\",\"status\":\"error\",\"error\":\"no-such-folder/*.png: no file "
                    "matches this pattern\"}\n");
  EXPECT_NE(ff.err.find("no-such-folder/*.png: no file matches"), std::string::npos) << ff.err;
  // Without it, what cannot be expanded is one more failed input in its place: its record among
  // the others, counted once, and the run goes on.
  std::ofstream(dir_ / "paths3.txt") << "in/scan1.png\nno-such-folder/*.png\n@no-such-list.txt\nin/sub/scan3.png\n";
  auto all = sh(ocr("-f jsonl --files-from paths3.txt"));
  EXPECT_EQ(all.code, 1);
  std::vector<std::string> recs;
  std::istringstream rin(all.out);
  for (std::string l; std::getline(rin, l);) recs.push_back(l);
  ASSERT_EQ(recs.size(), 4u) << all.out;
  EXPECT_NE(all.out.find("{\"path\":\"no-such-folder/*.png\",\"status\":\"error\""), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("{\"path\":\"no-such-list.txt\",\"status\":\"error\",\"error\":\"no-such-list.txt: cannot open list"),
            std::string::npos)
      << all.out;
  EXPECT_NE(all.err.find("4 inputs: 2 done, 0 skipped, 2 failed"), std::string::npos) << all.err;
}

// One line from `fd`, waiting at most `seconds` for it ("" if none came).
std::string read_line_within(int fd, int seconds) {
  std::string line;
  char c;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, seconds * 1000) <= 0) return line;
    if (::read(fd, &c, 1) != 1 || c == '\n') return line;
    line += c;
  }
}

TEST_F(ClusterCli, JsonlRecordsStreamAsPathsArriveOnStdin) {
  // Paths written to a pipe one at a time: the first record must come back before the second
  // path is sent (a run that read the whole list first would wait for the end of it).
  const fs::path in = dir_ / "paths.fifo", out = dir_ / "records.fifo";
  fs::remove(in);
  fs::remove(out);
  ASSERT_EQ(::mkfifo(in.c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo(out.c_str(), 0600), 0);
  ASSERT_EQ(std::system(("cd '" + dir_.string() + "' && " + ocr("-j 4 -f jsonl --files-from -") + " <'" + in.string() +
                         "' >'" + out.string() + "' 2>'" + (dir_ / "stream.err").string() + "' &")
                            .c_str()),
            0);
  const int w = ::open(in.c_str(), O_WRONLY);  // both ends meet as the shell opens its side
  const int r = ::open(out.c_str(), O_RDONLY);
  ASSERT_GE(w, 0);
  ASSERT_GE(r, 0);
  const std::string first = "in/scan1.png\n", second = "in/sub/scan3.png\n";
  ASSERT_EQ(::write(w, first.data(), first.size()), static_cast<ssize_t>(first.size()));
  const std::string rec1 = read_line_within(r, 60);
  EXPECT_EQ(rec1.rfind("{\"path\":\"in/scan1.png\",\"status\":\"ok\"", 0), 0u) << rec1 << slurp(dir_ / "stream.err");
  ASSERT_EQ(::write(w, second.data(), second.size()), static_cast<ssize_t>(second.size()));
  ::close(w);
  const std::string rec2 = read_line_within(r, 60);
  EXPECT_EQ(rec2.rfind("{\"path\":\"in/sub/scan3.png\",\"status\":\"ok\"", 0), 0u) << rec2;
  EXPECT_EQ(read_line_within(r, 60), "");  // end of the stream: ocr has exited
  ::close(r);
}

TEST_F(ClusterCli, GnuParallelRecipe) {
  if (!have("parallel")) GTEST_SKIP() << "GNU parallel (Debian package parallel, tools/install-deps.sh) not installed";
  const std::string script = std::string(OCR_SOURCE_DIR) + "/bench/cluster/ocr-parallel.sh";
  fs::remove_all(dir_ / "par-out");
  auto r = sh("sh '" + script + "' in par-out 3 " + model_args(), "OCR='" + exe() + "'");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(tree(dir_ / "par-out"), tree(dir_ / "single"));
  // Again after losing an output: only it is redone.
  fs::remove(dir_ / "par-out" / "scan4.txt");
  r = sh("sh '" + script + "' in par-out 3 " + model_args(), "OCR='" + exe() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(tree(dir_ / "par-out"), tree(dir_ / "single"));
}
