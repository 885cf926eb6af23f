// kill -9 during training (issue 19): `ocr train` is killed at random moments, checkpoint
// writes included (it checkpoints every 2 iterations), and each time the best and the last
// model must load, a resumed run (--init the last) must go on from where the last checkpoint
// was, and no more than one checkpoint interval may be lost.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "ocr/model/model.h"

namespace fs = std::filesystem;

namespace {

constexpr int kValEvery = 2;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The iteration of the last "iter N: validation" line of a training log (0 if none).
int last_validation(const std::string& log) {
  static const std::regex re(R"(iter (\d+): validation CER)");
  int last = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator(); ++it)
    last = std::stoi((*it)[1]);
  return last;
}

TEST(TrainKill, ModelsSurviveKillNineAndTrainingResumes) {
  const fs::path dir = fs::temp_directory_path() / ("ocr-train-kill-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "lines");
  const char* texts[] = {"one", "two", "ten", "net", "toe", "note", "tone", "on"};
  for (int i = 0; i < 8; ++i) {
    cv::Mat img(32, 90, CV_8UC1, cv::Scalar(255));
    cv::putText(img, texts[i], {6, 23}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
    cv::imwrite((dir / "lines" / ("l" + std::to_string(i) + ".png")).string(), img);
    std::ofstream(dir / "lines" / ("l" + std::to_string(i) + ".gt.txt")) << texts[i] << "\n";
  }
  const std::string out = (dir / "m.ocrm").string(), last = out + ".last";
  std::mt19937 rng(19);
  int64_t done = 0;  // iterations in the last checkpoint so far
  for (int round = 0; round < 5; ++round) {
    const bool resume = fs::exists(last);
    const std::string log = (dir / ("log" + std::to_string(round))).string();
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1), dup2(fd, 2);
      std::vector<std::string> args = {OCR_BINARY, "train", "--train", (dir / "lines").string(),
                                       "--val", (dir / "lines").string(), "--out", out,
                                       "--iterations", "100000",
                                       "--val-every", std::to_string(kValEvery), "--batch", "4",
                                       "--threads", "1", "--seed", std::to_string(round + 1)};
      if (resume) args.insert(args.end(), {"--init", last});
      else args.insert(args.end(), {"--net", "C3,3,8 Relu Mp2,2 Col Lbx16 O"});
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    // Wait for the first checkpoint of this run, then kill at a random moment after it.
    const auto start = std::chrono::steady_clock::now();
    while (last_validation(slurp(log)) == 0 &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(60))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    const std::string text = slurp(log);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round << ": training ended by itself\n" << text;
    const int logged = last_validation(text);
    ASSERT_GT(logged, 0) << "round " << round << ": no checkpoint within 60 s\n" << text;

    // Both models load whole; the last one holds every checkpoint but at most the one being
    // written when the kill came.
    std::shared_ptr<ocr::Model> best, recent;
    ASSERT_NO_THROW(best = ocr::Model::load(out)) << "round " << round;
    ASSERT_NO_THROW(recent = ocr::Model::load(last)) << "round " << round;
    const int64_t its = recent->metadata().iterations;
    EXPECT_GE(its, done + logged - kValEvery) << "round " << round << ": more than one checkpoint interval lost";
    EXPECT_LE(its, done + logged + kValEvery) << "round " << round;
    EXPECT_LE(best->metadata().iterations, its) << "round " << round;
    if (round > 0) {
      EXPECT_GT(its, done) << "round " << round << ": the resumed run did not go on";
    }
    done = its;
  }
  fs::remove_all(dir);
}

}  // namespace
