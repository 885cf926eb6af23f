// Seeded random numbers shared by weight init, augmentation, synthesis and tests, so that a seed
// reproduces a run.
#pragma once
#include <cstdint>
#include <random>

namespace ocr {

class Rng {
 public:
  explicit Rng(uint64_t seed = 1) : engine_(seed) {}
  double uniform(double lo = 0.0, double hi = 1.0) {
    return std::uniform_real_distribution<double>(lo, hi)(engine_);
  }
  double normal(double mean = 0.0, double stddev = 1.0) {
    return std::normal_distribution<double>(mean, stddev)(engine_);
  }
  // Uniform integer in [lo, hi].
  int64_t integer(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(engine_);
  }
  bool chance(double p) { return uniform() < p; }
  uint64_t next_u64() { return engine_(); }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

// The seed of item `index` of a seeded stream (SplitMix64 of both): items drawn by index are the
// same whoever draws them and in whatever order, so the ranks of an MPI run can each draw only
// their own share of one stream.
inline uint64_t stream_seed(uint64_t seed, uint64_t index) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + index + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace ocr
