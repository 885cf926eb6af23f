#include "ocr/core/lazy_zeros.h"

#include <sys/mman.h>

#include <new>
#include <utility>

namespace ocr {

LazyZeros::LazyZeros(size_t count) : count_(count) {
  if (count == 0) return;
  // mmap, not malloc: the allocator's heap (keep_freed_memory turns its own mmap off) hands back
  // reused memory that would need the zeroing this avoids.
  void* p = ::mmap(nullptr, count * sizeof(uint32_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  words_ = static_cast<uint32_t*>(p);
}

LazyZeros::~LazyZeros() {
  if (words_) ::munmap(words_, count_ * sizeof(uint32_t));
}

LazyZeros::LazyZeros(LazyZeros&& other) noexcept
    : words_(std::exchange(other.words_, nullptr)), count_(std::exchange(other.count_, 0)) {}

LazyZeros& LazyZeros::operator=(LazyZeros&& other) noexcept {
  if (this != &other) {
    if (words_) ::munmap(words_, count_ * sizeof(uint32_t));
    words_ = std::exchange(other.words_, nullptr);
    count_ = std::exchange(other.count_, 0);
  }
  return *this;
}

}  // namespace ocr
