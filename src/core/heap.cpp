#include "ocr/core/heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace ocr {

void keep_freed_memory() {
  // glibc caps M_MMAP_THRESHOLD at 32 MiB and ignores larger values, while setting the trim
  // threshold switches off its dynamic mmap threshold: every block over 128 KiB then came fresh
  // from mmap and was zeroed by the kernel on each use (31% of training time in clear_page).
  // No mmap at all: big blocks come from the heap and stay there for the next batch.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);  // converted to SIZE_MAX: never trim
}

void share_heap_between_threads(int threads) {
  if (threads <= 4) mallopt(M_ARENA_MAX, 1);
}

namespace {

// The PMD huge page size when transparent huge pages may be had by madvise, else 0.
size_t huge_page_size() {
  FILE* f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (!f) return 0;
  char mode[64] = {};
  const bool read = std::fgets(mode, sizeof mode, f) != nullptr;
  std::fclose(f);
  if (!read) return 0;
  // "always [madvise] never": the bracketed word is the mode; only "never" refuses.
  const char* never = "[never]";
  for (const char* p = mode; *p; ++p) {
    const char* a = p;
    const char* b = never;
    while (*b && *a == *b) ++a, ++b;
    if (!*b) return 0;
  }
  size_t size = 0;
  if (FILE* s = std::fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r")) {
    unsigned long long v = 0;
    if (std::fscanf(s, "%llu", &v) == 1) size = static_cast<size_t>(v);
    std::fclose(s);
  }
  return size;
}

}  // namespace

size_t reserve_heap_in_huge_pages(size_t bytes) {
  const size_t huge = huge_page_size();
  if (huge == 0 || bytes < 2 * huge) return 0;
  // With mmap off and trimming off (keep_freed_memory), a block this big is carved from the top
  // of the brk heap and, freed, stays there as the heap's free top for later blocks.
  void* block = std::malloc(bytes);
  if (!block) return 0;
  const auto from = reinterpret_cast<uintptr_t>(block);
  std::free(block);
  const auto end = reinterpret_cast<uintptr_t>(sbrk(0));
  if (end == static_cast<uintptr_t>(-1) || end < from + bytes || end > from + 2 * bytes) return 0;
  const uintptr_t first = (from + huge - 1) / huge * huge, last = end / huge * huge;
  if (last <= first) return 0;
  if (madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) != 0) return 0;
  return last - first;
}

}  // namespace ocr
