// An array of words that start at zero and cost nothing until touched: anonymous pages from the
// kernel, each zeroed on its first use. For caches that a run fills sparsely (the language model's
// suffix links: a page's decoding visits a few thousand of its 432 000 nodes), where zeroing the
// whole array at load was 2 MB of stores and 850 page faults at every start. Loads and stores
// are relaxed atomics: threads that share it store the same values.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ocr {

class LazyZeros {
 public:
  LazyZeros() = default;
  explicit LazyZeros(size_t count);  // throws std::bad_alloc when the kernel refuses
  ~LazyZeros();
  LazyZeros(LazyZeros&& other) noexcept;
  LazyZeros& operator=(LazyZeros&& other) noexcept;
  LazyZeros(const LazyZeros&) = delete;
  LazyZeros& operator=(const LazyZeros&) = delete;

  size_t size() const { return count_; }
  uint32_t load(size_t i) const { return __atomic_load_n(words_ + i, __ATOMIC_RELAXED); }
  void store(size_t i, uint32_t v) const { __atomic_store_n(words_ + i, v, __ATOMIC_RELAXED); }

 private:
  uint32_t* words_ = nullptr;
  size_t count_ = 0;
};

}  // namespace ocr
