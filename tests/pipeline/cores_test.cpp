#include "ocr/pipeline/cores.h"

#include <gtest/gtest.h>

TEST(Cores, OtherRunnableThreadsTakeTheirCores) {
  // This process alone: every core.
  EXPECT_EQ(ocr::idle_cores("0.52 0.58 0.59 1/467 12345\n", 8), 8);
  // Three other threads running: five cores left.
  EXPECT_EQ(ocr::idle_cores("3.10 2.00 1.00 4/467 12345\n", 8), 5);
  // A second reading run on two cores: one left, and never none.
  EXPECT_EQ(ocr::idle_cores("1.90 1.20 0.80 3/301 999\n", 2), 1);
  EXPECT_EQ(ocr::idle_cores("9.00 9.00 9.00 40/301 999\n", 4), 1);
}

TEST(Cores, MalformedLoadLeavesEveryCore) {
  EXPECT_EQ(ocr::idle_cores("", 4), 4);
  EXPECT_EQ(ocr::idle_cores("0.1 0.2 0.3", 4), 4);
  EXPECT_EQ(ocr::idle_cores("0.1 0.2 0.3 x/12 5", 4), 4);
  EXPECT_EQ(ocr::idle_cores("0.1 0.2 0.3 /12 5", 4), 4);
  EXPECT_EQ(ocr::idle_cores("0.1 0.2 0.3 99999999999/12 5", 4), 4);
  EXPECT_EQ(ocr::idle_cores("0.1 0.2 0.3 2/12 5", 0), 1);
}

TEST(Cores, ReadingThreadsAreAtLeastOne) {
  const int n = ocr::reading_threads();
  EXPECT_GE(n, 1);
}
