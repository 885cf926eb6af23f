// --shard K/N: a partition of the inputs that every task of a job array computes alike.
#include "ocr/pipeline/shard.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>

#include "ocr/core/error.h"

namespace {

std::vector<ocr::BatchInput> names(int n) {
  std::vector<ocr::BatchInput> v;
  for (int i = 0; i < n; ++i) {
    const std::string rel = "box" + std::to_string(i % 7) + "/scan_" + std::to_string(i) + ".png";
    v.push_back({"/data/" + rel, rel});
  }
  return v;
}

}  // namespace

TEST(Shard, Fnv1aMatchesItsPublishedValues) {
  // Test vectors of the FNV reference (isthe.com/chongo/tech/comp/fnv): the hash, hence the
  // split, must not change with the compiler or a refactoring.
  EXPECT_EQ(ocr::fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(ocr::fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(ocr::fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(Shard, EveryInputInExactlyOneShardWhateverTheOrder) {
  auto inputs = names(1000);
  const int n = 4;
  std::map<std::string, int> owner;
  for (int k = 0; k < n; ++k)
    for (const auto& in : ocr::select_shard(inputs, {k, n})) {
      EXPECT_EQ(owner.count(in.relative), 0u) << in.relative << " in two shards";
      owner[in.relative] = k;
    }
  EXPECT_EQ(owner.size(), inputs.size());
  // Reordered (as another task's `find` or glob may list them): same shards.
  std::mt19937 rng(7);
  std::shuffle(inputs.begin(), inputs.end(), rng);
  for (int k = 0; k < n; ++k)
    for (const auto& in : ocr::select_shard(inputs, {k, n})) EXPECT_EQ(owner[in.relative], k) << in.relative;
  // Decided by the output name only: the same file reached through another folder path agrees.
  for (const auto& in : inputs) EXPECT_EQ(ocr::shard_of({"elsewhere/" + in.relative, in.relative}, n), owner[in.relative]);
}

TEST(Shard, RoughlyBalanced) {
  // 10 000 names over 8 shards: 1250 expected each; binomial sd ≈ 33, so ±10% is > 3.5 sd.
  const auto inputs = names(10000);
  for (int k = 0; k < 8; ++k) {
    const size_t got = ocr::select_shard(inputs, {k, 8}).size();
    EXPECT_GT(got, 1125u) << "shard " << k;
    EXPECT_LT(got, 1375u) << "shard " << k;
  }
  // One shard is everything, in the given order.
  const auto all = ocr::select_shard(inputs, {0, 1});
  ASSERT_EQ(all.size(), inputs.size());
  EXPECT_EQ(all.front().relative, inputs.front().relative);
}

TEST(Shard, ParsesKOverN) {
  auto s = ocr::parse_shard("2/4");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(ocr::parse_shard("0/1").count, 1);
  for (const char* bad : {"4/4", "1/0", "-1/4", "1", "a/b", "1/4x", "", "1/"})
    EXPECT_THROW(ocr::parse_shard(bad), ocr::Error) << bad;
  try {
    ocr::parse_shard("4/4");
  } catch (const ocr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("numbered from 0"), std::string::npos) << e.what();
  }
}

TEST(Shard, AutoReadsTheSlurmArrayVariables) {
  std::map<std::string, std::string> env;
  auto get = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  // Nothing set: the error names the missing variable.
  try {
    ocr::parse_shard("auto", get);
    FAIL() << "no Slurm variables, no shard";
  } catch (const ocr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("SLURM_ARRAY_TASK_ID"), std::string::npos) << e.what();
  }
  env = {{"SLURM_ARRAY_TASK_ID", "3"}};
  try {
    ocr::parse_shard("auto", get);
    FAIL();
  } catch (const ocr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("SLURM_ARRAY_TASK_COUNT"), std::string::npos) << e.what();
  }
  // --array=0-3
  env = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "4"}, {"SLURM_ARRAY_TASK_MIN", "0"}};
  auto s = ocr::parse_shard("auto", get);
  EXPECT_EQ(s.index, 3);
  EXPECT_EQ(s.count, 4);
  // --array=1-4: ids start at 1.
  env = {{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "4"}, {"SLURM_ARRAY_TASK_MIN", "1"}};
  EXPECT_EQ(ocr::parse_shard("auto", get).index, 0);
  // --array=10-40:10
  env = {{"SLURM_ARRAY_TASK_ID", "30"},
         {"SLURM_ARRAY_TASK_COUNT", "4"},
         {"SLURM_ARRAY_TASK_MIN", "10"},
         {"SLURM_ARRAY_TASK_STEP", "10"}};
  EXPECT_EQ(ocr::parse_shard("auto", get).index, 2);
  // --array=1,5,9 (no even spacing): refused, not guessed.
  env = {{"SLURM_ARRAY_TASK_ID", "9"}, {"SLURM_ARRAY_TASK_COUNT", "3"}, {"SLURM_ARRAY_TASK_MIN", "1"}};
  EXPECT_THROW(ocr::parse_shard("auto", get), ocr::Error);
  env = {{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  EXPECT_THROW(ocr::parse_shard("auto", get), ocr::Error);
}

TEST(Shard, InputStreamKeepsItsShardOfTheCommandLineAndTheList) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ocr-shard-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream list(dir / "list.txt");
  std::vector<std::string> args;
  for (int i = 0; i < 40; ++i) {
    // Missing files are inputs like others (they fail when read), so no images are needed.
    const std::string name = "p" + std::to_string(i) + ".png";
    if (i < 10) args.push_back(name);
    else list << name << (i % 9 == 0 ? "\r\n# a comment\n\n" : "\n");
  }
  list.close();
  std::set<std::string> all;
  for (int k = 0; k < 3; ++k) {
    ocr::InputStream in(args, false, (dir / "list.txt").string(), {k, 3});
    ocr::BatchInput b;
    while (in.next(b)) {
      EXPECT_EQ(ocr::shard_of(b, 3), k) << b.relative;
      EXPECT_TRUE(all.insert(b.relative).second) << b.relative;
    }
    EXPECT_EQ(in.seen(), 40);
    EXPECT_TRUE(in.errors().empty());
    EXPECT_FALSE(in.would_block());
  }
  EXPECT_EQ(all.size(), 40u);
  ocr::InputStream missing({}, false, (dir / "no-such-list.txt").string());
  ASSERT_EQ(missing.errors().size(), 1u);
  EXPECT_NE(missing.errors()[0].find("cannot open list"), std::string::npos);
  // The unreadable list comes as one failed input, in every shard, and then nothing.
  ocr::BatchInput b;
  ASSERT_TRUE(missing.next(b));
  EXPECT_EQ(b.path, (dir / "no-such-list.txt").string());
  EXPECT_NE(b.error.find("cannot open list"), std::string::npos);
  EXPECT_FALSE(missing.next(b));
  ocr::InputStream missing_in_a_shard({}, false, (dir / "no-such-list.txt").string(), {2, 3});
  ASSERT_TRUE(missing_in_a_shard.next(b));
  EXPECT_FALSE(b.error.empty());
  fs::remove_all(dir);
}
