#include "ocr/core/lazy_zeros.h"

#include <gtest/gtest.h>

#include <utility>

namespace ocr {
namespace {

TEST(LazyZeros, StartsAtZeroKeepsStoresAndMoves) {
  LazyZeros words(3'000'000);  // 12 MB: pages that are never touched cost nothing
  ASSERT_EQ(words.size(), 3'000'000u);
  EXPECT_EQ(words.load(0), 0u);
  EXPECT_EQ(words.load(2'999'999), 0u);
  words.store(1'234'567, 42);
  words.store(0, 7);
  EXPECT_EQ(words.load(1'234'567), 42u);
  EXPECT_EQ(words.load(1'234'568), 0u);
  LazyZeros moved(std::move(words));
  EXPECT_EQ(words.size(), 0u);
  EXPECT_EQ(moved.load(0), 7u);
  LazyZeros other(10);
  other = std::move(moved);
  EXPECT_EQ(other.load(1'234'567), 42u);
  EXPECT_EQ(LazyZeros().size(), 0u);
}

}  // namespace
}  // namespace ocr
