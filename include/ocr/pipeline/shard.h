// Splitting one batch over many processes or machines (`ocr recognize --shard K/N`): each input
// belongs to exactly one of N shards, decided by its name alone, so every task of a job array
// agrees on the split without talking to the others, whatever order it lists the inputs in.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ocr/pipeline/batch.h"

namespace ocr {

// Shard (in batch.h): index is 0-based, like SLURM_ARRAY_TASK_ID of an array 0-(N-1).

// 64-bit FNV-1a of the bytes of `s`: fixed by its definition, so shards agree across machines,
// compilers and versions (std::hash promises none of that).
uint64_t fnv1a64(const std::string& s);

// The shard an input belongs to: fnv1a64(its output name, BatchInput::relative) mod count. The
// output name is what resume looks at, so two inputs that would write the same output never
// land in different shards, and the same folder listed from another working directory splits
// the same way.
int shard_of(const BatchInput& input, int count);

// The inputs of shard `shard`, in their given order.
std::vector<BatchInput> select_shard(const std::vector<BatchInput>& inputs, const Shard& shard);

// Parses "K/N" (0 <= K < N) or "auto". "auto" reads the Slurm job-array variables through
// `getenv` (the process environment by default): the shard is (SLURM_ARRAY_TASK_ID −
// SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP of SLURM_ARRAY_TASK_COUNT (MIN defaults to 0,
// STEP to 1). Throws Error saying what is wrong or missing.
Shard parse_shard(const std::string& spec,
                  const std::function<const char*(const char*)>& getenv = nullptr);

}  // namespace ocr
