#include "ocr/pipeline/shard.h"

#include <cstdlib>
#include <string>

#include "ocr/core/error.h"

namespace ocr {

namespace {

// A whole non-negative decimal number, or -1.
long long parse_count(const std::string& s) {
  if (s.empty() || s.size() > 9) return -1;
  for (char c : s)
    if (c < '0' || c > '9') return -1;
  return std::stoll(s);
}

}  // namespace

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

int shard_of(const BatchInput& input, int count) {
  return count <= 1 ? 0 : static_cast<int>(fnv1a64(input.relative) % static_cast<uint64_t>(count));
}

std::vector<BatchInput> select_shard(const std::vector<BatchInput>& inputs, const Shard& shard) {
  std::vector<BatchInput> out;
  for (const auto& in : inputs)
    if (shard_of(in, shard.count) == shard.index) out.push_back(in);
  return out;
}

Shard parse_shard(const std::string& spec, const std::function<const char*(const char*)>& getenv_fn) {
  if (spec == "auto") {
    auto env = [&](const char* name) -> const char* {
      return getenv_fn ? getenv_fn(name) : std::getenv(name);
    };
    const char* id = env("SLURM_ARRAY_TASK_ID");
    const char* count = env("SLURM_ARRAY_TASK_COUNT");
    if (!id || !*id || !count || !*count)
      throw Error(std::string("--shard auto: ") + (!id || !*id ? "SLURM_ARRAY_TASK_ID" : "SLURM_ARRAY_TASK_COUNT") +
                  " is not set (run inside a Slurm job array, sbatch --array=0-3, or give --shard K/N)");
    const char* min = env("SLURM_ARRAY_TASK_MIN");
    const char* step = env("SLURM_ARRAY_TASK_STEP");
    const long long i = parse_count(id), n = parse_count(count);
    const long long lo = min && *min ? parse_count(min) : 0;
    const long long st = step && *step ? parse_count(step) : 1;
    if (i < 0 || n < 1 || lo < 0 || st < 1)
      throw Error("--shard auto: SLURM_ARRAY_TASK_ID=" + std::string(id) + ", SLURM_ARRAY_TASK_COUNT=" +
                  count + ", SLURM_ARRAY_TASK_MIN=" + (min ? min : "") + ", SLURM_ARRAY_TASK_STEP=" +
                  (step ? step : "") + " are not whole numbers");
    // An array given as a list (--array=1,5,9) has no arithmetic from id to shard: refuse rather
    // than let two tasks read the same inputs and others none.
    if (i < lo || (i - lo) % st != 0 || (i - lo) / st >= n)
      throw Error("--shard auto: task " + std::to_string(i) + " is not in the evenly spaced range of " +
                  std::to_string(n) + " tasks from " + std::to_string(lo) + " by " + std::to_string(st) +
                  " (use --array=0-" + std::to_string(n - 1) + ", or --shard K/N)");
    return {static_cast<int>((i - lo) / st), static_cast<int>(n)};
  }
  const size_t slash = spec.find('/');
  const long long k = slash == std::string::npos ? -1 : parse_count(spec.substr(0, slash));
  const long long n = slash == std::string::npos ? -1 : parse_count(spec.substr(slash + 1));
  if (k < 0 || n < 1)
    throw Error("--shard '" + spec + "': expected K/N (shard K of N, 0-based: 0/4 … 3/4) or auto");
  if (k >= n)
    throw Error("--shard '" + spec + "': shards are numbered from 0, so K must be below N (0/" +
                std::to_string(n) + " … " + std::to_string(n - 1) + "/" + std::to_string(n) + ")");
  return {static_cast<int>(k), static_cast<int>(n)};
}

}  // namespace ocr
