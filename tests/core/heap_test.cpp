#include "ocr/core/heap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerHeap = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
constexpr bool kSanitizerHeap = true;
#else
constexpr bool kSanitizerHeap = false;
#endif
#else
constexpr bool kSanitizerHeap = false;
#endif

bool huge_pages_may_be_advised() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(f, mode);
  return f && mode.find("[never]") == std::string::npos;
}

// The VmFlags of the mapping holding address p, from /proc/self/smaps.
std::string vm_flags_at(const void* p) {
  const auto a = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = lo <= a && a < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

}  // namespace

TEST(Heap, ReservedHeapIsAdvisedForHugePagesAndServesLaterBlocks) {
  if (kSanitizerHeap) GTEST_SKIP() << "a sanitizer's allocator has no brk heap to advise";
  if (!huge_pages_may_be_advised()) GTEST_SKIP() << "transparent huge pages are off on this kernel";
  ocr::keep_freed_memory();
  const size_t advised = ocr::reserve_heap_in_huge_pages(size_t(64) << 20);
  ASSERT_GT(advised, size_t(32) << 20);
  // A later big block comes from the advised top of the heap, and the kernel marks it so ("hg").
  void* block = std::malloc(size_t(8) << 20);
  ASSERT_NE(block, nullptr);
  const std::string flags = vm_flags_at(static_cast<char*>(block) + (size_t(4) << 20));
  std::free(block);
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
}

TEST(Heap, TooSmallAReservationIsRefused) {
  EXPECT_EQ(ocr::reserve_heap_in_huge_pages(4096), 0u);
}
