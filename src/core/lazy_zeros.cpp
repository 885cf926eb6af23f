#include "ocr/core/lazy_zeros.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>
#include <utility>

namespace ocr {

namespace {

constexpr size_t kHugePage = size_t(2) << 20;

// The bytes mapped for count words: arrays of a megabyte and more take whole 2 MiB pages.
size_t mapped_bytes(size_t count) {
  const size_t bytes = count * sizeof(uint32_t);
  return bytes >= kHugePage / 2 ? (bytes + kHugePage - 1) / kHugePage * kHugePage : bytes;
}

}  // namespace

LazyZeros::LazyZeros(size_t count) : count_(count) {
  if (count == 0) return;
  // mmap, not malloc: the allocator's heap (keep_freed_memory turns its own mmap off) hands back
  // reused memory that would need the zeroing this avoids.
  const size_t bytes = mapped_bytes(count);
  if (bytes % kHugePage != 0) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    words_ = static_cast<uint32_t*>(p);
    return;
  }
  // A page's decoding touches most of the language model's 1.7 MB caches, a few words a page
  // (1 500 faults of 4 KiB, half of a form's): on 2 MiB-aligned huge pages, one fault each.
  void* p = ::mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) ::munmap(p, aligned - start);
  ::munmap(reinterpret_cast<void*>(aligned + bytes), start + kHugePage - aligned);
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);  // advice only: refused, nothing changes
  words_ = reinterpret_cast<uint32_t*>(aligned);
}

LazyZeros::~LazyZeros() {
  if (words_) ::munmap(words_, mapped_bytes(count_));
}

LazyZeros::LazyZeros(LazyZeros&& other) noexcept
    : words_(std::exchange(other.words_, nullptr)), count_(std::exchange(other.count_, 0)) {}

LazyZeros& LazyZeros::operator=(LazyZeros&& other) noexcept {
  if (this != &other) {
    if (words_) ::munmap(words_, mapped_bytes(count_));
    words_ = std::exchange(other.words_, nullptr);
    count_ = std::exchange(other.count_, 0);
  }
  return *this;
}

}  // namespace ocr
